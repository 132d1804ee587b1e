/**
 * xLSTM kernels (slstmStep, mlstmStep): golden cases on every backend and ISA; native (every ISA) and CUDA
 * (skipped without a GPU) against the JS reference on random problems, fresh states and saturated gates
 * included; the multi-step contract (one call with T steps equals T single-step calls, bit for bit) on
 * every backend; async variants; device-resident pools on their own CUDA streams.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { backendStatus, isBackendAvailable } from '../lib/backend.js';
import { poolFromDevice, poolToDevice, DeviceStream, releaseDevice } from '../lib/cuda/device.js';
import { mlstmStep, mlstmStepAsync, slstmStep, slstmStepAsync } from '../lib/kernels/xlstm.js';
import { createMlstmState, createSlstmState } from '../lib/kernels/xlstm-pools.js';
import { getNumThreads, setNumThreads } from '../lib/runtime.js';
import { clonePool, compiledBackends, forEachIsa, HAS_NATIVE, JS_BACKEND, randomTensor, rng, sameBits } from './helpers.js';
import { assertClose, assertPoolsEqual, assertSlotsRespected, interleave, problemShape, RUNS, stepOf } from './pool-checks.js';
import { goldenCases } from './state-kernels.js';
import { mlstmProblem, slstmProblem } from './xlstm-cases.js';

goldenCases(join(__dirname, 'fixtures', 'golden'), ['slstm_step', 'mlstm_step']);

test('pool helpers create fresh states of the documented layout', () => {
  const s = createSlstmState(2, { heads: 2, headDim: 3 });
  assert.deepEqual(s.m.shape, [2, 6]);
  assert.ok(s.m.data.every((x) => x === -Infinity) && s.c.data.every((x) => x === 0));
  const m = createMlstmState(2, { heads: 2, keyDim: 3, valueDim: 4 });
  assert.deepEqual([m.C.shape, m.n.shape, m.m.shape], [[2, 2, 3, 4], [2, 2, 3], [2, 2]]);
  assert.ok(m.m.data.every((x) => x === 0));
});

// ---------------------------------------------------------------------------------------------------
for (const compiled of compiledBackends(RUNS)) {
  // Larger heads on CUDA: its kernels tile DH, DK and DV by 32.
  const cuda = compiled.backend === 'cuda';
  test(`slstmStep: ${compiled.backend} matches the JS reference, fresh states (m = -inf) and saturated gates included`, { skip: compiled.skip }, () => {
    fc.assert(fc.property(fc.record({
      ...problemShape, batch: fc.integer({ min: 1, max: 7 }), heads: fc.integer({ min: 1, max: 3 }), headDim: fc.integer({ min: 1, max: cuda ? 70 : 40 }),
      bias: fc.boolean(), wxScale: fc.constantFrom(2, 30, 120),
    }), (p) => {
      const { state, args } = slstmProblem(p);
      const jsState = clonePool(state);
      const want = slstmStep({ ...jsState, ...args, backend: 'js' });
      assert.ok(want.data.every(Number.isFinite), 'reference output finite');
      compiled.forEachVariant((variant) => {
        const st = clonePool(state);
        const got = slstmStep({ ...st, ...args, backend: compiled.backend });
        assert.ok(got.data.every(Number.isFinite), `${variant}: NaN or inf in h`);
        assertClose(`${variant} h`, got.data, want.data);
        for (const k of ['y', 'c', 'n', 'm'] as const) assertClose(`${variant} ${k}`, st[k].data, jsState[k].data);
        assertSlotsRespected(variant, state, st, got.data, args.slots);
      });
    }), { numRuns: compiled.runs });
  });

  test(`mlstmStep: ${compiled.backend} matches the JS reference`, { skip: compiled.skip }, () => {
    fc.assert(fc.property(fc.record({
      ...problemShape, heads: fc.integer({ min: 1, max: 3 }), keyDim: fc.integer({ min: 1, max: cuda ? 70 : 40 }), valueDim: fc.integer({ min: 1, max: cuda ? 80 : 40 }),
    }), (p) => {
      const { state, args } = mlstmProblem(p);
      const jsState = clonePool(state);
      const want = mlstmStep({ ...jsState, ...args, backend: 'js' });
      compiled.forEachVariant((variant) => {
        const st = clonePool(state);
        const got = mlstmStep({ ...st, ...args, backend: compiled.backend });
        assertClose(`${variant} h`, got.data, want.data, 5e-4, 5e-4);
        for (const k of ['C', 'n', 'm'] as const) assertClose(`${variant} ${k}`, st[k].data, jsState[k].data);
        assertSlotsRespected(variant, state, st, got.data, args.slots);
      });
    }), { numRuns: compiled.runs });
  });
}

for (const b of [JS_BACKEND, ...compiledBackends()]) {
  test(`slstmStep and mlstmStep (${b.backend}): one call with T steps equals T single-step calls bit for bit`, { skip: b.skip }, () => {
    const base = { batch: 4, steps: 3, extra: 1, seed: 7, pad: true, timed: true };
    b.forEachVariant((variant) => {
      const s = slstmProblem({ ...base, heads: 2, headDim: 37, bias: true });
      const s1 = clonePool(s.state), sT = clonePool(s.state);
      const sw = slstmStep({ ...sT, ...s.args, backend: b.backend });
      const ss = [0, 1, 2].map((t) => slstmStep({ ...s1, ...s.args, wx: stepOf(s.args.wx, t), backend: b.backend }));
      assert.ok(sameBits(sw.data, interleave(ss)), `${variant} slstm h`);
      assertPoolsEqual(`${variant} slstm`, sT, s1);

      const m = mlstmProblem({ ...base, heads: 2, keyDim: 33, valueDim: 40 });
      const m1 = clonePool(m.state), mT = clonePool(m.state);
      const mw = mlstmStep({ ...mT, ...m.args, backend: b.backend });
      const ms = [0, 1, 2].map((t) => mlstmStep({
        ...m1, ...m.args, q: stepOf(m.args.q, t), k: stepOf(m.args.k, t), v: stepOf(m.args.v, t),
        iPre: stepOf(m.args.iPre, t), fPre: stepOf(m.args.fPre, t), backend: b.backend,
      }));
      assert.ok(sameBits(mw.data, interleave(ms)), `${variant} mlstm h`);
      assertPoolsEqual(`${variant} mlstm`, mT, m1);
    });
  });
}

// The native sLSTM cuts a step into (group of rows, head, range of entries) tasks sized from the L2 and
// the thread count (native/kernels/xlstm.cc); a row's arithmetic must not depend on that cut. A batch
// large enough for two row groups on a 1 MiB L2 (150 rows x 600 floats) and several entry ranges per
// head (600 is not a multiple of their 16-entry rounding), on 1 and 2 threads, against rows run alone.
test('slstmStep (native, every ISA): a row\'s results do not depend on the rows beside it or the thread count', { skip: !HAS_NATIVE && 'native addon not built' }, () => {
  const B = 150, T = 2, W = 600;
  const { state, args } = slstmProblem({ batch: B, steps: T, extra: 3, seed: 21, pad: false, timed: true, heads: 1, headDim: W, bias: true });
  const saved = getNumThreads();
  try {
    forEachIsa((isa) => {
      const runs = [1, 2].map((threads) => {
        setNumThreads(threads);
        const st = clonePool(state);
        return { h: slstmStep({ ...st, ...args, backend: 'native' }).data, st };
      });
      assert.ok(sameBits(runs[0].h, runs[1].h), `${isa}: h on 1 vs 2 threads`);
      assertPoolsEqual(`${isa}: 1 vs 2 threads`, runs[0].st, runs[1].st);
      const active = [...args.slots.keys()].filter((b) => args.slots[b] >= 0);
      for (const b of [active[0], active[active.length >> 1], active[active.length - 1]]) {
        const slot = args.slots[b];
        const st = clonePool(state);
        const wx = { data: args.wx.data.slice(b * T * 4 * W, (b + 1) * T * 4 * W), shape: [1, T, 4, W] };
        const h = slstmStep({ ...st, ...args, wx, slots: Int32Array.of(slot), backend: 'native' }).data;
        assert.ok(sameBits(h, runs[0].h.subarray(b * T * W, (b + 1) * T * W)), `${isa}: row ${b} alone`);
        for (const k of ['y', 'c', 'n', 'm'] as const) {
          assert.ok(sameBits(st[k].data.subarray(slot * W, (slot + 1) * W), runs[0].st[k].data.subarray(slot * W, (slot + 1) * W)), `${isa}: row ${b} ${k}`);
        }
      }
    });
  } finally {
    setNumThreads(saved);
  }
});

test('async variants give the same results as the sync calls', async () => {
  const backend = HAS_NATIVE ? 'native' : 'js';
  const s = slstmProblem({ batch: 3, steps: 2, extra: 0, seed: 4, pad: false, timed: true, heads: 2, headDim: 5, bias: false });
  const sa = clonePool(s.state), sb = clonePool(s.state);
  assert.ok(sameBits((await slstmStepAsync({ ...sa, ...s.args, backend })).data, slstmStep({ ...sb, ...s.args, backend }).data));
  assertPoolsEqual('slstm', sa, sb);
  const m = mlstmProblem({ batch: 2, steps: 2, extra: 1, seed: 5, pad: true, timed: false, heads: 1, keyDim: 6, valueDim: 7 });
  const ma = clonePool(m.state), mb = clonePool(m.state);
  assert.ok(sameBits((await mlstmStepAsync({ ...ma, ...m.args, backend })).data, mlstmStep({ ...mb, ...m.args, backend }).data));
  assertPoolsEqual('mlstm', ma, mb);
});

for (const b of [JS_BACKEND, ...compiledBackends()]) {
  test(`a fresh sLSTM state gives m = pre_i and no NaN (${b.backend})`, { skip: b.skip }, () => {
    b.forEachVariant((variant) => {
      const st = createSlstmState(2, { heads: 1, headDim: 3 });
      const wx = randomTensor(rng(9), [1, 4, 3], -2, 2);
      const R = randomTensor(rng(10), [4, 1, 3, 3]);
      const h = slstmStep({ ...st, wx, R, slots: Int32Array.of(1), backend: b.backend });
      assert.ok(h.data.every(Number.isFinite), variant);
      // y was 0, so pre_i = wx_i; row 0 stays fresh.
      for (let e = 0; e < 3; e++) assert.equal(st.m.data[3 + e], wx.data[e], `${variant} m[${e}]`);
      assert.ok(st.m.data.subarray(0, 3).every((x) => x === -Infinity));
    });
  });
}

test('a device-resident mLSTM pool on its own stream gives the host-pool results', { skip: !isBackendAvailable('cuda') && backendStatus('cuda').reason }, async () => {
  const m = mlstmProblem({ batch: 3, steps: 2, extra: 2, seed: 5, pad: true, timed: true, heads: 2, keyDim: 24, valueDim: 30 });
  const mh = clonePool(m.state), md = clonePool(m.state);
  mlstmStep({ ...mh, ...m.args, backend: 'cuda' });
  poolToDevice(md, { stream: new DeviceStream() });
  await mlstmStepAsync({ ...md, ...m.args, backend: 'cuda' });
  poolFromDevice(md);
  for (const k of ['C', 'n', 'm'] as const) assert.ok(sameBits(md[k].data, mh[k].data), `mlstm ${k}`);
  for (const t of Object.values(md)) releaseDevice(t.data);
});
