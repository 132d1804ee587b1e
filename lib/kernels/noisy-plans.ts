/** Plan of the noisy sign projection (lib/kernels/noisy.ts): validated buffers and scalars. */
export interface NoisySignProjectPlan {
  x: Float32Array; // [M, D]
  weights: Float32Array; // [K, D] programmed (effective) weights, in units of gMax - gMin
  offsets: Float32Array; // [K] comparator offsets, same units
  M: number;
  D: number;
  K: number;
  /** Input DAC bits (0 = ideal analog input). */
  dacBits: number;
  /** float32 read-noise std times GAUSS_SCALE: noise = gaussInt * noiseScale. */
  noiseScale: number;
  /** Stream key (from seed and stream) and the global index of row 0. */
  key: number;
  rowOffset: number;
  codes: Uint8Array; // [M] rows of `stride` bytes
  stride: number;
}
