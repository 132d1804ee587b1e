/**
 * JS reference of the LSH kernels: a literal reading of SPEC §1-3 in float64 arithmetic, written for
 * clarity rather than speed. Every other backend is tested against it.
 */
import type { KernelTable } from '../backend-contract.js';
import { tileCounts, type EncodeWeightsPlan, type HammingGemmPlan, type HammingKnnPlan, type HashLinearPlan, type SignProjectPlan } from '../kernels/lsh-plans.js';

/** popcount of a byte, by table. */
const POP8 = new Uint8Array(256).map((_, i) => {
  let c = 0;
  for (let v = i; v; v >>= 1) c += v & 1;
  return c;
});

function setBit(codes: Uint8Array, offset: number, j: number): void {
  codes[offset + (j >> 3)] |= 1 << (j & 7);
}

/**
 * Sign bits of one row x[xOff .. xOff+len) against projection rows of stride `ldp`. SPEC §3 hashes
 * x/||x||; dividing by a positive norm never changes a sign, so every backend hashes x itself (which
 * also keeps exactly representable inputs exact).
 */
function hashRow(
  x: Float32Array, xOff: number, len: number,
  proj: Float32Array, pOff: number, ldp: number, K: number,
  codes: Uint8Array, cOff: number, stride: number,
): void {
  codes.fill(0, cOff, cOff + stride);
  for (let k = 0; k < K; k++) {
    let z = 0;
    for (let d = 0; d < len; d++) z += x[xOff + d] * proj[pOff + k * ldp + d];
    if (z > 0) setBit(codes, cOff, k);
  }
}

function norm(x: Float32Array, off: number, len: number): number {
  let s = 0;
  for (let d = 0; d < len; d++) s += x[off + d] * x[off + d];
  return Math.sqrt(s);
}

function hamming(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, bytes: number): number {
  let h = 0;
  for (let i = 0; i < bytes; i++) h += POP8[a[aOff + i] ^ b[bOff + i]];
  return h;
}

export function signProject(p: SignProjectPlan): void {
  for (let m = 0; m < p.M; m++) {
    hashRow(p.x, m * p.D, p.D, p.proj, 0, p.D, p.K, p.codes, m * p.stride, p.stride);
    p.norms[m] = norm(p.x, m * p.D, p.D);
  }
}

export function hammingGemm(p: HammingGemmPlan): void {
  const bytes = (p.bits + 7) >> 3;
  for (let m = 0; m < p.M; m++) {
    for (let n = 0; n < p.N; n++) p.dist[m * p.N + n] = hamming(p.a, m * p.strideA, p.b, n * p.strideB, bytes);
  }
}

export function encodeWeights(p: EncodeWeightsPlan): void {
  const { nI, nJ } = tileCounts(p.D, p.N, p);
  const K = p.hashLength, Ti = p.inputTileSize, To = p.outputTileSize;
  for (let i = 0; i < nI; i++) {
    const c0 = i * Ti, len = Math.min(Ti, p.D - c0);
    for (let n = 0; n < p.N; n++) {
      const j = Math.floor(n / To);
      const wn = norm(p.weight, n * p.D + c0, len) + p.eps;
      p.norms[i * p.N + n] = wn;
      hashRow(p.weight, n * p.D + c0, len, p.proj, ((i * nJ + j) * K) * Ti, Ti, K, p.codes, (i * p.N + n) * p.stride, p.stride);
    }
  }
}

export function hashLinear(p: HashLinearPlan): void {
  const { nI, nJ } = tileCounts(p.D, p.N, p);
  const K = p.hashLength, Ti = p.inputTileSize, To = p.outputTileSize;
  const stride = p.weightStride;
  const xcode = new Uint8Array(stride);
  const acc = new Float64Array(p.B * p.N);
  for (let i = 0; i < nI; i++) {
    const c0 = i * Ti, len = Math.min(Ti, p.D - c0);
    for (let b = 0; b < p.B; b++) {
      const xn = norm(p.x, b * p.D + c0, len) + p.eps;
      for (let j = 0; j < nJ; j++) {
        hashRow(p.x, b * p.D + c0, len, p.proj, ((i * nJ + j) * K) * Ti, Ti, K, xcode, 0, stride);
        for (let n = j * To; n < Math.min(p.N, (j + 1) * To); n++) {
          const h = hamming(xcode, 0, p.weightCodes, (i * p.N + n) * stride, stride);
          const est = p.estimator === 'angle' ? Math.cos((Math.PI * h) / K) : 1 - (2 * h) / K;
          acc[b * p.N + n] += xn * p.weightNorms[i * p.N + n] * est;
        }
      }
    }
  }
  for (let b = 0; b < p.B; b++) {
    for (let n = 0; n < p.N; n++) p.y[b * p.N + n] = acc[b * p.N + n] + (p.bias ? p.bias[n] : 0);
  }
}

/** Per row: every code's distance, the ones within maxDistance sorted by (distance, index), the first k kept. */
export function hammingKnn(p: HammingKnnPlan): void {
  const bytes = (p.bits + 7) >> 3;
  for (let m = 0; m < p.M; m++) {
    const near: { d: number; n: number }[] = [];
    for (let n = 0; n < p.N; n++) {
      const d = hamming(p.a, m * p.strideA, p.b, n * p.strideB, bytes);
      if (d <= p.maxDistance) near.push({ d, n });
    }
    near.sort((x, y) => x.d - y.d || x.n - y.n);
    for (let j = 0; j < p.k; j++) {
      p.indices[m * p.k + j] = j < near.length ? near[j].n : -1;
      p.distances[m * p.k + j] = j < near.length ? near[j].d : -1;
    }
  }
}

export const lshReference: KernelTable = {
  signProject: { run: signProject },
  hammingGemm: { run: hammingGemm },
  hammingKnn: { run: hammingKnn },
  encodeWeights: { run: encodeWeights },
  hashLinear: { run: hashLinear },
};
