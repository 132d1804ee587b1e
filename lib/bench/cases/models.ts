/**
 * Hashed models end to end: the digits ResNet-20 (k256, 64x64 tiles, the fixture's projections) on the
 * 360 test images, native vs the JS reference, and the cost of encoding the weights on every call (as
 * the PyTorch scaffold does) instead of once at load.
 */
import type { BackendName } from '../../backend.js';
import { predict } from '../../models/evaluate.js';
import type { HashModel } from '../../models/model.js';
import { activationCounts } from '../../models/score.js';
import { loadDigitsModel, loadDigitsTest } from '../../sim/digits.js';
import type { BenchCase, BenchWork } from '../types.js';

const load = () => loadDigitsModel().model;
const images = (n: number) => loadDigitsTest(n).images;

/** Work of one hashed forward over n images: hashing FLOPs and Hamming bit-ops of every layer. */
function hashedWork(model: HashModel, n: number): BenchWork {
  const counts = activationCounts(model, n);
  return {
    flops: counts.reduce((s, c) => s + c.projectionFlops + c.normFlops + c.accumulateFlops, 0),
    bitops: counts.reduce((s, c) => s + c.hammingBitOps, 0),
  };
}

/** Re-encodes every layer's weights, as a forward that does not keep codes would. */
function encodeAll(model: HashModel, backend: BackendName): void {
  for (const l of model.layers()) if (l.proj) l.setProjection(l.proj, backend);
}

const N = 360, REF = 12;
// Loaded on first use: every `hashmac bench` imports this module, most runs select other cases.
let shared: HashModel | undefined;
const model = () => (shared ??= load());

/** Pre-encoded weights (hashmac) vs encoding on every forward call (the scaffold), per batch size. */
function encodeCases(batch: number): BenchCase[] {
  return [false, true].map((perCall) => ({
    name: `hashLinear/resnet20-digits-hashed${perCall ? '-encode-per-call' : ''}/${N}x${batch}`,
    kernel: 'hashLinear', // the kernel doing the work: the harness runs a case on the backends that implement it
    get work() {
      return hashedWork(model(), N);
    },
    limit: 'fma',
    setup(backend: BackendName) {
      if (backend === 'js') return undefined;
      const x = images(N), own = load();
      return () => {
        for (let b0 = 0; b0 < N; b0 += batch) {
          if (perCall) encodeAll(own, backend);
          predict(own, { data: x.data.subarray(b0 * 64, (b0 + batch) * 64), shape: [Math.min(batch, N - b0), 1, 8, 8] }, { backend, batchSize: batch });
        }
      };
    },
  }));
}

export const cases: BenchCase[] = [
  {
    name: `hashLinear/resnet20-digits-hashed/${N}`,
    kernel: 'hashLinear', // the kernel doing the work: the harness runs a case on the backends that implement it
    get work() {
      return hashedWork(model(), N);
    },
    limit: 'fma',
    setup(backend) {
      if (backend === 'js') return undefined;
      const x = images(N);
      return () => void predict(model(), x, { backend, batchSize: N });
    },
    referenceSetup() {
      const x = images(REF);
      return { fn: () => void predict(model(), x, { backend: 'js', batchSize: REF }), work: hashedWork(model(), REF) };
    },
  },
  ...encodeCases(1),
  ...encodeCases(32),
];
