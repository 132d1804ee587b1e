/**
 * Building blocks for fuzz specs: sizes biased to SIMD tails, float arrays whose products and sums are
 * exact in float32 (so backends must agree bit for bit on signs), magnitude scales and special values.
 */
import * as fc from 'fast-check';
import type { StoredTensor } from '../safetensors.js';

/** Sizes around SIMD widths (tails) mixed with arbitrary ones, within [1, max]. */
export function dim(max: number): fc.Arbitrary<number> {
  const edges = [1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257].filter((d) => d <= max);
  return fc.oneof(fc.constantFrom(...edges), fc.integer({ min: 1, max }));
}

/**
 * `n` values k/8 (k in [-32, 32], zeros often) times 2^scale: every product of two such values and every
 * sum of up to ~10^4 of them is exact in float32, so a sign is the same in any summation order.
 */
export function dyadic(n: number, scale: fc.Arbitrary<number> = fc.constant(0)): fc.Arbitrary<Float32Array> {
  const k = fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 4, arbitrary: fc.integer({ min: -32, max: 32 }) });
  return fc.tuple(fc.array(k, { minLength: n, maxLength: n }), scale).map(([ks, e]) => Float32Array.from(ks, (v) => (v / 8) * 2 ** e));
}

/** Rows of dyadic values, each row with its own power-of-two magnitude in [-maxExp, maxExp]. */
export function dyadicRows(rows: number, cols: number, maxExp: number): fc.Arbitrary<Float32Array> {
  return fc.array(dyadic(cols, fc.integer({ min: -maxExp, max: maxExp })), { minLength: rows, maxLength: rows }).map((rs) => {
    const out = new Float32Array(rows * cols);
    rs.forEach((r, i) => out.set(r, i * cols));
    return out;
  });
}

/** Up to `max` positions of `data` overwritten with NaN, ±Infinity or -0. */
export function withSpecials(data: fc.Arbitrary<Float32Array>, max = 3): fc.Arbitrary<Float32Array> {
  const special = fc.record({ at: fc.nat(), value: fc.constantFrom(Number.NaN, Infinity, -Infinity, -0) });
  return fc.tuple(data, fc.array(special, { maxLength: max })).map(([d, s]) => {
    const out = d.slice();
    for (const { at, value } of s) if (out.length) out[at % out.length] = value;
    return out;
  });
}

/** Packed bit rows [rows, ceil(bits/8)] with zero padding bits: random, all-zero or all-one rows. */
export function bitRows(rows: number, bits: number): fc.Arbitrary<Uint8Array> {
  const stride = (bits + 7) >> 3;
  const row = fc.oneof(
    { weight: 6, arbitrary: fc.uint8Array({ minLength: stride, maxLength: stride }) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(stride)) },
    { weight: 1, arbitrary: fc.constant(new Uint8Array(stride).fill(255)) },
  );
  return fc.array(row, { minLength: rows, maxLength: rows }).map((rs) => {
    const out = new Uint8Array(rows * stride);
    const tail = bits & 7 ? (1 << (bits & 7)) - 1 : 255;
    rs.forEach((r, i) => {
      out.set(r, i * stride);
      out[i * stride + stride - 1] &= tail;
    });
    return out;
  });
}

export const f32 = (data: Float32Array, shape: number[]): StoredTensor => ({ dtype: 'F32', shape, data });
export const u8 = (data: Uint8Array, shape: number[]): StoredTensor => ({ dtype: 'U8', shape, data });
export const i32 = (data: Int32Array, shape: number[]): StoredTensor => ({ dtype: 'I32', shape, data });
