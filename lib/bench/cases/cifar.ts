/**
 * The real challenge model: akamaster's CIFAR-10 ResNet-20 hashed with the winner-like configuration
 * (../shared/fixtures/cifar10, present beside a clone), on 32x32 test images — hashmac native against the
 * "Bit by Bit" scaffold's own loop in PyTorch (scripts/scaffold-peer.py, which re-encodes the weights on
 * every call as the scaffold does), run as a server process so the timing is the forward alone. The
 * peer runs with as many torch threads as hashmac has. Cases exist only where the fixture is.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { head, readCifarBin } from '../../models/datasets.js';
import { predict } from '../../models/evaluate.js';
import { loadModel } from '../../models/loading.js';
import type { HashModel } from '../../models/model.js';
import { activationCounts } from '../../models/score.js';
import { PACKAGE_ROOT } from '../../native/addon.js';
import { getNumThreads } from '../../runtime.js';
import type { BenchCase, BenchWork, ScaledSetup } from '../types.js';

const DIR = [join(PACKAGE_ROOT, '..', 'shared', 'fixtures', 'cifar10'), join(PACKAGE_ROOT, '..', '..', 'shared', 'fixtures', 'cifar10')]
  .find((d) => existsSync(join(d, 'resnet20-12fca82f.th')));
const N = 64, PEER_IMAGES = 4;

let shared: HashModel | undefined;
const model = () => (shared ??= loadModel(join(DIR!, 'resnet20-12fca82f.th'), {
  projectionsPath: join(DIR!, 'resnet20-hashed-winner-like-first500.safetensors'), normalize: 'imagenet',
}));
const images = (n: number) => head(readCifarBin([join(DIR!, 'test_batch_first500.bin')], 10), n).images;

/** Hashing FLOPs of one forward over n images (the same measure for hashmac and the peer). */
function work(n: number): BenchWork {
  const counts = activationCounts(model(), n);
  return { flops: counts.reduce((s, c) => s + c.projectionFlops + c.normFlops + c.accumulateFlops, 0), bitops: counts.reduce((s, c) => s + c.hammingBitOps, 0) };
}

/** The scaffold loop in a PyTorch process answering one line per forward; undefined where python3 or torch is missing. */
async function scaffoldPeer(): Promise<ScaledSetup | undefined> {
  const python = process.env.HASHMAC_PYTHON ?? '/usr/bin/python3';
  if (!existsSync(python)) return undefined;
  const child: ChildProcessWithoutNullStreams = spawn(python, [
    join(PACKAGE_ROOT, 'scripts', 'scaffold-peer.py'), '--serve', '--images', String(PEER_IMAGES), '--threads', String(getNumThreads()),
    '--weights', join(DIR!, 'resnet20-12fca82f.th'), '--projections', join(DIR!, 'resnet20-hashed-winner-like-first500.safetensors'),
    '--data', join(DIR!, 'test_batch_first500.bin'),
  ]);
  // Nothing of the peer keeps Node alive once the bench is done; a call holds a timer while it waits.
  child.unref();
  (child.stdin as unknown as Socket).unref();
  (child.stdout as unknown as Socket).unref();
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string | undefined) => void)[] = [];
  lines.on('line', (l) => waiting.shift()?.(l));
  child.on('exit', () => waiting.splice(0).forEach((w) => w(undefined)));
  const next = () => new Promise<string | undefined>((resolve) => waiting.push(resolve));
  const keepAlive = setInterval(() => {}, 1000);
  const first = await next().finally(() => clearInterval(keepAlive));
  if (first !== 'ready') return undefined; // no torch: the script failed to start
  process.once('exit', () => child.kill());
  return {
    fn: async () => {
      const keepAlive = setInterval(() => {}, 1000);
      try {
        const reply = next();
        child.stdin.write('run\n');
        if (!(await reply)?.startsWith('done')) throw new Error('scaffold peer stopped');
      } finally {
        clearInterval(keepAlive);
      }
    },
    work: work(PEER_IMAGES),
    note: `PyTorch scaffold loop, ${PEER_IMAGES} images, ${getNumThreads()} torch threads`,
  };
}

export const cases: BenchCase[] = DIR ? [{
  name: `hashLinear/resnet20-cifar10-winner-like/${N}`,
  kernel: 'hashLinear', // the kernel doing the work: the harness runs a case on the backends that implement it
  get work() {
    return work(N);
  },
  limit: 'fma',
  setup(backend) {
    if (backend === 'js') return undefined;
    const x = images(N);
    return () => void predict(model(), x, { backend, batchSize: N });
  },
  referenceSetup() {
    const x = images(2);
    return { fn: () => void predict(model(), x, { backend: 'js', batchSize: 2 }), work: work(2) };
  },
  peers: { 'pytorch-scaffold': scaffoldPeer },
  targets: { vsPeer: { 'pytorch-scaffold': 20 } },
}] : [];
