/**
 * A counter-based random generator for the analog noise model: every draw is a pure function of
 * (seed, stream, row, column), so results do not depend on the backend, the thread count or the order
 * of evaluation. It uses only 32-bit integer operations (xor, shifts, wrapping multiply) that JS
 * (Math.imul) and C++ (uint32_t) compute identically; native/kernels/noisy_rng.h is the C++ twin.
 *
 * Gaussian draws are the sum of eight 16-bit uniforms (Irwin-Hall, unit variance, tails cut at 4.9
 * sigma): integer arithmetic then one float32 multiply, so no transcendental function (whose last bit
 * differs between libms) is involved.
 */

/** Bijective 32-bit integer mixer ("lowbias32", C. Wellons' hash prospector). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Key of one noise stream (e.g. layer l's read noise) under a seed. */
export const streamKey = (seed: number, stream: number): number => mix32(mix32((seed ^ 0x243f6a88) >>> 0) ^ mix32((stream + 0x85a308d3) >>> 0));

/** Key of one row (vector or device row) of a stream. */
export const rowKey = (stream: number, row: number): number => mix32((stream ^ mix32(row >>> 0)) >>> 0);

/** The t-th 32-bit word of column `col` of a row. */
export const wordAt = (row: number, col: number, t: number): number => mix32((row + Math.imul((col << 2) + t, 0x9e3779b9)) >>> 0);

/** 1 / std of (2 * sum of 8 16-bit uniforms - 8 * 65535), rounded to float32. */
export const GAUSS_SCALE = Math.fround(1 / Math.sqrt((8 * (2 ** 32 - 1)) / 3));

/** The integer 2 * (sum of eight 16-bit uniforms) - 8 * 65535: mean 0, std 1 / GAUSS_SCALE. */
export function gaussInt(row: number, col: number): number {
  let s = 0;
  for (let t = 0; t < 4; t++) {
    const w = wordAt(row, col, t);
    s += (w & 0xffff) + (w >>> 16);
  }
  return 2 * s - 8 * 65535;
}

/** A standard normal-like float32 draw. */
export const gaussian = (row: number, col: number): number => Math.fround(gaussInt(row, col) * GAUSS_SCALE);

/** A uniform draw in [0, 1) with 32 bits. */
export const uniform = (row: number, col: number): number => wordAt(row, col, 0) / 2 ** 32;
