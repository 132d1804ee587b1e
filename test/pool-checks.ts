/**
 * Checks shared by the tests of the state kernels with several pool tensors (retnet, xlstm): tolerant
 * and bit-exact comparisons, rows a call must leave alone, and step slicing for the multi-step contract.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Tensor } from '../lib/tensor.js';
import { firstMismatch, sameBits } from './helpers.js';

export type Pool = Record<string, Tensor<Float32Array | Int32Array>>;

export const RUNS = 40;

/** The batch part of a random problem; sizes straddle the native tiles (8/4-row blocks, 2x16/2x8/2x4-lane column tiles). */
export const problemShape = {
  batch: fc.integer({ min: 1, max: 5 }), steps: fc.integer({ min: 1, max: 3 }), extra: fc.integer({ min: 0, max: 2 }), seed: fc.integer(),
  pad: fc.boolean(), timed: fc.boolean(),
};

export function assertClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, atol = 2e-4, rtol = 2e-4): void {
  const i = firstMismatch(got, want, atol, rtol);
  assert.equal(i, -1, `${what}: at ${i} got ${got[i]}, want ${want[i]}`);
}

/** Pool rows not named by an active slot keep every bit; padding rows of the output [B, ...] are zero. */
export function assertSlotsRespected(what: string, before: Pool, after: Pool, out: Float32Array, slots: Int32Array): void {
  const used = new Set(Array.from(slots).filter((s) => s >= 0));
  for (const [k, t] of Object.entries(before)) {
    const S = t.shape[0], n = t.data.length / S;
    for (let s = 0; s < S; s++) {
      if (!used.has(s)) assert.ok(sameBits(t.data.subarray(s * n, (s + 1) * n), after[k].data.subarray(s * n, (s + 1) * n)), `${what}: ${k} row ${s} changed`);
    }
  }
  const n = out.length / slots.length;
  slots.forEach((s, b) => {
    if (s < 0) assert.ok(out.subarray(b * n, (b + 1) * n).every((x) => x === 0), `${what}: padding row ${b} not zero`);
  });
}

/** Step t of an input [B, T, ...] as a one-step tensor [B, ...]. */
export function stepOf(t: Tensor, step: number): Tensor {
  const [B, T, ...rest] = t.shape;
  const n = t.data.length / (B * T);
  const data = new Float32Array(B * n);
  for (let b = 0; b < B; b++) data.set(t.data.subarray((b * T + step) * n, (b * T + step + 1) * n), b * n);
  return { data, shape: [B, ...rest] };
}

/** Output [B, T, ...] assembled from T one-step outputs [B, ...]. */
export function interleave(steps: Tensor[]): Float32Array {
  const T = steps.length, B = steps[0].shape[0], n = steps[0].data.length / B;
  const out = new Float32Array(B * T * n);
  steps.forEach((s, t) => {
    for (let b = 0; b < B; b++) out.set(s.data.subarray(b * n, (b + 1) * n), (b * T + t) * n);
  });
  return out;
}

export function assertPoolsEqual(what: string, a: Pool, b: Pool): void {
  for (const k of Object.keys(a)) assert.ok(sameBits(a[k].data, b[k].data), `${what}: pool ${k} differs`);
}
