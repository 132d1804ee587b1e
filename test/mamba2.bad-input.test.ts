/**
 * Bad input to the Mamba2 kernels: every mutation is rejected with an error naming the argument, and the
 * pool keeps every bit; the addon re-checks lengths itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBackendAvailable } from '../lib/backend.js';
import { causalConv1dUpdate, selectiveStateUpdate } from '../lib/kernels/mamba2.js';
import { loadNative } from '../lib/native/addon.js';
import type { Tensor } from '../lib/tensor.js';
import { asF64, asI32, detachedTensor, rejects, reshaped, shorter, type Args } from './bad-input-checks.js';
import { randomTensor, rng } from './helpers.js';

// ---------------------------------------------------------------------------------------------------
// Mamba2: pool S=4, H=4, P=3, N=5, G=2, B=2.
function ssuArgs(): Args {
  const r = rng(1);
  return {
    state: randomTensor(r, [4, 4, 3, 5]), x: randomTensor(r, [2, 4, 3]), dt: randomTensor(r, [2, 4], 0, 1), A: randomTensor(r, [4], -1, 0),
    B: randomTensor(r, [2, 2, 5]), C: randomTensor(r, [2, 2, 5]), D: randomTensor(r, [4]), z: randomTensor(r, [2, 4, 3]), dtBias: randomTensor(r, [4, 3]),
    dtSoftplus: true, slots: Int32Array.of(3, 1),
  };
}

rejects('selectiveStateUpdate', (a) => selectiveStateUpdate(a as any), ssuArgs, 'state', [
  ['args not an object', () => 7 as unknown as Args, TypeError, /args/],
  ['misspelt option', (a) => ({ ...a, dt_bias: a.dtBias }), TypeError, /dt_bias/],
  ['state float64', (a) => ({ ...a, state: asF64(a.state) }), TypeError, /state.*float32/],
  ['state not a tensor', (a) => ({ ...a, state: (a.state as Tensor).data }), TypeError, /state/],
  ['state rank 3', (a) => ({ ...a, state: reshaped(a.state, [4, 12, 5]) }), RangeError, /state.*\[S, H, P, N\]/],
  ['state NaN size', (a) => ({ ...a, state: reshaped(a.state, [4, 4, NaN, 5]) }), RangeError, /state/],
  ['state detached', (a) => ({ ...a, state: detachedTensor(a.state as Tensor) }), TypeError, /state.*detached/],
  ['x rank 2', (a) => ({ ...a, x: reshaped(a.x, [2, 12]) }), RangeError, /x: expected shape \[B, H, P\] or \[B, T, H, P\]/],
  ['x wrong P', (a) => ({ ...a, x: reshaped(a.x, [2, 6, 2]) }), RangeError, /x: expected shape \[B, H, P\]/],
  ['x short data', (a) => ({ ...a, x: shorter(a.x) }), RangeError, /x: .*needs 24 elements/],
  ['x detached', (a) => ({ ...a, x: detachedTensor(a.x as Tensor) }), TypeError, /x: .*detached/],
  ['x fractional size', (a) => ({ ...a, x: reshaped(a.x, [2, 4, 2.5]) }), RangeError, /x/],
  ['dt int32', (a) => ({ ...a, dt: asI32(a.dt) }), TypeError, /dt: expected float32/],
  ['dt wrong heads', (a) => ({ ...a, dt: reshaped(a.dt, [2, 2, 2]) }), RangeError, /dt: expected shape \[B, H, P\]/],
  ['A int32', (a) => ({ ...a, A: asI32(a.A) }), TypeError, /A: expected float32/],
  ['B float64', (a) => ({ ...a, B: asF64(a.B) }), TypeError, /B: expected float32/],
  ['C not a tensor', (a) => ({ ...a, C: [1, 2, 3] }), TypeError, /C: expected a tensor/],
  ['D int32', (a) => ({ ...a, D: asI32(a.D) }), TypeError, /D: expected float32/],
  ['z float64', (a) => ({ ...a, z: asF64(a.z) }), TypeError, /z: expected float32/],
  ['dtBias float64', (a) => ({ ...a, dtBias: asF64(a.dtBias) }), TypeError, /dtBias: expected float32/],
  ['A wrong heads', (a) => ({ ...a, A: randomTensor(rng(2), [5]) }), RangeError, /A: expected shape \[H\]/],
  ['A full wrong N', (a) => ({ ...a, A: randomTensor(rng(2), [4, 3, 4]) }), RangeError, /A: expected shape \[H, P, N\]/],
  ['B groups do not divide heads', (a) => ({ ...a, B: randomTensor(rng(2), [2, 3, 5]), C: randomTensor(rng(2), [2, 3, 5]) }), RangeError, /B: groups G = 3 must divide/],
  ['C wrong N', (a) => ({ ...a, C: randomTensor(rng(2), [2, 2, 4]) }), RangeError, /C: expected shape \[B, G, N\]/],
  ['D wrong shape', (a) => ({ ...a, D: randomTensor(rng(2), [3]) }), RangeError, /D: expected shape \[H\]/],
  ['z wrong shape', (a) => ({ ...a, z: randomTensor(rng(2), [2, 4, 2]) }), RangeError, /z: expected shape/],
  ['dtBias wrong shape', (a) => ({ ...a, dtBias: randomTensor(rng(2), [4, 2]) }), RangeError, /dtBias: expected shape \[H, P\]/],
  ['dtSoftplus not boolean', (a) => ({ ...a, dtSoftplus: 1 }), TypeError, /dtSoftplus/],
  ['slots duplicate', (a) => ({ ...a, slots: Int32Array.of(1, 1) }), RangeError, /slots\[1\] = 1 appears twice/],
  ['slots out of range', (a) => ({ ...a, slots: Int32Array.of(0, 4) }), RangeError, /slots\[1\] = 4 is outside the pool/],
  ['slots float32', (a) => ({ ...a, slots: Float32Array.of(0, 1) }), TypeError, /slots/],
  ['slots wrong length', (a) => ({ ...a, slots: Int32Array.of(0, 1, 2) }), RangeError, /slots/],
  ['batch larger than the pool', (a) => ({ ...a, state: randomTensor(rng(2), [1, 4, 3, 5]), slots: undefined }), RangeError, /batch 2 exceeds the pool size 1/],
  ['out wrong length', (a) => ({ ...a, out: new Float32Array(5) }), RangeError, /out: expected \[2, 4, 3\]/],
  ['out aliases the state', (a) => ({ ...a, out: (a.state as Tensor).data.subarray(0, 24) }), RangeError, /out overlaps input state/],
  ['unknown backend', (a) => ({ ...a, backend: 'gpu' }), RangeError, /backend/],
]);

// ---------------------------------------------------------------------------------------------------
function convArgs(): Args {
  const r = rng(3);
  return { convState: randomTensor(r, [3, 6, 4]), x: randomTensor(r, [2, 2, 6]), weight: randomTensor(r, [6, 4]), bias: randomTensor(r, [6]), activation: 'silu', slots: Int32Array.of(2, -1) };
}

rejects('causalConv1dUpdate', (a) => causalConv1dUpdate(a as any), convArgs, 'convState', [
  ['convState float64', (a) => ({ ...a, convState: asF64(a.convState) }), TypeError, /convState.*float32/],
  ['convState detached', (a) => ({ ...a, convState: detachedTensor(a.convState as Tensor) }), TypeError, /convState.*detached/],
  ['x int32', (a) => ({ ...a, x: asI32(a.x) }), TypeError, /x: expected float32/],
  ['weight float64', (a) => ({ ...a, weight: asF64(a.weight) }), TypeError, /weight: expected float32/],
  ['x wrong channels', (a) => ({ ...a, x: randomTensor(rng(4), [2, 2, 5]) }), RangeError, /x: expected shape \[B, T, C\]/],
  ['x rank 4', (a) => ({ ...a, x: reshaped(a.x, [2, 2, 3, 2]) }), RangeError, /x: expected shape \[B, C\] or \[B, T, C\]/],
  ['weight too wide for the state', (a) => ({ ...a, weight: randomTensor(rng(4), [6, 6]) }), RangeError, /weight: width W = 6 needs convState length L >= W - 1 = 5/],
  ['weight wrong channels', (a) => ({ ...a, weight: randomTensor(rng(4), [5, 4]) }), RangeError, /weight: expected shape \[C, W\]/],
  ['bias wrong length', (a) => ({ ...a, bias: new Float32Array(5) }), RangeError, /bias: expected shape \[C\]/],
  ['bias int32', (a) => ({ ...a, bias: new Int32Array(6) }), TypeError, /bias/],
  ['activation unknown', (a) => ({ ...a, activation: 'relu' }), RangeError, /activation: expected one of 'none', 'silu'/],
  ['slots duplicate', (a) => ({ ...a, slots: Int32Array.of(0, 0) }), RangeError, /slots\[1\] = 0 appears twice/],
  ['slots out of range', (a) => ({ ...a, slots: Int32Array.of(3, 0) }), RangeError, /slots\[0\] = 3 is outside/],
  ['out wrong length', (a) => ({ ...a, out: new Float32Array(6) }), RangeError, /out: expected \[2, 2, 6\]/],
]);

// ---------------------------------------------------------------------------------------------------
test('the native binding re-checks lengths and shapes itself', { skip: !isBackendAvailable('native') && 'native addon not built' }, () => {
  const addon = loadNative().addon!;
  const h = new Float32Array(3 * 4).fill(1), before = h.slice();
  const v = new Float32Array(2 * 4), out = new Float32Array(2 * 4), a = new Float32Array(4).fill(0.5);
  const ssu = (p: Record<string, unknown>) => addon.selectiveStateUpdate({
    state: h, x: v, dt: v, A: a, B: v, C: v, slots: Int32Array.of(0), out, poolSize: 1, heads: 1, headDim: 1, dState: 1, groups: 1,
    batch: 1, steps: 1, dtPerDim: false, aFull: false, dPerDim: false, biasPerDim: false, dtSoftplus: false, ...p,
  });
  assert.throws(() => ssu({ poolSize: 100 }), /selectiveStateUpdate: state: needs 100 elements/);
  assert.throws(() => ssu({ heads: 3, groups: 2 }), /groups must divide heads/);
  assert.throws(() => ssu({ dtSoftplus: 1 }), /selectiveStateUpdate: dtSoftplus: expected a boolean/);
  assert.throws(() => addon.causalConv1dUpdate({ convState: h, x: v, weight: v, slots: Int32Array.of(0), out, poolSize: 1, channels: 4, length: 1, width: 3, batch: 1, steps: 1, activation: 'none' }), /width must be <= length \+ 1/);
  assert.throws(() => addon.causalConv1dUpdate({ convState: h, x: v, weight: v, slots: Int32Array.of(0), out, poolSize: 1, channels: 4, length: 3, width: 3, batch: 1, steps: 1, activation: 'gelu' }), /activation: expected one of 'none', 'silu'/);
  assert.deepEqual(h, before);
});
