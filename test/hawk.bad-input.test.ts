/**
 * Bad input to the Hawk kernels: every mutation is rejected with an error naming the argument, and the
 * pool keeps every bit; the addon re-checks lengths and slots itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBackendAvailable } from '../lib/backend.js';
import { blockLinear, rglruStep } from '../lib/kernels/hawk.js';
import { loadNative } from '../lib/native/addon.js';
import type { Tensor } from '../lib/tensor.js';
import { asF64, asI32, detachedTensor, rejects, reshaped, type Args } from './bad-input-checks.js';
import { randomTensor, rng } from './helpers.js';

// ---------------------------------------------------------------------------------------------------
function rglruArgs(): Args {
  const r = rng(5);
  return {
    h: randomTensor(r, [3, 10]), x: randomTensor(r, [2, 3, 10]), gateX: randomTensor(r, [2, 3, 10]), gateA: randomTensor(r, [2, 3, 10]), a: randomTensor(r, [10], 0.1, 1),
    c: 8, aParam: 'direct', reset: { data: Uint8Array.of(0, 1, 0, 0, 0, 1), shape: [2, 3] }, slots: Int32Array.of(1, 2),
  };
}

rejects('rglruStep', (a) => rglruStep(a as any), rglruArgs, 'h', [
  ['h int32', (a) => ({ ...a, h: asI32(a.h) }), TypeError, /h: expected float32/],
  ['h detached', (a) => ({ ...a, h: detachedTensor(a.h as Tensor) }), TypeError, /h: .*detached/],
  ['x wrong width', (a) => ({ ...a, x: randomTensor(rng(6), [2, 3, 9]) }), RangeError, /x: expected shape \[B, T, W\]/],
  ['x int32', (a) => ({ ...a, x: asI32(a.x) }), TypeError, /x: expected float32/],
  ['x detached', (a) => ({ ...a, x: detachedTensor(a.x as Tensor) }), TypeError, /x: .*detached/],
  ['a float64', (a) => ({ ...a, a: asF64(a.a) }), TypeError, /a: expected float32/],
  ['gateX wrong steps', (a) => ({ ...a, gateX: randomTensor(rng(6), [2, 2, 10]) }), RangeError, /gateX: expected shape \[B, T, W\]/],
  ['gateA float64', (a) => ({ ...a, gateA: asF64(a.gateA) }), TypeError, /gateA/],
  ['a wrong length', (a) => ({ ...a, a: new Float32Array(9) }), RangeError, /a: expected shape \[W\]/],
  ['reset float32', (a) => ({ ...a, reset: new Float32Array(6) }), TypeError, /reset: expected uint8/],
  ['reset wrong shape', (a) => ({ ...a, reset: new Uint8Array(2) }), RangeError, /reset: expected shape \[B, T\]/],
  ['c NaN', (a) => ({ ...a, c: NaN }), RangeError, /c: expected a finite number/],
  ['c string', (a) => ({ ...a, c: '8' }), TypeError, /c: expected a number/],
  ['aParam unknown', (a) => ({ ...a, aParam: 'exp' }), RangeError, /aParam: expected one of 'direct', 'softplus'/],
  ['slots out of range', (a) => ({ ...a, slots: Int32Array.of(-1, 3) }), RangeError, /slots\[1\] = 3 is outside/],
  ['slots duplicate', (a) => ({ ...a, slots: { data: Int32Array.of(2, 2), shape: [2] } }), RangeError, /appears twice/],
]);

// ---------------------------------------------------------------------------------------------------
function linearArgs(): Args {
  const r = rng(7);
  return { x: randomTensor(r, [3, 12]), weight: randomTensor(r, [3, 5, 4]), bias: randomTensor(r, [15]) };
}

rejects('blockLinear', (a) => blockLinear(a.x as Tensor, a.weight as Tensor, { bias: a.bias, out: a.out, backend: a.backend } as any), linearArgs, 'x', [
  ['x wrong width', (a) => ({ ...a, x: randomTensor(rng(8), [3, 11]) }), RangeError, /x: expected shape \[batch0, 12\]/],
  ['x float64', (a) => ({ ...a, x: asF64(a.x) }), TypeError, /x: expected float32/],
  ['x detached', (a) => ({ ...a, x: detachedTensor(a.x as Tensor) }), TypeError, /x: .*detached/],
  ['weight rank 2', (a) => ({ ...a, weight: reshaped(a.weight, [15, 4]) }), RangeError, /weight: expected shape \[nb, bo, bi\]/],
  ['bias wrong length', (a) => ({ ...a, bias: new Float32Array(14) }), RangeError, /options.bias: expected shape \[15\]/],
  ['out wrong length', (a) => ({ ...a, out: new Float32Array(14) }), RangeError, /out: expected \[3, 15\]/],
  ['out aliases x', (a) => {
    const buf = new ArrayBuffer(4 * 100), x = { data: new Float32Array(buf, 0, 36), shape: [3, 12] };
    return { ...a, x, out: { data: new Float32Array(buf, 4 * 20, 45), shape: [3, 15] } };
  }, RangeError, /out overlaps input x/],
]);

test('blockLinear rejects unknown options', () => {
  const a = linearArgs();
  assert.throws(() => blockLinear(a.x as Tensor, a.weight as Tensor, { biass: a.bias } as any), /blockLinear: unknown argument 'biass'/);
});

// ---------------------------------------------------------------------------------------------------
test('the native binding re-checks lengths and slots itself', { skip: !isBackendAvailable('native') && 'native addon not built' }, () => {
  const addon = loadNative().addon!;
  const h = new Float32Array(3 * 4).fill(1), before = h.slice();
  const v = new Float32Array(2 * 4), out = new Float32Array(2 * 4), a = new Float32Array(4).fill(0.5);
  const call = (slots: Int32Array, hh = h, x = v) =>
    addon.rglruStep({ h: hh, x, gateX: v, gateA: v, a, slots, out, poolSize: 3, width: 4, batch: 2, steps: 1, c: 8, aParam: 'direct' });
  assert.throws(() => call(Int32Array.of(0, 3)), /rglruStep: slots\[1\] = 3 is outside the pool/);
  assert.throws(() => call(Int32Array.of(1, 1)), /rglruStep: slots\[1\] = 1 appears twice/);
  assert.throws(() => call(Int32Array.of(0, 1), h.subarray(1)), /rglruStep: h: needs 12 elements/);
  assert.throws(() => call(Int32Array.of(0, 1), h, v.subarray(1)), /rglruStep: x: needs 8 elements/);
  assert.throws(() => addon.blockLinear({ x: v, weight: v, y: out, rows: 1, blocks: 2, blockIn: 4, blockOut: 4 }), /weight: needs 32 elements/);
  assert.deepEqual(h, before);
});
