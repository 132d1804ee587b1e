/**
 * Bad input to the RetNet kernels: every argument with a wrong dtype, shape or length, bad slots, bad
 * scalars and detached buffers is rejected with a TypeError/RangeError naming it, and a rejected call
 * leaves the pool bit-identical. The addon re-checks lengths when called directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBackendAvailable } from '../lib/backend.js';
import { retentionStep, retnetAngle, rotary } from '../lib/kernels/retnet.js';
import { loadNative } from '../lib/native/addon.js';
import { expectRejected, slotCases, tensorCases, type Case } from './bad-input-checks.js';
import { randomTensor, rng } from './helpers.js';

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

test('the addon re-checks buffer lengths and slots when called directly', { skip: !isBackendAvailable('native') }, () => {
  const addon = loadNative().addon!;
  const f = (n: number) => new Float32Array(n);
  const S = f(2 * 1 * 4 * 4), scales = f(2), offsets = new Int32Array(2);
  const call = (slots: Int32Array, o = f(4), poolSize = 2) =>
    addon.retentionStep({ S, scales, offsets, q: f(4), k: f(4), v: f(4), decay: f(1), slots, o, poolSize, batch: 1, steps: 1, heads: 1, keyDim: 4, valueDim: 4, kScale: 0.5 });
  call(Int32Array.of(1));
  assert.throws(() => call(Int32Array.of(2)), /retentionStep: slots\[0\] = 2 is outside the pool/);
  assert.throws(() => call(Int32Array.of(0), f(3)), /retentionStep: o: needs 4 elements/);
  assert.throws(() => call(Int32Array.of(0), f(4), 3), /retentionStep: S: needs/);
  assert.throws(() => addon.rotary({ x: f(6), positions: Int32Array.of(0), angle: f(3), y: f(6), batch: 1, steps: 1, heads: 2, headDim: 3 }), /rotary: headDim: expected an even size/);
  assert.throws(() => addon.rotary({ x: f(8), positions: Int32Array.of(0), angle: f(4), y: f(8), batch: 1, steps: 1, heads: 2, headDim: 4.5 }), /rotary: headDim: expected an integer/);
  // The plan's sizes are word-named; the SPEC letters are not read.
  assert.throws(() => addon.rotary({ x: f(8), positions: Int32Array.of(0), angle: f(4), y: f(8), B: 1, T: 1, H: 2, Dh: 4 }), /rotary: batch: expected an integer/);
});
