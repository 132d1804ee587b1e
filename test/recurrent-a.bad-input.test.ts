import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBackendAvailable, type BackendName } from '../lib/backend.js';
import { blockLinear, causalConv1dUpdate, rglruStep, selectiveStateUpdate } from '../lib/kernels/recurrent-a.js';
import { loadNative } from '../lib/native/addon.js';
import type { Tensor } from '../lib/tensor.js';
import { randomTensor, rng } from './helpers.js';

const BACKENDS: BackendName[] = isBackendAvailable('native') ? ['js', 'native'] : ['js'];

type Args = Record<string, unknown>;
/** [what, change to valid args, expected error class, pattern the message must match (the argument)]. */
type Mutation = [string, (a: Args) => Args, ErrorConstructor, RegExp];

const detached = (t: Tensor): Tensor => {
  const data = t.data.slice();
  structuredClone(data.buffer, { transfer: [data.buffer] });
  return { data, shape: t.shape };
};
const reshaped = (t: unknown, shape: number[]): Tensor => ({ data: (t as Tensor).data, shape });
const asF64 = (t: unknown): unknown => ({ data: Float64Array.from((t as Tensor).data), shape: (t as Tensor).shape });
const asI32 = (t: unknown): unknown => ({ data: Int32Array.from((t as Tensor).data), shape: (t as Tensor).shape });
const shorter = (t: unknown): Tensor => ({ data: (t as Tensor).data.subarray(1), shape: (t as Tensor).shape });

/** Every mutation must throw its error naming the argument, and leave the pool bit-identical. */
function rejects(name: string, run: (a: Args) => unknown, valid: () => Args, poolKey: string, mutations: Mutation[]): void {
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
  ['state detached', (a) => ({ ...a, state: detached(a.state as Tensor) }), TypeError, /state.*detached/],
  ['x rank 2', (a) => ({ ...a, x: reshaped(a.x, [2, 12]) }), RangeError, /x: expected shape \[B, H, P\] or \[B, T, H, P\]/],
  ['x wrong P', (a) => ({ ...a, x: reshaped(a.x, [2, 6, 2]) }), RangeError, /x: expected shape \[B, H, P\]/],
  ['x short data', (a) => ({ ...a, x: shorter(a.x) }), RangeError, /x: .*needs 24 elements/],
  ['x detached', (a) => ({ ...a, x: detached(a.x as Tensor) }), TypeError, /x: .*detached/],
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
  ['convState detached', (a) => ({ ...a, convState: detached(a.convState as Tensor) }), TypeError, /convState.*detached/],
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
function rglruArgs(): Args {
  const r = rng(5);
  return {
    h: randomTensor(r, [3, 10]), x: randomTensor(r, [2, 3, 10]), gateX: randomTensor(r, [2, 3, 10]), gateA: randomTensor(r, [2, 3, 10]), a: randomTensor(r, [10], 0.1, 1),
    c: 8, aParam: 'direct', reset: { data: Uint8Array.of(0, 1, 0, 0, 0, 1), shape: [2, 3] }, slots: Int32Array.of(1, 2),
  };
}

rejects('rglruStep', (a) => rglruStep(a as any), rglruArgs, 'h', [
  ['h int32', (a) => ({ ...a, h: asI32(a.h) }), TypeError, /h: expected float32/],
  ['h detached', (a) => ({ ...a, h: detached(a.h as Tensor) }), TypeError, /h: .*detached/],
  ['x wrong width', (a) => ({ ...a, x: randomTensor(rng(6), [2, 3, 9]) }), RangeError, /x: expected shape \[B, T, W\]/],
  ['x int32', (a) => ({ ...a, x: asI32(a.x) }), TypeError, /x: expected float32/],
  ['x detached', (a) => ({ ...a, x: detached(a.x as Tensor) }), TypeError, /x: .*detached/],
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
  ['x detached', (a) => ({ ...a, x: detached(a.x as Tensor) }), TypeError, /x: .*detached/],
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
  const call = (slots: Int32Array, hh = h, x = v) => addon.rglruStep(hh, x, v, v, a, null, slots, out, 3, 4, 2, 1, 8, false);
  assert.throws(() => call(Int32Array.of(0, 3)), /rglruStep: slots\[1\] = 3 is outside the pool/);
  assert.throws(() => call(Int32Array.of(1, 1)), /rglruStep: slots\[1\] = 1 appears twice/);
  assert.throws(() => call(Int32Array.of(0, 1), h.subarray(1)), /rglruStep: h: needs 12 elements/);
  assert.throws(() => call(Int32Array.of(0, 1), h, v.subarray(1)), /rglruStep: x: needs 8 elements/);
  assert.throws(() => addon.selectiveStateUpdate(h, v, v, a, v, v, null, null, null, Int32Array.of(0), out, 100, 1, 1, 1, 1, 1, 1, false, false, false, false, false), /selectiveStateUpdate: state: needs 100 elements/);
  assert.throws(() => addon.selectiveStateUpdate(h, v, v, a, v, v, null, null, null, Int32Array.of(0), out, 1, 3, 1, 1, 2, 1, 1, false, false, false, false, false), /groups must divide heads/);
  assert.throws(() => addon.causalConv1dUpdate(h, v, v, null, Int32Array.of(0), out, 1, 4, 1, 3, 1, 1, false), /width must be <= length \+ 1/);
  assert.throws(() => addon.blockLinear(v, v, null, out, 1, 2, 4, 4), /weight: needs 32 elements/);
  assert.deepEqual(h, before);
});
