/** Microbenchmarks of the ops family: the GEMM and matrix-vector paths of `linear`, and rmsNorm. */
import type { BackendName } from '../../backend.js';
import { linear, rmsNorm } from '../../kernels/ops.js';
import type { BenchCase, BenchWork } from '../types.js';

function randomTensor(shape: number[], seed: number) {
  let s = seed;
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 30 - 1;
  });
  return { data, shape };
}

/** One `linear` call on x [M, K], weight [N, K], bias [N], into a reused output. */
function linearCall(M: number, K: number, N: number, backend: BackendName): () => void {
  const x = randomTensor([M, K], 1), w = randomTensor([N, K], 2), bias = randomTensor([N], 3).data;
  const out = new Float32Array(M * N);
  return () => void linear(x, w, { bias, out, backend });
}

const gemmWork = (M: number, K: number, N: number): BenchWork => ({ flops: 2 * M * N * K, bytes: 4 * (M * K + N * K + M * N) });

export const cases: BenchCase[] = [
  {
    name: 'linear/4096x512x1024',
    kernel: 'linear',
    work: gemmWork(4096, 512, 1024),
    limit: 'fma',
    // The JS reference would take seconds per call at full size: it is timed on 64 rows instead.
    setup: (backend) => (backend === 'native' ? linearCall(4096, 512, 1024, backend) : undefined),
    referenceSetup: () => ({ fn: linearCall(64, 512, 1024, 'js'), work: gemmWork(64, 512, 1024) }),
  },
  {
    name: 'linear/matvec-1x2048x2048',
    kernel: 'linear',
    work: gemmWork(1, 2048, 2048),
    limit: 'bandwidth',
    setup: (backend) => (backend === 'cuda' ? undefined : linearCall(1, 2048, 2048, backend)),
  },
  {
    name: 'rmsNorm/64x2048',
    kernel: 'rmsNorm',
    work: { bytes: 4 * (2 * 64 * 2048 + 2048), flops: 4 * 64 * 2048 },
    limit: 'bandwidth',
    setup: (backend) => {
      if (backend === 'cuda') return undefined;
      const x = randomTensor([64, 2048], 4), weight = randomTensor([2048], 5).data, out = new Float32Array(64 * 2048);
      return () => void rmsNorm(x, { eps: 1e-6, weight, out, backend });
    },
  },
];
