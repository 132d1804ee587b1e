/**
 * RetNet kernels (rotary, retentionStep): golden cases on every backend and ISA; native (every ISA) and
 * CUDA (skipped without a GPU) against the JS reference on random problems; the multi-step contract (one
 * call with T steps equals T single-step calls, bit for bit) on every backend; async variants; a
 * device-resident pool on its own CUDA stream.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { backendStatus, isBackendAvailable } from '../lib/backend.js';
import { poolFromDevice, poolToDevice, DeviceStream, releaseDevice } from '../lib/cuda/device.js';
import { retentionStep, retentionStepAsync, retnetAngle, rotary, rotaryAsync } from '../lib/kernels/retnet.js';
import { createRetentionState } from '../lib/kernels/retnet-pools.js';
import { readSafetensors } from '../lib/safetensors.js';
import { clonePool, compiledBackends, HAS_NATIVE, JS_BACKEND, randomTensor, rng, sameBits } from './helpers.js';
import { assertClose, assertPoolsEqual, assertSlotsRespected, interleave, problemShape, RUNS, stepOf } from './pool-checks.js';
import { retentionProblem } from './retnet-cases.js';
import { goldenCases } from './state-kernels.js';

const GOLDEN = join(__dirname, 'fixtures', 'golden');

goldenCases(GOLDEN, ['rotary', 'retention_step']);

test('retnetAngle is torchscale\'s angle: 1/10000^linspace(0,1,Dh/2), each value twice', () => {
  const a = retnetAngle(8);
  const golden = readSafetensors(join(GOLDEN, 'rotary.small.safetensors')).tensors.get('in.angle')!;
  assert.ok(sameBits(a, golden.data as Float32Array), `${a} != golden ${golden.data}`);
  assert.equal(a[0], 1);
  assertClose('angle[7]', [a[7]], [1e-4], 0, 1e-7);
  assert.throws(() => retnetAngle(7), RangeError);
});

test('the pool helper creates a fresh retention state of the documented layout', () => {
  const r = createRetentionState(3, { heads: 2, keyDim: 4, valueDim: 5 });
  assert.deepEqual(r.S.shape, [3, 2, 4, 5]);
  assert.deepEqual(r.scales.shape, [3, 2]);
  assert.ok(r.offsets.data instanceof Int32Array && r.offsets.data.length === 3);
});

// ---------------------------------------------------------------------------------------------------
for (const compiled of compiledBackends(RUNS)) {
  // The CUDA kernel splits Dk over 8 warps and Dv into 32-column blocks: larger sizes cross both.
  const cuda = compiled.backend === 'cuda';
  test(`retentionStep: ${compiled.backend} matches the JS reference; untouched rows keep their bits`, { skip: compiled.skip }, () => {
    fc.assert(fc.property(fc.record({
      ...problemShape, heads: fc.integer({ min: 1, max: 3 }), halfKeyDim: fc.integer({ min: 1, max: cuda ? 70 : 20 }),
      valueDim: fc.integer({ min: 1, max: cuda ? 80 : 40 }), rotate: fc.boolean(),
    }), (p) => {
      const { state, args } = retentionProblem(p);
      const jsState = clonePool(state);
      const want = retentionStep({ ...jsState, ...args, backend: 'js' });
      compiled.forEachVariant((variant) => {
        const st = clonePool(state);
        const got = retentionStep({ ...st, ...args, backend: compiled.backend });
        assert.deepEqual(got.shape, want.shape);
        assertClose(`${variant} o`, got.data, want.data);
        assertClose(`${variant} S`, st.S.data, jsState.S.data);
        assertClose(`${variant} scales`, st.scales.data, jsState.scales.data);
        assert.deepEqual(st.offsets.data, jsState.offsets.data, `${variant} offsets`);
        assertSlotsRespected(variant, state, st, got.data, args.slots);
      });
    }), { numRuns: compiled.runs });
  });

  test(`rotary: ${compiled.backend} matches the JS reference, large positions included`, { skip: compiled.skip }, () => {
    fc.assert(fc.property(fc.record({
      rows: fc.integer({ min: 1, max: 6 }), heads: fc.integer({ min: 1, max: 3 }), halfHeadDim: fc.integer({ min: 1, max: cuda ? 70 : 40 }), seed: fc.integer(),
      timed: fc.boolean(),
    }), (p) => {
      const next = rng(p.seed);
      const Dh = 2 * p.halfHeadDim;
      const lead = p.timed ? [1, p.rows] : [p.rows];
      const x = randomTensor(next, [...lead, p.heads, Dh]);
      const positions = { data: Int32Array.from({ length: p.rows }, () => Math.floor((next() - 0.5) * 2 ** 32)), shape: lead };
      const angle = retnetAngle(Dh);
      const want = rotary({ x, positions, angle, backend: 'js' });
      compiled.forEachVariant((variant) => assertClose(`${variant} y`, rotary({ x, positions, angle, backend: compiled.backend }).data, want.data, 1e-5, 1e-5));
    }), { numRuns: compiled.runs });
  });
}

for (const b of [JS_BACKEND, ...compiledBackends()]) {
  test(`retentionStep (${b.backend}): one call with T steps equals T single-step calls bit for bit`, { skip: b.skip }, () => {
    b.forEachVariant((variant) => {
      const r = retentionProblem({ batch: 4, steps: 3, extra: 1, seed: 11, pad: true, timed: true, heads: 2, halfKeyDim: 40, valueDim: 45, rotate: true });
      const r1 = clonePool(r.state), rT = clonePool(r.state);
      const whole = retentionStep({ ...rT, ...r.args, backend: b.backend });
      const steps = [0, 1, 2].map((t) => retentionStep({
        ...r1, ...r.args, q: stepOf(r.args.q, t), k: stepOf(r.args.k, t), v: stepOf(r.args.v, t), backend: b.backend,
      }));
      assert.ok(sameBits(whole.data, interleave(steps)), `${variant} o`);
      assertPoolsEqual(variant, rT, r1);
    });
  });
}

test('async variants give the same results as the sync calls', async () => {
  const backend = HAS_NATIVE ? 'native' : 'js';
  const r = retentionProblem({ batch: 3, steps: 2, extra: 1, seed: 3, pad: true, timed: true, heads: 2, halfKeyDim: 4, valueDim: 9, rotate: true });
  const a = clonePool(r.state), b = clonePool(r.state);
  assert.ok(sameBits((await retentionStepAsync({ ...a, ...r.args, backend })).data, retentionStep({ ...b, ...r.args, backend }).data));
  assertPoolsEqual('retention', a, b);
  const x = randomTensor(rng(1), [2, 3, 8]);
  const positions = { data: Int32Array.of(5, 100000), shape: [2] };
  assert.ok(sameBits((await rotaryAsync({ x, positions, angle: retnetAngle(8), backend })).data, rotary({ x, positions, angle: retnetAngle(8), backend }).data));
});

test('a device-resident pool on its own stream gives the host-pool results, async too', { skip: !isBackendAvailable('cuda') && backendStatus('cuda').reason }, async () => {
  const r = retentionProblem({ batch: 3, steps: 2, extra: 2, seed: 5, pad: true, timed: true, heads: 2, halfKeyDim: 16, valueDim: 50, rotate: true });
  const host = clonePool(r.state), dev = clonePool(r.state);
  const want = retentionStep({ ...host, ...r.args, backend: 'cuda' });
  poolToDevice(dev, { stream: new DeviceStream() });
  const got = await retentionStepAsync({ ...dev, ...r.args, backend: 'cuda' });
  poolFromDevice(dev);
  assert.ok(sameBits(got.data, want.data));
  for (const k of ['S', 'scales', 'offsets'] as const) assert.ok(sameBits(dev[k].data, host[k].data), k);
  for (const t of Object.values(dev)) releaseDevice(t.data);
});
