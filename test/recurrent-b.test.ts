/**
 * recurrent-b kernels (rotary, retentionStep, slstmStep, mlstmStep): golden cases on every backend and
 * ISA, differential properties of the native kernels (each ISA) against the JS reference, and the
 * multi-step contract (one call with T steps equals T single-step calls).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { isBackendAvailable } from '../lib/backend.js';
import { runGolden } from '../lib/golden/runner.js';
import { readSafetensors } from '../lib/safetensors.js';
import {
  createMlstmState, createRetentionState, createSlstmState, mlstmStep, mlstmStepAsync, retentionStep, retentionStepAsync,
  retnetAngle, rotary, rotaryAsync, slstmStep, slstmStepAsync,
} from '../lib/kernels/recurrent-b.js';
import { getIsa, setIsa, supportedIsas, type Isa } from '../lib/runtime.js';
import type { Tensor } from '../lib/tensor.js';
import { clonePool, firstMismatch, forEachIsa, randomTensor, rng, sameBits } from './helpers.js';
import { mlstmProblem, retentionProblem, slstmProblem } from './recurrent-b-cases.js';

const NATIVE = isBackendAvailable('native');
const ISAS: Isa[] = NATIVE ? supportedIsas() : [];
const RUNS = 40;

function assertClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, atol = 2e-4, rtol = 2e-4): void {
  const i = firstMismatch(got, want, atol, rtol);
  assert.equal(i, -1, `${what}: at ${i} got ${got[i]}, want ${want[i]}`);
}

/** Pool rows not named by an active slot must keep every bit. */
function assertUntouched(what: string, before: Tensor<Float32Array | Int32Array>, after: Tensor<Float32Array | Int32Array>, slots: Int32Array): void {
  const S = before.shape[0], n = before.data.length / S;
  const used = new Set(Array.from(slots).filter((s) => s >= 0));
  for (let s = 0; s < S; s++) {
    if (used.has(s)) continue;
    assert.ok(sameBits(before.data.subarray(s * n, (s + 1) * n), after.data.subarray(s * n, (s + 1) * n)), `${what}: pool row ${s} changed`);
  }
}

/** Padding rows of an output [B, ...] are zero. */
function assertPaddingZero(what: string, out: Float32Array, slots: Int32Array): void {
  const n = out.length / slots.length;
  slots.forEach((s, b) => {
    if (s < 0) assert.ok(out.subarray(b * n, (b + 1) * n).every((x) => x === 0), `${what}: padding row ${b} not zero`);
  });
}

test('golden cases pass on js and on native at every ISA', async () => {
  for (const filter of ['rotary.', 'retention_step.', 'slstm_step.', 'mlstm_step.']) {
    const report = await runGolden({ dir: join(__dirname, 'fixtures', 'golden'), filter });
    assert.ok(report.cases.length > 0, filter);
    for (const c of report.cases) {
      assert.equal(c.status, 'passed', `${c.file}: ${JSON.stringify(c.variants)}`);
      assert.ok('js' in c.variants);
      for (const isa of ISAS) assert.equal(c.variants[`native/${isa}`], 'ok', `${c.file} native/${isa}`);
    }
  }
});

test('retnetAngle is torchscale\'s angle: 1/10000^linspace(0,1,Dh/2), each value twice', () => {
  const a = retnetAngle(8);
  const golden = readSafetensors(join(__dirname, 'fixtures', 'golden', 'rotary.small.safetensors')).tensors.get('in.angle')!;
  assert.ok(sameBits(a, golden.data as Float32Array), `${a} != golden ${golden.data}`);
  assert.equal(a[0], 1);
  assertClose('angle[7]', [a[7]], [1e-4], 0, 1e-7);
  assert.throws(() => retnetAngle(7), RangeError);
});

test('pool helpers create fresh states of the documented layout', () => {
  const r = createRetentionState(3, { heads: 2, keyDim: 4, valueDim: 5 });
  assert.deepEqual(r.S.shape, [3, 2, 4, 5]);
  assert.deepEqual(r.scales.shape, [3, 2]);
  assert.ok(r.offsets.data instanceof Int32Array && r.offsets.data.length === 3);
  const s = createSlstmState(2, { heads: 2, headDim: 3 });
  assert.deepEqual(s.m.shape, [2, 6]);
  assert.ok(s.m.data.every((x) => x === -Infinity) && s.c.data.every((x) => x === 0));
  const m = createMlstmState(2, { heads: 2, keyDim: 3, valueDim: 4 });
  assert.deepEqual([m.C.shape, m.n.shape, m.m.shape], [[2, 2, 3, 4], [2, 2, 3], [2, 2]]);
  assert.ok(m.m.data.every((x) => x === 0));
});

// ---------------------------------------------------------------------------------------------------
// Random problems. Sizes straddle the native tiles: 8/4-row blocks, 2x16/2x8/2x4-lane column tiles.

const shape = { B: fc.integer({ min: 1, max: 5 }), T: fc.integer({ min: 1, max: 3 }), extra: fc.integer({ min: 0, max: 2 }), seed: fc.integer(), pad: fc.boolean() };

test('retentionStep: native (every ISA) matches the JS reference; untouched rows keep their bits', { skip: !NATIVE }, () => {
  fc.assert(fc.property(fc.record({
    ...shape, H: fc.integer({ min: 1, max: 3 }), halfDk: fc.integer({ min: 1, max: 20 }), Dv: fc.integer({ min: 1, max: 40 }),
    rotate: fc.boolean(), timed: fc.boolean(),
  }), (p) => {
    const { state, args } = retentionProblem(p);
    const jsState = clonePool(state);
    const want = retentionStep({ ...jsState, ...args, backend: 'js' });
    forEachIsa((isa) => {
      const st = clonePool(state);
      const got = retentionStep({ ...st, ...args, backend: 'native' });
      assert.deepEqual(got.shape, want.shape);
      assertClose(`${isa} o`, got.data, want.data);
      assertClose(`${isa} S`, st.S.data, jsState.S.data);
      assertClose(`${isa} scales`, st.scales.data, jsState.scales.data);
      assert.deepEqual(st.offsets.data, jsState.offsets.data, `${isa} offsets`);
      for (const k of ['S', 'scales', 'offsets'] as const) assertUntouched(`${isa} ${k}`, state[k], st[k], args.slots);
      assertPaddingZero(`${isa} o`, got.data, args.slots);
    });
  }), { numRuns: RUNS });
});

test('rotary: native (every ISA) matches the JS reference, large positions included', { skip: !NATIVE }, () => {
  fc.assert(fc.property(fc.record({
    BT: fc.integer({ min: 1, max: 6 }), H: fc.integer({ min: 1, max: 3 }), halfDh: fc.integer({ min: 1, max: 40 }), seed: fc.integer(),
    timed: fc.boolean(),
  }), (p) => {
    const next = rng(p.seed);
    const Dh = 2 * p.halfDh;
    const lead = p.timed ? [1, p.BT] : [p.BT];
    const x = randomTensor(next, [...lead, p.H, Dh]);
    const positions = { data: Int32Array.from({ length: p.BT }, () => Math.floor((next() - 0.5) * 2 ** 32)), shape: lead };
    const angle = retnetAngle(Dh);
    const want = rotary({ x, positions, angle, backend: 'js' });
    forEachIsa((isa) => assertClose(`${isa} y`, rotary({ x, positions, angle, backend: 'native' }).data, want.data, 1e-5, 1e-5));
  }), { numRuns: RUNS });
});

test('slstmStep: native (every ISA) matches the JS reference, fresh states (m = -inf) and saturated gates included', { skip: !NATIVE }, () => {
  fc.assert(fc.property(fc.record({
    ...shape, B: fc.integer({ min: 1, max: 7 }), NH: fc.integer({ min: 1, max: 3 }), DH: fc.integer({ min: 1, max: 40 }),
    bias: fc.boolean(), timed: fc.boolean(), wxScale: fc.constantFrom(2, 30, 120),
  }), (p) => {
    const { state, args } = slstmProblem(p);
    const jsState = clonePool(state);
    const want = slstmStep({ ...jsState, ...args, backend: 'js' });
    assert.ok(want.data.every(Number.isFinite), 'reference output finite');
    forEachIsa((isa) => {
      const st = clonePool(state);
      const got = slstmStep({ ...st, ...args, backend: 'native' });
      assert.ok(got.data.every(Number.isFinite), `${isa}: NaN or inf in h`);
      assertClose(`${isa} h`, got.data, want.data);
      for (const k of ['y', 'c', 'n', 'm'] as const) {
        assertClose(`${isa} ${k}`, st[k].data, jsState[k].data);
        assertUntouched(`${isa} ${k}`, state[k], st[k], args.slots);
      }
      assertPaddingZero(`${isa} h`, got.data, args.slots);
    });
  }), { numRuns: RUNS });
});

test('mlstmStep: native (every ISA) matches the JS reference', { skip: !NATIVE }, () => {
  fc.assert(fc.property(fc.record({
    ...shape, NH: fc.integer({ min: 1, max: 3 }), DK: fc.integer({ min: 1, max: 40 }), DV: fc.integer({ min: 1, max: 40 }), timed: fc.boolean(),
  }), (p) => {
    const { state, args } = mlstmProblem(p);
    const jsState = clonePool(state);
    const want = mlstmStep({ ...jsState, ...args, backend: 'js' });
    forEachIsa((isa) => {
      const st = clonePool(state);
      const got = mlstmStep({ ...st, ...args, backend: 'native' });
      assertClose(`${isa} h`, got.data, want.data, 5e-4, 5e-4);
      for (const k of ['C', 'n', 'm'] as const) {
        assertClose(`${isa} ${k}`, st[k].data, jsState[k].data);
        assertUntouched(`${isa} ${k}`, state[k], st[k], args.slots);
      }
      assertPaddingZero(`${isa} h`, got.data, args.slots);
    });
  }), { numRuns: RUNS });
});

// ---------------------------------------------------------------------------------------------------
// One call with T steps == T single-step calls, bit for bit, on every backend variant.

type Variant = { name: string; backend: 'js' | 'native'; isa?: Isa };
const VARIANTS: Variant[] = [{ name: 'js', backend: 'js' }, ...ISAS.map((isa): Variant => ({ name: `native/${isa}`, backend: 'native', isa }))];

function onVariant<R>(v: Variant, fn: () => R): R {
  if (!v.isa) return fn();
  const saved = getIsa();
  setIsa(v.isa);
  try {
    return fn();
  } finally {
    setIsa(saved);
  }
}

/** Step t of an input [B, T, ...] as a one-step tensor [B, ...]. */
function stepOf(t: Tensor, step: number): Tensor {
  const [B, T, ...rest] = t.shape;
  const n = t.data.length / (B * T);
  const data = new Float32Array(B * n);
  for (let b = 0; b < B; b++) data.set(t.data.subarray((b * T + step) * n, (b * T + step + 1) * n), b * n);
  return { data, shape: [B, ...rest] };
}

/** Output [B, T, ...] assembled from T one-step outputs [B, ...]. */
function interleave(steps: Tensor[]): Float32Array {
  const T = steps.length, B = steps[0].shape[0], n = steps[0].data.length / B;
  const out = new Float32Array(B * T * n);
  steps.forEach((s, t) => {
    for (let b = 0; b < B; b++) out.set(s.data.subarray(b * n, (b + 1) * n), (b * T + t) * n);
  });
  return out;
}

function assertPoolsEqual(what: string, a: Record<string, Tensor<Float32Array | Int32Array>>, b: Record<string, Tensor<Float32Array | Int32Array>>): void {
  for (const k of Object.keys(a)) assert.ok(sameBits(a[k].data, b[k].data), `${what}: pool ${k} differs`);
}

test('multi-step: one call with T steps equals T single-step calls (all kernels, all variants)', () => {
  const base = { B: 4, T: 3, extra: 1, seed: 7, pad: true, timed: true };
  for (const v of VARIANTS) {
    onVariant(v, () => {
      const r = retentionProblem({ ...base, H: 2, halfDk: 9, Dv: 37, rotate: true });
      const r1 = clonePool(r.state), rT = clonePool(r.state);
      const whole = retentionStep({ ...rT, ...r.args, backend: v.backend });
      const steps = [0, 1, 2].map((t) => retentionStep({
        ...r1, ...r.args, q: stepOf(r.args.q, t), k: stepOf(r.args.k, t), v: stepOf(r.args.v, t), backend: v.backend,
      }));
      assert.ok(sameBits(whole.data, interleave(steps)), `${v.name} retention o`);
      assertPoolsEqual(`${v.name} retention`, rT, r1);

      const s = slstmProblem({ ...base, NH: 2, DH: 19, bias: true });
      const s1 = clonePool(s.state), sT = clonePool(s.state);
      const sw = slstmStep({ ...sT, ...s.args, backend: v.backend });
      const ss = [0, 1, 2].map((t) => slstmStep({ ...s1, ...s.args, wx: stepOf(s.args.wx, t), backend: v.backend }));
      assert.ok(sameBits(sw.data, interleave(ss)), `${v.name} slstm h`);
      assertPoolsEqual(`${v.name} slstm`, sT, s1);

      const m = mlstmProblem({ ...base, NH: 2, DK: 21, DV: 35 });
      const m1 = clonePool(m.state), mT = clonePool(m.state);
      const mw = mlstmStep({ ...mT, ...m.args, backend: v.backend });
      const ms = [0, 1, 2].map((t) => mlstmStep({
        ...m1, ...m.args, q: stepOf(m.args.q, t), k: stepOf(m.args.k, t), v: stepOf(m.args.v, t),
        iPre: stepOf(m.args.iPre, t), fPre: stepOf(m.args.fPre, t), backend: v.backend,
      }));
      assert.ok(sameBits(mw.data, interleave(ms)), `${v.name} mlstm h`);
      assertPoolsEqual(`${v.name} mlstm`, mT, m1);
    });
  }
});

test('async variants give the same results as the sync calls', async () => {
  const backend = NATIVE ? 'native' : 'js';
  const r = retentionProblem({ B: 3, T: 2, extra: 1, seed: 3, pad: true, timed: true, H: 2, halfDk: 4, Dv: 9, rotate: true });
  const a = clonePool(r.state), b = clonePool(r.state);
  assert.ok(sameBits((await retentionStepAsync({ ...a, ...r.args, backend })).data, retentionStep({ ...b, ...r.args, backend }).data));
  assertPoolsEqual('retention', a, b);
  const s = slstmProblem({ B: 3, T: 2, extra: 0, seed: 4, pad: false, timed: true, NH: 2, DH: 5, bias: false });
  const sa = clonePool(s.state), sb = clonePool(s.state);
  assert.ok(sameBits((await slstmStepAsync({ ...sa, ...s.args, backend })).data, slstmStep({ ...sb, ...s.args, backend }).data));
  assertPoolsEqual('slstm', sa, sb);
  const m = mlstmProblem({ B: 2, T: 2, extra: 1, seed: 5, pad: true, timed: false, NH: 1, DK: 6, DV: 7 });
  const ma = clonePool(m.state), mb = clonePool(m.state);
  assert.ok(sameBits((await mlstmStepAsync({ ...ma, ...m.args, backend })).data, mlstmStep({ ...mb, ...m.args, backend }).data));
  assertPoolsEqual('mlstm', ma, mb);
  const x = randomTensor(rng(1), [2, 3, 8]);
  const positions = { data: Int32Array.of(5, 100000), shape: [2] };
  assert.ok(sameBits((await rotaryAsync({ x, positions, angle: retnetAngle(8), backend })).data, rotary({ x, positions, angle: retnetAngle(8), backend }).data));
});

test('a fresh sLSTM state gives m = pre_i and no NaN on every variant', () => {
  for (const v of VARIANTS) {
    onVariant(v, () => {
      const st = createSlstmState(2, { heads: 1, headDim: 3 });
      const wx = randomTensor(rng(9), [1, 4, 3], -2, 2);
      const R = randomTensor(rng(10), [4, 1, 3, 3]);
      const h = slstmStep({ ...st, wx, R, slots: Int32Array.of(1), backend: v.backend });
      assert.ok(h.data.every(Number.isFinite), v.name);
      // y was 0, so pre_i = wx_i; row 0 stays fresh.
      for (let e = 0; e < 3; e++) assert.equal(st.m.data[3 + e], wx.data[e], `${v.name} m[${e}]`);
      assert.ok(st.m.data.subarray(0, 3).every((x) => x === -Infinity));
    });
  }
});
