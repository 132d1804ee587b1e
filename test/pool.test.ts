import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, readSlot, resetSlot, writeSlot, createRetentionState, createSlstmState } from '../lib/index.js';

test('pools: fresh values, one-slot save/restore, reset, mixed dtypes', () => {
  const spec = { h: { shape: [3] }, m: { shape: [2], fill: -Infinity }, pos: { shape: [], dtype: 'int32' as const } };
  const pool = createPool(spec, 4);
  assert.deepEqual(pool.h.shape, [4, 3]);
  assert.ok(pool.pos.data instanceof Int32Array);
  assert.deepEqual([...pool.m.data], Array(8).fill(-Infinity));
  pool.h.data.set([1, 2, 3], 6);
  pool.pos.data[2] = 7;
  const saved = readSlot(pool, 2);
  assert.deepEqual([...saved.h], [1, 2, 3]);
  assert.deepEqual([...saved.pos], [7]);
  resetSlot(pool, spec, 2);
  assert.deepEqual([...pool.h.data.subarray(6, 9)], [0, 0, 0]);
  assert.equal(pool.pos.data[2], 0);
  writeSlot(pool, 1, saved);
  assert.deepEqual([...pool.h.data.subarray(3, 6)], [1, 2, 3]);
  assert.equal(pool.pos.data[1], 7);
});

test('pools: bad arguments are rejected before anything is written', () => {
  const pool = createPool({ h: { shape: [3] } }, 2);
  assert.throws(() => readSlot(pool, 2), /readSlot: slot: expected an integer in \[0, 1\], got 2/);
  assert.throws(() => writeSlot(pool, 0, { h: new Float32Array(2) }), /writeSlot: values.h: expected a Float32Array of 3 elements/);
  assert.throws(() => writeSlot(pool, 0, { h: new Int32Array(3) as never }), RangeError);
  assert.throws(() => createPool({ h: { shape: [0] } }, 2), /createPool: h shape/);
  assert.throws(() => readSlot({ a: { data: new Float32Array(2), shape: [2] }, b: { data: new Float32Array(3), shape: [3] } }, 0), /pool.b: has 3 slots, expected 2/);
});

test('retention and sLSTM pools work with the slot helpers', () => {
  const r = createRetentionState(3, { heads: 2, keyDim: 4, valueDim: 4 });
  r.offsets.data[1] = 5;
  assert.deepEqual([...readSlot(r, 1).offsets], [5]);
  const s = createSlstmState(2, { heads: 2, headDim: 3 });
  assert.equal(readSlot(s, 0).m[0], -Infinity);
});
