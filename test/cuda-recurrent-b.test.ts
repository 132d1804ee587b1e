/**
 * recurrent-b kernels (rotary, retentionStep, slstmStep, mlstmStep) on the CUDA backend against the JS
 * reference: random shapes around the kernels' tiles (32-column blocks, 8 warps over the key size),
 * padding slots, T > 1, fresh states; untouched pool rows keep their bits; T steps in one call equal T
 * single-step calls bit for bit; device-resident pools give the host-pool results. Skips without a GPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backendStatus, isBackendAvailable } from '../lib/backend.js';
import { poolFromDevice, poolToDevice, DeviceStream, releaseDevice } from '../lib/cuda/device.js';
import { mlstmStep, mlstmStepAsync, retentionStep, retentionStepAsync, retnetAngle, rotary, slstmStep } from '../lib/kernels/recurrent-b.js';
import type { Tensor } from '../lib/tensor.js';
import { clonePool, firstMismatch, randomTensor, rng, sameBits } from './helpers.js';
import { mlstmProblem, retentionProblem, slstmProblem } from './recurrent-b-cases.js';

const gpu = { skip: !isBackendAvailable('cuda') && backendStatus('cuda').reason };
const RUNS = 30;
type Pool = Record<string, Tensor<Float32Array | Int32Array>>;

function assertClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, atol = 2e-4, rtol = 2e-4): void {
  const i = firstMismatch(got, want, atol, rtol);
  assert.equal(i, -1, `${what}: at ${i} got ${got[i]}, want ${want[i]}`);
}

/** Rows not named by a slot keep every bit; padding rows of the output are zero. */
function assertSlotsRespected(what: string, before: Pool, after: Pool, out: Float32Array, slots: Int32Array): void {
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

const shape = { B: fc.integer({ min: 1, max: 5 }), T: fc.integer({ min: 1, max: 3 }), extra: fc.integer({ min: 0, max: 2 }), seed: fc.integer(), pad: fc.boolean(), timed: fc.boolean() };

test('retentionStep on cuda matches the reference (Dk across the 8-warp split, Dv across 32-column blocks)', gpu, () => {
  fc.assert(fc.property(fc.record({
    ...shape, H: fc.integer({ min: 1, max: 3 }), halfDk: fc.integer({ min: 1, max: 70 }), Dv: fc.integer({ min: 1, max: 80 }), rotate: fc.boolean(),
  }), (p) => {
    const { state, args } = retentionProblem(p);
    const js = clonePool(state), cu = clonePool(state);
    const want = retentionStep({ ...js, ...args, backend: 'js' });
    const got = retentionStep({ ...cu, ...args, backend: 'cuda' });
    assertClose('o', got.data, want.data);
    assertClose('S', cu.S.data, js.S.data);
    assertClose('scales', cu.scales.data, js.scales.data);
    assert.deepEqual(cu.offsets.data, js.offsets.data);
    assertSlotsRespected('retention', state, cu, got.data, args.slots);
  }), { numRuns: RUNS });
});

test('rotary on cuda matches the reference, large positions included', gpu, () => {
  fc.assert(fc.property(fc.record({ BT: fc.integer({ min: 1, max: 6 }), H: fc.integer({ min: 1, max: 3 }), halfDh: fc.integer({ min: 1, max: 70 }), seed: fc.integer() }), (p) => {
    const next = rng(p.seed);
    const Dh = 2 * p.halfDh;
    const x = randomTensor(next, [p.BT, p.H, Dh]);
    const positions = { data: Int32Array.from({ length: p.BT }, () => Math.floor((next() - 0.5) * 2 ** 32)), shape: [p.BT] };
    const angle = retnetAngle(Dh);
    assertClose('y', rotary({ x, positions, angle, backend: 'cuda' }).data, rotary({ x, positions, angle, backend: 'js' }).data, 1e-5, 1e-5);
  }), { numRuns: RUNS });
});

test('slstmStep on cuda matches the reference, fresh states (m = -inf) and saturated gates included', gpu, () => {
  fc.assert(fc.property(fc.record({
    ...shape, B: fc.integer({ min: 1, max: 7 }), NH: fc.integer({ min: 1, max: 3 }), DH: fc.integer({ min: 1, max: 70 }), bias: fc.boolean(),
    wxScale: fc.constantFrom(2, 30, 120),
  }), (p) => {
    const { state, args } = slstmProblem(p);
    const js = clonePool(state), cu = clonePool(state);
    const want = slstmStep({ ...js, ...args, backend: 'js' });
    const got = slstmStep({ ...cu, ...args, backend: 'cuda' });
    assert.ok(got.data.every(Number.isFinite), 'NaN or inf in h');
    assertClose('h', got.data, want.data);
    for (const k of ['y', 'c', 'n', 'm'] as const) assertClose(k, cu[k].data, js[k].data);
    assertSlotsRespected('slstm', state, cu, got.data, args.slots);
  }), { numRuns: RUNS });
});

test('mlstmStep on cuda matches the reference', gpu, () => {
  fc.assert(fc.property(fc.record({
    ...shape, NH: fc.integer({ min: 1, max: 3 }), DK: fc.integer({ min: 1, max: 70 }), DV: fc.integer({ min: 1, max: 80 }),
  }), (p) => {
    const { state, args } = mlstmProblem(p);
    const js = clonePool(state), cu = clonePool(state);
    const want = mlstmStep({ ...js, ...args, backend: 'js' });
    const got = mlstmStep({ ...cu, ...args, backend: 'cuda' });
    assertClose('h', got.data, want.data, 5e-4, 5e-4);
    for (const k of ['C', 'n', 'm'] as const) assertClose(k, cu[k].data, js[k].data);
    assertSlotsRespected('mlstm', state, cu, got.data, args.slots);
  }), { numRuns: RUNS });
});

/** Step t of an input [B, T, ...] as a one-step tensor [B, ...]. */
function stepOf(t: Tensor, step: number): Tensor {
  const [B, T, ...rest] = t.shape;
  const n = t.data.length / (B * T);
  const data = new Float32Array(B * n);
  for (let b = 0; b < B; b++) data.set(t.data.subarray((b * T + step) * n, (b * T + step + 1) * n), b * n);
  return { data, shape: [B, ...rest] };
}

test('on cuda, one call with T steps equals T single-step calls bit for bit', gpu, () => {
  const base = { B: 4, T: 3, extra: 1, seed: 11, pad: true, timed: true };
  const r = retentionProblem({ ...base, H: 2, halfDk: 40, Dv: 45, rotate: true });
  const rT = clonePool(r.state), r1 = clonePool(r.state);
  const whole = retentionStep({ ...rT, ...r.args, backend: 'cuda' });
  const steps = [0, 1, 2].map((t) => retentionStep({ ...r1, ...r.args, q: stepOf(r.args.q, t), k: stepOf(r.args.k, t), v: stepOf(r.args.v, t), backend: 'cuda' }));
  const per = whole.data.length / (4 * 3);
  steps.forEach((s, t) => {
    for (let b = 0; b < 4; b++) assert.ok(sameBits(whole.data.subarray((b * 3 + t) * per, (b * 3 + t + 1) * per), s.data.subarray(b * per, (b + 1) * per)), `o b${b} t${t}`);
  });
  for (const k of ['S', 'scales', 'offsets'] as const) assert.ok(sameBits(rT[k].data, r1[k].data), k);

  const m = mlstmProblem({ ...base, NH: 2, DK: 33, DV: 40 });
  const mT = clonePool(m.state), m1 = clonePool(m.state);
  mlstmStep({ ...mT, ...m.args, backend: 'cuda' });
  for (let t = 0; t < 3; t++) {
    mlstmStep({ ...m1, ...m.args, q: stepOf(m.args.q, t), k: stepOf(m.args.k, t), v: stepOf(m.args.v, t), iPre: stepOf(m.args.iPre, t), fPre: stepOf(m.args.fPre, t), backend: 'cuda' });
  }
  for (const k of ['C', 'n', 'm'] as const) assert.ok(sameBits(mT[k].data, m1[k].data), `mlstm ${k}`);

  const s = slstmProblem({ ...base, NH: 2, DH: 37, bias: true });
  const sT = clonePool(s.state), s1 = clonePool(s.state);
  slstmStep({ ...sT, ...s.args, backend: 'cuda' });
  for (let t = 0; t < 3; t++) slstmStep({ ...s1, ...s.args, wx: stepOf(s.args.wx, t), backend: 'cuda' });
  for (const k of ['y', 'c', 'n', 'm'] as const) assert.ok(sameBits(sT[k].data, s1[k].data), `slstm ${k}`);
});

test('device-resident pools on their own streams give the host-pool results; async calls too', gpu, async () => {
  const p = { B: 3, T: 2, extra: 2, seed: 5, pad: true, timed: true };
  const r = retentionProblem({ ...p, H: 2, halfDk: 16, Dv: 50, rotate: true });
  const host = clonePool(r.state), dev = clonePool(r.state);
  const want = retentionStep({ ...host, ...r.args, backend: 'cuda' });
  poolToDevice(dev, { stream: new DeviceStream() });
  const got = await retentionStepAsync({ ...dev, ...r.args, backend: 'cuda' });
  poolFromDevice(dev);
  assert.ok(sameBits(got.data, want.data));
  for (const k of ['S', 'scales', 'offsets'] as const) assert.ok(sameBits(dev[k].data, host[k].data), k);
  for (const t of Object.values(dev)) releaseDevice(t.data);

  const m = mlstmProblem({ ...p, NH: 2, DK: 24, DV: 30 });
  const mh = clonePool(m.state), md = clonePool(m.state);
  mlstmStep({ ...mh, ...m.args, backend: 'cuda' });
  poolToDevice(md, { stream: new DeviceStream() });
  await mlstmStepAsync({ ...md, ...m.args, backend: 'cuda' });
  poolFromDevice(md);
  for (const k of ['C', 'n', 'm'] as const) assert.ok(sameBits(md[k].data, mh[k].data), `mlstm ${k}`);
});
