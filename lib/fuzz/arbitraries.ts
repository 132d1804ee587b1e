/**
 * Building blocks for fuzz specs: sizes biased to SIMD tails, float arrays whose products and sums are
 * exact in float32 (so backends must agree bit for bit on signs), magnitude scales and special values.
 */
import * as fc from 'fast-check';
import type { StoredTensor } from '../safetensors.js';
import type { FuzzCase } from './types.js';

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

/** `n` float32 values in [lo, hi] (subnormals and -0 included, no NaN or infinity). */
export function floats(n: number, lo: number, hi: number): fc.Arbitrary<Float32Array> {
  return fc.float32Array({ minLength: n, maxLength: n, min: Math.fround(lo), max: Math.fround(hi), noNaN: true, noDefaultInfinity: true });
}

/** Shape of a state kernel's call: batch B, pool size S >= live rows, an optional time axis T (0 = none). */
export interface StateShape {
  B: number;
  S: number;
  T: number;
  /** int32 [B]: distinct pool rows, -1 for padding rows; undefined = row b uses pool row b. */
  slots?: Int32Array;
}

/** Batches with padding slots, shuffled pool rows, pools larger than the batch, and 0-3 time steps. */
export function stateShape(maxB = 5): fc.Arbitrary<StateShape> {
  return fc.record({ B: fc.integer({ min: 1, max: maxB }), extra: fc.integer({ min: 0, max: 3 }), T: fc.integer({ min: 0, max: 3 }), useSlots: fc.boolean() })
    .chain(({ B, extra, T, useSlots }) => {
      const S = B + extra;
      if (!useSlots) return fc.constant<StateShape>({ B, S, T });
      const rows = Array.from({ length: S }, (_, i) => i);
      return fc.tuple(fc.shuffledSubarray(rows, { minLength: B, maxLength: B }), fc.array(fc.integer({ min: 0, max: 4 }), { minLength: B, maxLength: B }))
        .map(([picked, pad]) => ({ B, S, T, slots: Int32Array.from(picked, (s, i) => (pad[i] === 0 ? -1 : s)) }));
    });
}

/** Leading dims of a per-step input: [B] or [B, T]. */
export const lead = (s: StateShape): number[] => (s.T ? [s.B, s.T] : [s.B]);

export const numel = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

/** Per output, atol = scale * max(1, max |reference|) and the given rtol (integer outputs stay exact). */
export function scaledTolerance(want: Record<string, { data: ArrayLike<number> }>, rtol: number, scale: number, exact: string[] = []): Record<string, { atol: number; rtol: number }> {
  const tol: Record<string, { atol: number; rtol: number }> = {};
  for (const [name, t] of Object.entries(want)) {
    if (exact.includes(name) || t.data instanceof Int32Array || t.data instanceof Uint8Array) continue;
    let max = 1;
    for (let i = 0; i < t.data.length; i++) if (Number.isFinite(t.data[i])) max = Math.max(max, Math.abs(t.data[i]));
    tol[`out.${name}`] = { atol: scale * max, rtol };
  }
  return tol;
}

/** A float32 input of `shape` with values in [lo, hi]. */
export const input = (shape: number[], lo: number, hi: number): fc.Arbitrary<StoredTensor> => floats(numel(shape), lo, hi).map((d) => f32(d, shape));

/** An optional input: present or absent. */
export const maybe = (a: fc.Arbitrary<StoredTensor>): fc.Arbitrary<StoredTensor | undefined> => fc.option(a, { nil: undefined });

/** An int32 tensor with values in [lo, hi]. */
export const ints = (shape: number[], lo: number, hi: number): fc.Arbitrary<StoredTensor> =>
  fc.int32Array({ minLength: numel(shape), maxLength: numel(shape), min: lo, max: hi }).map((d) => i32(d, shape));

/** A pool tensor: fresh (every slot at `fresh`) or random in [lo, hi]. */
export const poolState = (shape: number[], lo: number, hi: number, fresh: number): fc.Arbitrary<StoredTensor> =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(f32(new Float32Array(numel(shape)).fill(fresh), shape)) }, { weight: 3, arbitrary: input(shape, lo, hi) });

/** The case's inputs without the absent optional ones, plus `slots` when the shape has them. */
export function withSlots(s: StateShape, inputs: Record<string, StoredTensor | undefined>): FuzzCase['inputs'] {
  const out: FuzzCase['inputs'] = {};
  for (const [k, v] of Object.entries(inputs)) if (v) out[k] = v;
  if (s.slots) out.slots = i32(s.slots, [s.B]);
  return out;
}
