/**
 * Benchmarks of the LSH kernels at realistic sizes: the Hamming GEMM (popcount-bound; int32 and uint16
 * results), the fused Hamming k-NN, the sign
 * projection (FMA-bound) and the tiled hash layer, with simsimd's Hamming distance and onnxruntime's
 * MatMul as peers where those packages are installed.
 */
import type { BackendName } from '../../backend.js';
import { packedBits, type PackedBits } from '../../bits.js';
import { encodeWeights, hammingGemm, hammingKnn, hashLinear, signProject, type HashLayerConfig } from '../../kernels/lsh.js';
import { tileCounts } from '../../kernels/lsh-plans.js';
import { getNumThreads } from '../../runtime.js';
import { ortMatMul } from '../peers/onnx.js';
import { optionalPeer } from '../peers/optional.js';
import { randomBytes, randomFloats } from '../random.js';
import type { BenchCase, ScaledSetup } from '../types.js';

function randomCodes(rows: number, bits: number, seed: number): PackedBits {
  const c = packedBits(rows, bits);
  c.data.set(randomBytes(c.data.length, seed));
  // Padding bits past `bits` must be zero.
  if (bits % 64) {
    for (let r = 0; r < rows; r++) {
      for (let b = bits; b < c.stride * 8; b++) c.data[r * c.stride + (b >> 3)] &= ~(1 << (b & 7));
    }
  }
  return c;
}

// ---- Hamming GEMM ---------------------------------------------------------------------------------
function hammingCase(M: number, N: number, K: number, target = false, resultType: 'int32' | 'uint16' = 'int32'): BenchCase {
  const setupFor = (m: number, backend: BackendName) => {
    const a = randomCodes(m, K, 1), b = randomCodes(N, K, 2);
    const out = resultType === 'uint16' ? new Uint16Array(m * N) : new Int32Array(m * N);
    return () => void hammingGemm(a, b, { backend, out });
  };
  return {
    name: `hammingGemm/${M}x${N}x${K}${resultType === 'uint16' ? '/uint16' : ''}`,
    kernel: 'hammingGemm',
    work: { bitops: M * N * K },
    limit: 'popcount',
    setup: (backend) => (backend === 'js' ? undefined : setupFor(M, backend)),
    referenceSetup: () => {
      const m = Math.max(1, Math.min(M, Math.round(2 ** 22 / N)));
      return { fn: setupFor(m, 'js'), work: { bitops: m * N * K } };
    },
    peers: {
      // simsimd's hamming(a, b) over every pair, called from JS: the usual way to use it from Node.
      simsimd: (): ScaledSetup | undefined => {
        const simsimd = optionalPeer('simsimd').mod;
        if (!simsimd) return undefined;
        const m = Math.max(1, Math.min(M, Math.round(2 ** 18 / N)));
        const bytes = K / 8;
        const a = randomCodes(m, K, 1), b = randomCodes(N, K, 2);
        const rowsA = Array.from({ length: m }, (_, i) => a.data.subarray(i * a.stride, i * a.stride + bytes));
        const rowsB = Array.from({ length: N }, (_, i) => b.data.subarray(i * b.stride, i * b.stride + bytes));
        const out = new Int32Array(m * N);
        return {
          fn: () => {
            for (let i = 0; i < m; i++) for (let j = 0; j < N; j++) out[i * N + j] = simsimd.hamming(rowsA[i], rowsB[j]);
          },
          work: { bitops: m * N * K },
          note: 'hamming() per pair from JS',
        };
      },
    },
    targets: target ? { throughput: 1.5e12, vsReference: 100, vsPeer: { simsimd: 50 } } : undefined,
  };
}

// ---- fused k-NN: the k nearest codes per row, no [M, N] matrix written ----------------------------------
function knnCase(M: number, N: number, K: number, k: number): BenchCase {
  const setupFor = (m: number, backend: BackendName) => {
    const a = randomCodes(m, K, 1), b = randomCodes(N, K, 2);
    const out = { indices: new Int32Array(m * k), distances: new Int32Array(m * k) };
    return () => void hammingKnn(a, b, k, { backend, out });
  };
  return {
    name: `hammingKnn/${M}x${N}x${K}/k${k}`,
    kernel: 'hammingKnn',
    work: { bitops: M * N * K },
    limit: 'popcount',
    setup: (backend) => (backend === 'js' ? undefined : setupFor(M, backend)),
    referenceSetup: () => {
      const m = Math.max(1, Math.min(M, Math.round(2 ** 20 / N)));
      return { fn: setupFor(m, 'js'), work: { bitops: m * N * K } };
    },
  };
}

// ---- sign projection ------------------------------------------------------------------------------
/** Sign bits of y [M, K] packed LSB-first into rows of `stride` bytes: the pass after a plain MatMul. */
function signPack(y: Float32Array, M: number, K: number, codes: Uint8Array, stride: number): void {
  codes.fill(0);
  for (let m = 0; m < M; m++) {
    const row = m * K, out = m * stride;
    for (let k = 0; k < K; k++) if (y[row + k] > 0) codes[out + (k >> 3)] |= 1 << (k & 7);
  }
}

function signCase(M: number, D: number, K: number, target = false): BenchCase {
  const flops = (m: number) => 2 * m * D * K + 2 * m * D; // projection + norms
  const setupFor = (m: number, backend: BackendName) => {
    const x = { data: randomFloats(m * D, 3), shape: [m, D] }, proj = { data: randomFloats(K * D, 4), shape: [K, D] };
    const out = { codes: packedBits(m, K), norms: new Float32Array(m) };
    return () => void signProject(x, proj, { backend, out });
  };
  const ort = async (withSign: boolean): Promise<ScaledSetup | undefined> => {
    const x = randomFloats(M * D, 3), p = randomFloats(K * D, 4);
    const w = new Float32Array(D * K); // proj transposed: [D, K]
    for (let k = 0; k < K; k++) for (let d = 0; d < D; d++) w[d * K + k] = p[k * D + d];
    const mm = await ortMatMul(x, w, M, D, K, getNumThreads());
    if (!mm) return undefined;
    const codes = new Uint8Array(M * (K / 8));
    return {
      fn: withSign ? async () => signPack(await mm.run(), M, K, codes, K / 8) : async () => void (await mm.run()),
      work: { flops: 2 * M * D * K },
      note: withSign ? 'MatMul, then sign/pack in JS' : 'MatMul alone (float output)',
    };
  };
  return {
    name: `signProject/${M}x${D}x${K}`,
    kernel: 'signProject',
    work: { flops: flops(M) },
    limit: 'fma',
    setup: (backend) => (backend === 'js' ? undefined : setupFor(M, backend)),
    referenceSetup: () => {
      const m = Math.max(1, Math.min(M, Math.round(2 ** 24 / (D * K))));
      return { fn: setupFor(m, 'js'), work: { flops: flops(m) } };
    },
    peers: K % 8 === 0 ? { 'ort-matmul': () => ort(false), 'ort-matmul+sign': () => ort(true) } : undefined,
    targets: target ? { vsPeer: { 'ort-matmul': 0.9, 'ort-matmul+sign': 1 } } : undefined,
  };
}

// ---- hash layer -----------------------------------------------------------------------------------
function hashLinearCase(B: number, D: number, N: number, config: HashLayerConfig): BenchCase {
  const { inputTileSize: Ti, outputTileSize: To, hashLength: K } = config;
  const { nI, nJ } = tileCounts(D, N, config);
  // Per call: hash every x tile under each of its nJ projections, then N·K bits of Hamming per tile row.
  const work = (b: number) => ({ flops: 2 * b * nJ * K * D + 2 * b * D + 2 * b * N * nI, bitops: b * N * K * nI });
  const setupFor = (b: number, backend: BackendName) => {
    const weight = { data: randomFloats(N * D, 5), shape: [N, D] };
    const proj = { data: randomFloats(nI * nJ * K * Ti, 6), shape: [nI, nJ, K, Ti] };
    const w = encodeWeights(weight, proj, config, { backend: backend === 'js' ? 'js' : backend });
    const x = { data: randomFloats(b * D, 7), shape: [b, D] };
    const out = new Float32Array(b * N);
    return () => void hashLinear(x, w, { backend, out });
  };
  return {
    name: `hashLinear/${B}x${D}x${N}/t${Ti}x${To}k${K}`,
    kernel: 'hashLinear',
    work: work(B),
    limit: 'fma',
    setup: (backend) => (backend === 'js' ? undefined : setupFor(B, backend)),
    referenceSetup: () => {
      const b = Math.max(1, Math.min(B, Math.round(2 ** 23 / (nJ * K * D))));
      return { fn: setupFor(b, 'js'), work: work(b) };
    },
  };
}

export const cases: BenchCase[] = [
  hammingCase(512, 512, 1024),
  hammingCase(1024, 1024, 1024),
  hammingCase(4096, 4096, 1024, true),
  hammingCase(4096, 4096, 256),
  hammingCase(4096, 4096, 256, false, 'uint16'),
  knnCase(4096, 4096, 256, 10),
  signCase(1024, 512, 256),
  signCase(4096, 512, 256),
  signCase(4096, 512, 1024, true),
  // A ResNet-20 3x3 conv on im2col rows (64 images of 8x8, 16 -> 16 channels) and a wide linear layer.
  hashLinearCase(4096, 144, 16, { inputTileSize: 64, outputTileSize: 16, hashLength: 256 }),
  hashLinearCase(256, 1024, 1024, { inputTileSize: 64, outputTileSize: 64, hashLength: 256 }),
];
