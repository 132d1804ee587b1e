/**
 * Bad input to the xLSTM kernels: every argument with a wrong dtype, shape or length, bad slots, bad
 * scalars and detached buffers is rejected with a TypeError/RangeError naming it, and a rejected call
 * leaves the pool bit-identical. The addon re-checks lengths when called directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBackendAvailable } from '../lib/backend.js';
import { mlstmStep, mlstmStepAsync, slstmStep } from '../lib/kernels/xlstm.js';
import { loadNative } from '../lib/native/addon.js';
import { expectRejected, slotCases, tensorCases, type Case } from './bad-input-checks.js';
import { clonePool, randomTensor, rng, sameBits } from './helpers.js';

const next = rng(1);

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
  assert.throws(() => addon.slstmStep({ y: f(8), c: f(8), n: f(8), m: f(8), wx: f(32), R: f(127), slots: Int32Array.of(0), h: f(8), poolSize: 1, batch: 1, steps: 1, heads: 2, headDim: 4, eps: 1e-6 }), /slstmStep: R: needs 128/);
  assert.throws(() => addon.mlstmStep({ C: f(8), n: f(2), m: f(1), q: f(2), k: f(2), v: f(4), iPre: f(1), fPre: f(1), slots: Int32Array.of(0, 0), h: f(8), poolSize: 2, batch: 2, steps: 1, heads: 1, keyDim: 2, valueDim: 4, eps: 1e-6 }), /mlstmStep: slots\[1\] = 0 appears twice/);
  // The plan's sizes are word-named; the SPEC letters are not read.
  assert.throws(() => addon.slstmStep({ y: f(8), c: f(8), n: f(8), m: f(8), wx: f(32), R: f(128), slots: Int32Array.of(0), h: f(8), poolSize: 1, batch: 1, steps: 1, NH: 2, DH: 4, eps: 1e-6 }), /slstmStep: heads: expected an integer/);
});
