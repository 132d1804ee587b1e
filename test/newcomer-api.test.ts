/** API rough edges a new user meets first (issue 17): each mistake gets an error that says what to do. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h from '../lib/index.js';

test('tensor() rejects shapes that are not non-negative integers and a missing shape, by name', () => {
  const d = new Float32Array(4);
  assert.throws(() => h.tensor(d, [-2, -2]), { name: 'RangeError', message: /tensor: shape\[0\]: expected a non-negative integer, got -2/ });
  assert.throws(() => h.tensor(d, [2.5, 1.6]), { name: 'RangeError', message: /tensor: shape\[0\]: expected a non-negative integer, got 2.5/ });
  assert.throws(() => (h.tensor as any)(d), { name: 'TypeError', message: /tensor: shape: expected an array of dimensions such as \[4\], got undefined/ });
  assert.throws(() => h.tensor([1, 2] as any, [2]), { name: 'TypeError', message: /tensor: data: expected a typed array, got an Array/ });
  assert.deepEqual(h.tensor(d, [2, 2]).shape, [2, 2]);
  assert.deepEqual(h.tensor(new Float32Array(0), [0, 3]).shape, [0, 3]);
});

test('writeSafetensors accepts the Map that readSafetensors returns (round trip keeps every tensor)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-st-'));
  try {
    const a = join(dir, 'a.safetensors'), b = join(dir, 'b.safetensors');
    h.writeSafetensors(a, { w: h.tensor(new Float32Array([1, 2, 3, 4]), [2, 2]), v: h.tensor(new Int32Array([7]), [1]) }, { note: 'x' });
    const st = h.readSafetensors(a);
    h.writeSafetensors(b, st.tensors, st.metadata);
    const back = h.readSafetensors(b);
    assert.deepEqual([...back.tensors.keys()].sort(), ['v', 'w']);
    assert.deepEqual([...back.tensors.get('w')!.data], [1, 2, 3, 4]);
    assert.deepEqual(back.tensors.get('w')!.shape, [2, 2]);
    assert.deepEqual([...back.tensors.get('v')!.data], [7]);
    assert.equal(back.metadata.note, 'x');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('setIsa names the value it rejects; rmsNorm with a weight where the options go says how to call it', () => {
  if (h.info().backend === 'native') {
    assert.throws(() => h.setIsa('neon' as any), { name: 'RangeError', message: /setIsa: isa: expected one of .*'avx2'.*, got 'neon'$/ });
  }
  const x = h.tensor(new Float32Array(8).fill(1), [2, 4]);
  const w = new Float32Array(4).fill(2);
  assert.throws(() => h.rmsNorm(x, w as any), { name: 'TypeError', message: /rmsNorm\(x, \{ eps: 1e-5, weight \}\).*eps has no default/ });
  assert.throws(() => h.rmsNorm(x, h.tensor(w, [4]) as any), { name: 'TypeError', message: /got a tensor/ });
  assert.deepEqual([...h.rmsNorm(x, { eps: 0, weight: w }).data], new Array(8).fill(2));
});
