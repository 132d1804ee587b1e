/**
 * Bad input to the recurrent-b kernels: every argument with a wrong dtype, shape or length, bad slots,
 * bad scalars and detached buffers is rejected with a TypeError/RangeError naming it, and a rejected
 * call leaves the pool bit-identical. The addon re-checks lengths when called directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBackendAvailable, type BackendName } from '../lib/backend.js';
import { mlstmStep, mlstmStepAsync, retentionStep, retnetAngle, rotary, slstmStep } from '../lib/kernels/recurrent-b.js';
import { loadNative } from '../lib/native/addon.js';
import type { Tensor } from '../lib/tensor.js';
import { clonePool, randomTensor, rng, sameBits } from './helpers.js';

const BACKENDS: BackendName[] = isBackendAvailable('native') ? ['js', 'native'] : ['js'];

function detached<A extends Float32Array | Int32Array>(a: A): A {
  structuredClone(a.buffer, { transfer: [a.buffer as ArrayBuffer] });
  return a;
}

/** Replacements for one argument: each must be rejected with the given error class and a message naming it. */
type Case = [label: string, value: unknown, error: typeof TypeError | typeof RangeError, names: RegExp];

function tensorCases(name: string, t: Tensor<Float32Array | Int32Array>): Case[] {
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
function expectRejected(
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

function slotCases(B: number, pool: number): [string, Case][] {
  return [
    ['slots', ['duplicate', Int32Array.from({ length: B }, () => 0), RangeError, /slots\[1\] = 0 appears twice/]],
    ['slots', ['out of range', Int32Array.from({ length: B }, (_, i) => pool + i), RangeError, /slots\[0\] = \d+ is outside the pool/]],
    ['slots', ['wrong length', new Int32Array(B + 1), RangeError, /slots/]],
    ['slots', ['wrong dtype', new Float32Array(B), TypeError, /slots/]],
    ['slots', ['detached', detached(new Int32Array(B)), TypeError, /slots: its ArrayBuffer is detached/]],
  ];
}

const next = rng(1);

test('rotary rejects bad x, positions, angle and out', () => {
  const good = { x: randomTensor(next, [3, 2, 8]), positions: { data: Int32Array.of(1, 2, 3), shape: [3] }, angle: retnetAngle(8) };
  const cases: [string, Case][] = [
    ...tensorCases('x', good.x).map((c): [string, Case] => ['x', c]),
    ...tensorCases('positions', good.positions).filter(([l]) => l !== 'rank + 2').map((c): [string, Case] => ['positions', c]),
    ['angle', ['wrong length', new Float32Array(6), RangeError, /angle/]],
    ['angle', ['wrong dtype', new Int32Array(8), TypeError, /angle/]],
    ['x', ['odd head size', randomTensor(next, [3, 2, 7]), RangeError, /Dh must be even/]],
    ['out', ['wrong length', new Float32Array(47), RangeError, /options\.out/]],
    ['out', ['aliases x', good.x.data, RangeError, /options\.out overlaps input x/]],
  ];
  expectRejected('rotary', {}, good, (a) => rotary(a as never), cases);
  assert.throws(() => rotary(undefined as never), TypeError);
});

test('retentionStep rejects every bad argument and leaves the pool bit-identical', () => {
  const pool = { S: randomTensor(next, [4, 2, 8, 6]), scales: randomTensor(next, [4, 2]), offsets: { data: Int32Array.of(0, 5, 9, 2), shape: [4] } };
  const good = {
    q: randomTensor(next, [3, 2, 8]), k: randomTensor(next, [3, 2, 8]), v: randomTensor(next, [3, 2, 6]), decay: randomTensor(next, [2], 0.5, 1),
    angle: retnetAngle(8), slots: Int32Array.of(2, -1, 0),
  };
  const cases: [string, Case][] = [
    ...(['S', 'scales', 'offsets'] as const).flatMap((n) => tensorCases(n, pool[n]).map((c): [string, Case] => [n, c])),
    ...(['q', 'k', 'v'] as const).flatMap((n) => tensorCases(n, good[n]).map((c): [string, Case] => [n, c])),
    ['v', ['time axis unlike q', randomTensor(next, [3, 1, 2, 6]), RangeError, /\bv\b/]],
    ['decay', ['wrong length', new Float32Array(3), RangeError, /decay/]],
    ['angle', ['wrong length', new Float32Array(6), RangeError, /angle/]],
    ['kScale', ['NaN', NaN, RangeError, /kScale/]],
    ['kScale', ['string', '1', TypeError, /kScale/]],
    ['out', ['wrong dtype', new Int32Array(36), TypeError, /options\.out/]],
    ['out', ['aliases the pool', pool.S.data.subarray(0, 36), RangeError, /options\.out overlaps input S/]],
    ['q', ['aliases the pool', { data: pool.S.data.subarray(0, 48), shape: [3, 2, 8] }, RangeError, /\bS overlaps input q/]],
    ...slotCases(3, 4),
  ];
  expectRejected('retentionStep', pool, good, (a) => retentionStep(a as never), cases);
  // Without slots the batch may not exceed the pool.
  const big = { ...good, q: randomTensor(next, [5, 2, 8]), k: randomTensor(next, [5, 2, 8]), v: randomTensor(next, [5, 2, 6]) };
  expectRejected('retentionStep', pool, big, (a) => retentionStep(a as never), [
    ['slots', ['batch larger than pool', undefined, RangeError, /batch 5 exceeds the pool size 4/]],
  ]);
});

test('slstmStep rejects every bad argument and leaves the pool bit-identical', () => {
  const pool = { y: randomTensor(next, [3, 8]), c: randomTensor(next, [3, 8]), n: randomTensor(next, [3, 8]), m: randomTensor(next, [3, 8]) };
  const good = { wx: randomTensor(next, [2, 4, 8]), R: randomTensor(next, [4, 2, 4, 4]), rBias: randomTensor(next, [4, 8]), slots: Int32Array.of(1, 2) };
  const cases: [string, Case][] = [
    ...(['y', 'c', 'n', 'm'] as const).flatMap((n) => tensorCases(n, pool[n]).map((c): [string, Case] => [n, c])),
    ...(['wx', 'R', 'rBias'] as const).flatMap((n) => tensorCases(n, good[n]).map((c): [string, Case] => [n, c])),
    ['R', ['non-square heads', randomTensor(next, [4, 2, 4, 3]), RangeError, /\bR\b/]],
    ['wx', ['wrong gate count', randomTensor(next, [2, 3, 8]), RangeError, /\bwx\b/]],
    ['eps', ['infinite', Infinity, RangeError, /eps/]],
    ['out', ['aliases wx', good.wx.data.subarray(0, 16), RangeError, /options\.out overlaps input wx/]],
    ['m', ['aliases c', pool.c, RangeError, /\bc overlaps input m|\bm overlaps input c|overlaps/]],
    ...slotCases(2, 3),
  ];
  expectRejected('slstmStep', pool, good, (a) => slstmStep(a as never), cases);
});

test('mlstmStep rejects every bad argument and leaves the pool bit-identical', async () => {
  const pool = { C: randomTensor(next, [4, 2, 5, 3]), n: randomTensor(next, [4, 2, 5]), m: randomTensor(next, [4, 2]) };
  const good = {
    q: randomTensor(next, [3, 2, 5]), k: randomTensor(next, [3, 2, 5]), v: randomTensor(next, [3, 2, 3]), iPre: randomTensor(next, [3, 2]), fPre: randomTensor(next, [3, 2]),
    slots: Int32Array.of(3, -2, 1),
  };
  const cases: [string, Case][] = [
    ...(['C', 'n', 'm'] as const).flatMap((n) => tensorCases(n, pool[n]).map((c): [string, Case] => [n, c])),
    ...(['q', 'k', 'v', 'iPre', 'fPre'] as const).flatMap((n) => tensorCases(n, good[n]).map((c): [string, Case] => [n, c])),
    ['eps', ['NaN', NaN, RangeError, /eps/]],
    ['out', ['too long', new Float32Array(19), RangeError, /options\.out/]],
    ...slotCases(3, 4),
  ];
  expectRejected('mlstmStep', pool, good, (a) => mlstmStep(a as never), cases);
  // The async variant rejects (before any work) the same way.
  const before = clonePool(pool);
  await assert.rejects(mlstmStepAsync({ ...pool, ...good, slots: Int32Array.of(1, 1, -1) } as never), RangeError);
  for (const k of ['C', 'n', 'm'] as const) assert.ok(sameBits(pool[k].data, before[k].data));
});

test('the addon re-checks buffer lengths and slots when called directly', { skip: !isBackendAvailable('native') }, () => {
  const addon = loadNative().addon!;
  const f = (n: number) => new Float32Array(n);
  const S = f(2 * 1 * 4 * 4), scales = f(2), offsets = new Int32Array(2);
  const call = (slots: Int32Array, o = f(4), poolSize = 2) =>
    addon.retentionStep(S, scales, offsets, f(4), f(4), f(4), f(1), null, slots, o, poolSize, 1, 1, 1, 4, 4, 0.5);
  call(Int32Array.of(1));
  assert.throws(() => call(Int32Array.of(2)), /retentionStep: slots\[0\] = 2 is outside the pool/);
  assert.throws(() => call(Int32Array.of(0), f(3)), /retentionStep: o: needs 4 elements/);
  assert.throws(() => call(Int32Array.of(0), f(4), 3), /retentionStep: S: needs/);
  assert.throws(() => addon.slstmStep(f(8), f(8), f(8), f(8), f(32), f(127), null, Int32Array.of(0), f(8), 1, 1, 1, 2, 4, 1e-6), /slstmStep: R: needs 128/);
  assert.throws(() => addon.mlstmStep(f(8), f(2), f(1), f(2), f(2), f(4), f(1), f(1), Int32Array.of(0, 0), f(8), 2, 2, 1, 1, 2, 4, 1e-6), /mlstmStep/);
  assert.throws(() => addon.rotary(f(6), Int32Array.of(0), f(3), f(6), 1, 2, 3), /rotary: Dh: expected an even size/);
  assert.throws(() => addon.rotary(f(8), Int32Array.of(0), f(4), f(8), 1, 2, 4.5), /rotary: Dh: expected an integer/);
});
