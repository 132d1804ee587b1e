import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { isBackendAvailable, type BackendName } from '../lib/backend.js';
import { runGolden } from '../lib/golden/runner.js';
import {
  blockLinear, blockLinearAsync, causalConv1dUpdate, causalConv1dUpdateAsync, rglruStep, rglruStepAsync,
  selectiveStateUpdate, selectiveStateUpdateAsync,
} from '../lib/kernels/recurrent-a.js';
import { createConvState, createMamba2State, createRglruState, mamba2StateSpec } from '../lib/kernels/recurrent-a-pools.js';
import { resetSlot } from '../lib/pool.js';
import { supportedIsas } from '../lib/runtime.js';
import type { AnyArray, Tensor } from '../lib/tensor.js';
import {
  blockLinearCase, blockLinearShape, closeTo, convCase, convShape, rglruCase, rglruShape, ssuCase, ssuShape,
  type Case,
} from './recurrent-a-cases.js';
import { forEachIsa, randomTensor, rng } from './helpers.js';

const GOLDEN = join(__dirname, 'fixtures', 'golden');
const hasNative = isBackendAvailable('native');
const BACKENDS: BackendName[] = hasNative ? ['js', 'native'] : ['js'];
const RUNS = Number(process.env.RECURRENT_A_RUNS ?? 40);

function sameBits(got: AnyArray, want: AnyArray, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}: element ${i} differs: ${got[i]} vs ${want[i]}`);
  }
}

// ---------------------------------------------------------------------------------------------------
for (const kernel of ['selective_state_update', 'causal_conv1d_update', 'rglru_step', 'block_linear']) {
  test(`golden: ${kernel} passes on js and every native ISA`, async () => {
    const report = await runGolden({ dir: GOLDEN, filter: `${kernel}.` });
    assert.ok(report.cases.length > 0);
    for (const c of report.cases) {
      assert.equal(c.status, 'passed', `${c.file}: ${JSON.stringify(c.variants)}`);
      assert.ok('js' in c.variants);
      if (hasNative) for (const isa of supportedIsas()) assert.equal(c.variants[`native/${isa}`], 'ok');
    }
  });
}

// ---------------------------------------------------------------------------------------------------
interface StateKernel<A> {
  name: string;
  run(args: A, backend: BackendName): Tensor;
  pool(args: A): Tensor;
  /** Inputs with a time axis, sliced per step by the multi-step test. */
  stepInputs: readonly string[];
}

const ssuKernel: StateKernel<any> = {
  name: 'selectiveStateUpdate', run: (a, backend) => selectiveStateUpdate({ ...a, backend }), pool: (a) => a.state,
  stepInputs: ['x', 'dt', 'B', 'C', 'z'],
};
const convKernel: StateKernel<any> = {
  name: 'causalConv1dUpdate', run: (a, backend) => causalConv1dUpdate({ ...a, backend }), pool: (a) => a.convState,
  stepInputs: ['x'],
};
const rglruKernel: StateKernel<any> = {
  name: 'rglruStep', run: (a, backend) => rglruStep({ ...a, backend }), pool: (a) => a.h, stepInputs: ['x', 'gateX', 'gateA', 'reset'],
};

/** Native on every ISA against the JS reference; rows not named by a slot stay bit-identical. */
function differential<S>(k: StateKernel<any>, shape: fc.Arbitrary<S>, build: (s: S) => Case<any>): void {
  test(`${k.name}: native matches the JS reference on every ISA (random shapes, tails, T > 1, padding)`, { skip: !hasNative && 'native addon not built' }, () => {
    fc.assert(fc.property(shape, (s) => {
      const c = build(s);
      const ref = c.make();
      const refOut = k.run(ref, 'js');
      const batch = refOut.shape[0], perRow = refOut.data.length / batch;
      const slots: Int32Array = ref.slots;
      forEachIsa((isa) => {
        const args = c.make();
        const pool = k.pool(args), before = pool.data.slice();
        const out = k.run(args, 'native');
        assert.deepEqual(out.shape, refOut.shape);
        const e1 = closeTo(out.data, refOut.data);
        assert.equal(e1, undefined, `${isa} output ${e1}`);
        const e2 = closeTo(pool.data, k.pool(ref).data);
        assert.equal(e2, undefined, `${isa} state ${e2}`);
        const rowSize = pool.data.length / pool.shape[0];
        for (let r = 0; r < pool.shape[0]; r++) {
          if (!c.touched.has(r)) sameBits(pool.data.subarray(r * rowSize, (r + 1) * rowSize), before.subarray(r * rowSize, (r + 1) * rowSize), `${isa} unused pool row ${r}`);
        }
        for (let b = 0; b < batch; b++) {
          if (slots[b] < 0) assert.ok(out.data.subarray(b * perRow, (b + 1) * perRow).every((v) => v === 0), `${isa} padding row ${b} output`);
        }
      });
    }), { numRuns: RUNS });
  });
}

differential(ssuKernel, ssuShape, ssuCase);
differential(convKernel, convShape, convCase);
differential(rglruKernel, rglruShape, rglruCase);

test('blockLinear: native matches the JS reference on every ISA', { skip: !hasNative && 'native addon not built' }, () => {
  fc.assert(fc.property(blockLinearShape, (s) => {
    const { x, weight, opts } = blockLinearCase(s);
    const ref = blockLinear(x, weight, { ...opts, backend: 'js' });
    assert.deepEqual(ref.shape, [...x.shape.slice(0, -1), s.blocks * s.blockOut]);
    forEachIsa((isa) => {
      const y = blockLinear(x, weight, { ...opts, backend: 'native' });
      assert.equal(closeTo(y.data, ref.data), undefined, isa);
    });
  }), { numRuns: RUNS });
});

// ---------------------------------------------------------------------------------------------------
/** Step t of a [B, T, ...] tensor as a [B, ...] tensor. */
function stepOf<T extends AnyArray>(t: Tensor<T>, step: number): Tensor<T> {
  const [B, T, ...rest] = t.shape;
  const inner = rest.reduce((p, d) => p * d, 1);
  const data = new (t.data.constructor as new (n: number) => T)(B * inner);
  for (let b = 0; b < B; b++) data.set(t.data.subarray((b * T + step) * inner, (b * T + step + 1) * inner), b * inner);
  return { data, shape: [B, ...rest] };
}

function multiStep<S>(k: StateKernel<any>, shape: fc.Arbitrary<S>, build: (s: S) => Case<any>): void {
  for (const backend of BACKENDS) {
    test(`${k.name} (${backend}): one call with T steps equals T single-step calls`, () => {
      fc.assert(fc.property(shape, (s) => {
        const c = build({ ...s, timeAxis: true });
        const whole = c.make();
        const out = k.run(whole, backend);
        const stepwise = c.make();
        const perStep = out.data.length / (out.shape[0] * c.steps);
        for (let t = 0; t < c.steps; t++) {
          const args = { ...stepwise };
          for (const name of k.stepInputs) if (args[name]) args[name] = stepOf(args[name], t);
          const y = k.run(args, backend);
          for (let b = 0; b < out.shape[0]; b++) {
            sameBits(y.data.subarray(b * perStep, (b + 1) * perStep), out.data.subarray((b * c.steps + t) * perStep, (b * c.steps + t + 1) * perStep), `step ${t} row ${b}`);
          }
        }
        sameBits(k.pool(stepwise).data, k.pool(whole).data, 'state');
      }), { numRuns: Math.ceil(RUNS / 2) });
    });
  }
}

multiStep(ssuKernel, ssuShape, ssuCase);
multiStep(convKernel, convShape, convCase);
multiStep(rglruKernel, rglruShape, rglruCase);

// ---------------------------------------------------------------------------------------------------
test('async variants give the sync results', async () => {
  const rand = rng(7);
  for (const backend of BACKENDS) {
    const pool = createMamba2State(3, { heads: 2, headDim: 3, dState: 5 });
    pool.state.data.set(randomTensor(rand, [3, 2, 3, 5]).data);
    const args = { x: randomTensor(rand, [2, 2, 3]), dt: randomTensor(rand, [2, 2], 0, 1), A: randomTensor(rand, [2], -1, 0), B: randomTensor(rand, [2, 1, 5]), C: randomTensor(rand, [2, 1, 5]), slots: Int32Array.of(2, 0) };
    const copy = { data: pool.state.data.slice(), shape: pool.state.shape };
    const a = await selectiveStateUpdateAsync({ ...args, state: pool.state, backend });
    const b = selectiveStateUpdate({ ...args, state: copy, backend });
    sameBits(a.data, b.data, `${backend} ssu out`);
    sameBits(pool.state.data, copy.data, `${backend} ssu state`);

    const conv = createConvState(2, { channels: 4, length: 3 });
    const convArgs = { x: randomTensor(rand, [2, 4]), weight: randomTensor(rand, [4, 4]), activation: 'silu' as const };
    const c1 = await causalConv1dUpdateAsync({ ...convArgs, convState: conv.convState, backend });
    sameBits(c1.data, causalConv1dUpdate({ ...convArgs, convState: createConvState(2, { channels: 4, length: 3 }).convState, backend }).data, `${backend} conv`);

    const h = createRglruState(2, { width: 9 });
    const rArgs = { x: randomTensor(rand, [2, 9]), gateX: randomTensor(rand, [2, 9]), gateA: randomTensor(rand, [2, 9]), a: randomTensor(rand, [9], 0.1, 1) };
    const r1 = await rglruStepAsync({ ...rArgs, h: h.h, backend });
    sameBits(r1.data, rglruStep({ ...rArgs, h: createRglruState(2, { width: 9 }).h, backend }).data, `${backend} rglru`);

    const x = randomTensor(rand, [3, 8]), w = randomTensor(rand, [2, 5, 4]);
    sameBits((await blockLinearAsync(x, w, { backend })).data, blockLinear(x, w, { backend }).data, `${backend} blockLinear`);
  }
});

test('outputs go into a caller-provided buffer', () => {
  for (const backend of BACKENDS) {
    const rand = rng(3);
    const out = new Float32Array(2 * 6);
    const y = rglruStep({ h: createRglruState(2, { width: 6 }).h, x: randomTensor(rand, [2, 6]), gateX: randomTensor(rand, [2, 6]), gateA: randomTensor(rand, [2, 6]), a: randomTensor(rand, [6], 0.5, 1), out, backend });
    assert.equal(y.data, out);
    assert.ok(out.some((v) => v !== 0));
    const yb = new Float32Array(2 * 4);
    assert.equal(blockLinear(randomTensor(rand, [2, 4]), randomTensor(rand, [2, 2, 2]), { out: { data: yb, shape: [2, 4] }, backend }).data, yb);
  }
});

test('pool helpers make zeroed pools named like the kernel arguments', () => {
  const m = createMamba2State(3, { heads: 2, headDim: 4, dState: 8 });
  assert.deepEqual(m.state.shape, [3, 2, 4, 8]);
  assert.ok(m.state.data.every((v) => v === 0));
  assert.deepEqual(createConvState(5, { channels: 6, length: 3 }).convState.shape, [5, 6, 3]);
  assert.deepEqual(createRglruState(4, { width: 7 }).h.shape, [4, 7]);
  m.state.data.fill(1);
  resetSlot(m, mamba2StateSpec({ heads: 2, headDim: 4, dState: 8 }), 1);
  assert.ok(m.state.data.subarray(64, 128).every((v) => v === 0));
  assert.ok(m.state.data.subarray(0, 64).every((v) => v === 1));
});

test('blockLinear flattens leading batch dimensions', () => {
  const rand = rng(11);
  const x = randomTensor(rand, [2, 3, 12]), w = randomTensor(rand, [3, 5, 4]);
  for (const backend of BACKENDS) {
    const y = blockLinear(x, w, { backend });
    assert.deepEqual(y.shape, [2, 3, 15]);
    const flat = blockLinear({ data: x.data, shape: [6, 12] }, w, { backend });
    sameBits(y.data, flat.data, backend);
  }
});
