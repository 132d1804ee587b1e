/**
 * Bad-input checks shared by the state-kernel families' bad-input tests: argument mutations that must be
 * rejected with an error naming the argument while the pool keeps every bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBackendAvailable, type BackendName } from '../lib/backend.js';
import type { Tensor } from '../lib/tensor.js';
import { clonePool, sameBits } from './helpers.js';

export const BACKENDS: BackendName[] = isBackendAvailable('native') ? ['js', 'native'] : ['js'];

export type Args = Record<string, unknown>;
/** [what, change to valid args, expected error class, pattern the message must match (the argument)]. */
export type Mutation = [string, (a: Args) => Args, ErrorConstructor, RegExp];

export const detachedTensor = (t: Tensor): Tensor => {
  const data = t.data.slice();
  structuredClone(data.buffer, { transfer: [data.buffer] });
  return { data, shape: t.shape };
};
export const reshaped = (t: unknown, shape: number[]): Tensor => ({ data: (t as Tensor).data, shape });
export const asF64 = (t: unknown): unknown => ({ data: Float64Array.from((t as Tensor).data), shape: (t as Tensor).shape });
export const asI32 = (t: unknown): unknown => ({ data: Int32Array.from((t as Tensor).data), shape: (t as Tensor).shape });
export const shorter = (t: unknown): Tensor => ({ data: (t as Tensor).data.subarray(1), shape: (t as Tensor).shape });

/** Every mutation must throw its error naming the argument, and leave the pool bit-identical. */
export function rejects(name: string, run: (a: Args) => unknown, valid: () => Args, poolKey: string, mutations: Mutation[]): void {
  for (const backend of BACKENDS) {
    test(`${name} (${backend}): bad input throws naming the argument and leaves the pool bit-identical`, () => {
      run({ ...valid(), backend });  // the valid call itself works
      for (const [what, mutate, Err, pattern] of mutations) {
        const args = valid();
        const pool = args[poolKey] as Tensor | undefined;
        const before = pool?.data.slice();
        const changed = mutate(args);
        const call = typeof changed === 'object' && changed !== null ? { backend, ...changed } : changed;
        assert.throws(() => run(call), (e: Error) => {
          assert.ok(e instanceof Err, `${what}: expected ${Err.name}, got ${e.constructor.name}: ${e.message}`);
          assert.match(e.message, pattern, what);
          return true;
        }, what);
        if (pool && before && pool.data.length === before.length) assert.deepEqual(pool.data, before, `${what}: pool changed`);
      }
    });
  }
}

export function detached<A extends Float32Array | Int32Array>(a: A): A {
  structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
  return a;
}

/** Replacements for one argument: each must be rejected with the given error class and a message naming it. */
export type Case = [label: string, value: unknown, error: typeof TypeError | typeof RangeError, names: RegExp];

export function tensorCases(name: string, t: Tensor<Float32Array | Int32Array>): Case[] {
  const n = t.data.length;
  const float = t.data instanceof Float32Array;
  const wrongType = float ? new Int32Array(n) : new Float32Array(n);
  const re = new RegExp(`\\b${name}\\b`);
  const cases: Case[] = [
    ['wrong dtype', { data: wrongType, shape: t.shape }, TypeError, re],
    ['data too short', { data: t.data.slice(0, n - 1), shape: t.shape }, RangeError, re],
    // A size that disagrees with another argument's is reported where the two meet (either one's name).
    ['wrong last dim', { data: new (t.data.constructor as Float32ArrayConstructor)(n + (2 * n) / t.shape[t.shape.length - 1]), shape: [...t.shape.slice(0, -1), t.shape[t.shape.length - 1] + 2] }, RangeError, /expected shape \[/],
    ['not a tensor', t.data, TypeError, re],
    ['fractional dim', { data: t.data, shape: [...t.shape.slice(0, -1), 0.5] }, RangeError, re],
    ['detached', { data: detached(t.data.slice()), shape: t.shape }, TypeError, /detached/],
  ];
  if (t.shape.length > 1) cases.push(['rank + 2', { data: t.data, shape: [1, 1, ...t.shape] }, RangeError, re]);
  return cases;
}

/** Runs each bad call and checks the error and that the pool kept every bit. */
export function expectRejected(
  fn: string, pool: Record<string, Tensor<Float32Array | Int32Array>>, good: Record<string, unknown>,
  call: (args: Record<string, unknown>) => unknown, cases: [arg: string, c: Case][],
): void {
  for (const backend of BACKENDS) {
    for (const [arg, [label, value, error, names]] of cases) {
      const before = clonePool(pool);
      assert.throws(() => call({ ...good, ...pool, [arg]: value, backend }), (e: Error) => {
        assert.ok(e instanceof error, `${fn} ${arg} ${label}: expected ${error.name}, got ${e.name}: ${e.message}`);
        assert.match(e.message, names, `${fn} ${arg} ${label}: message does not name it: ${e.message}`);
        assert.match(e.message, new RegExp(fn));
        return true;
      }, `${fn} ${arg} ${label} (${backend})`);
      for (const k of Object.keys(pool)) assert.ok(sameBits(pool[k].data, before[k].data), `${fn} ${arg} ${label}: pool ${k} changed`);
    }
  }
}

export function slotCases(B: number, pool: number): [string, Case][] {
  return [
    ['slots', ['duplicate', Int32Array.from({ length: B }, () => 0), RangeError, /slots\[1\] = 0 appears twice/]],
    ['slots', ['out of range', Int32Array.from({ length: B }, (_, i) => pool + i), RangeError, /slots\[0\] = \d+ is outside the pool/]],
    ['slots', ['wrong length', new Int32Array(B + 1), RangeError, /slots/]],
    ['slots', ['wrong dtype', new Float32Array(B), TypeError, /slots/]],
    ['slots', ['detached', detached(new Int32Array(B)), TypeError, /slots: its ArrayBuffer is detached/]],
  ];
}
