/**
 * Validated argument bundles ("plans") of the LSH kernels. The public functions build a plan once;
 * every backend reads its inputs and writes its outputs from the same plan.
 */
import { alignedStride, restride } from '../bits.js';

export interface SignProjectPlan {
  x: Float32Array; // [M, D]
  proj: Float32Array; // [K, D]
  M: number;
  D: number;
  K: number;
  codes: Uint8Array; // [M] rows of `stride` bytes
  stride: number;
  norms: Float32Array; // [M]
}

/** The two code operands of the Hamming kernels. */
export interface HammingCodes {
  a: Uint8Array; // [M] rows of strideA bytes
  b: Uint8Array; // [N] rows of strideB bytes
  M: number;
  N: number;
  bits: number;
  strideA: number;
  strideB: number;
}

export interface HammingGemmPlan extends HammingCodes {
  dist: Int32Array | Uint16Array; // [M, N]; uint16 only when bits < 65536
}

export interface HammingKnnPlan extends HammingCodes {
  k: number;
  maxDistance: number; // in [0, bits]
  indices: Int32Array; // [M, k]
  distances: Int32Array; // [M, k]
}

export type Estimator = 'angle' | 'linear';

/** The tile geometry of a hash layer (SPEC §3). */
export interface HashGeometry {
  inputTileSize: number;
  outputTileSize: number;
  hashLength: number;
  estimator: Estimator;
  eps: number;
}

export interface EncodeWeightsPlan extends HashGeometry {
  weight: Float32Array; // [N, D]
  proj: Float32Array; // [nI, nJ, K, Ti]
  N: number;
  D: number;
  codes: Uint8Array; // [nI, N] rows of `stride` bytes
  stride: number;
  norms: Float32Array; // [nI, N]
}

export interface HashLinearPlan extends HashGeometry {
  x: Float32Array; // [B, D]
  B: number;
  D: number;
  N: number;
  proj: Float32Array;
  weightCodes: Uint8Array;
  weightStride: number;
  weightNorms: Float32Array;
  bias?: Float32Array;
  y: Float32Array; // [B, N]
}

/**
 * The plan with both code matrices in rows of whole 64-bit words, the layout the native and CUDA
 * Hamming kernels read: rows whose stride is not a multiple of 8 bytes are copied into re-laid rows.
 */
export function alignedHammingPlan<P extends HammingCodes>(p: P): P {
  const a = p.strideA % 8 ? restride({ data: p.a, rows: p.M, bits: p.bits, stride: p.strideA }, alignedStride(p.bits)) : undefined;
  const b = p.strideB % 8 ? restride({ data: p.b, rows: p.N, bits: p.bits, stride: p.strideB }, alignedStride(p.bits)) : undefined;
  if (!a && !b) return p;
  return { ...p, a: a?.data ?? p.a, b: b?.data ?? p.b, strideA: a?.stride ?? p.strideA, strideB: b?.stride ?? p.strideB };
}

export const tileCounts = (D: number, N: number, g: { inputTileSize: number; outputTileSize: number }) => ({
  nI: Math.ceil(D / g.inputTileSize),
  nJ: Math.ceil(N / g.outputTileSize),
});
