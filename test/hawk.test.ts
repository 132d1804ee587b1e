/**
 * Hawk kernels (rglruStep, blockLinear): golden cases on every backend and ISA, native (every ISA) and
 * CUDA (skipped without a GPU) against the JS reference on random cases, T steps in one call against T single-step calls, async variants,
 * caller-provided outputs and the pool helper.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { blockLinear, blockLinearAsync, rglruStep, rglruStepAsync } from '../lib/kernels/hawk.js';
import { createRglruState, rglruStateSpec } from '../lib/kernels/hawk-pools.js';
import { resetSlot } from '../lib/pool.js';
import { blockLinearCase, blockLinearShape, rglruCase, rglruShape } from './hawk-cases.js';
import { compiledBackends, randomTensor, rng } from './helpers.js';
import { BACKENDS, closeTo, differential, goldenCases, multiStep, RUNS, sameBits, type StateKernel } from './state-kernels.js';

goldenCases(join(__dirname, 'fixtures', 'golden'), ['rglru_step', 'block_linear']);

const rglruKernel: StateKernel<any> = {
  name: 'rglruStep', run: (a, backend) => rglruStep({ ...a, backend }), pool: (a) => a.h, stepInputs: ['x', 'gateX', 'gateA', 'reset'],
};

differential(rglruKernel, rglruShape, rglruCase);
multiStep(rglruKernel, rglruShape, rglruCase);

for (const compiled of compiledBackends(RUNS)) {
  test(`blockLinear: ${compiled.backend} matches the JS reference`, { skip: compiled.skip }, () => {
    fc.assert(fc.property(blockLinearShape, (s) => {
      const { x, weight, opts } = blockLinearCase(s);
      const ref = blockLinear(x, weight, { ...opts, backend: 'js' });
      assert.deepEqual(ref.shape, [...x.shape.slice(0, -1), s.blocks * s.blockOut]);
      compiled.forEachVariant((variant) => {
        const y = blockLinear(x, weight, { ...opts, backend: compiled.backend });
        assert.deepEqual(y.shape, ref.shape);
        assert.equal(closeTo(y.data, ref.data), undefined, variant);
      });
    }), { numRuns: compiled.runs });
  });
}

// ---------------------------------------------------------------------------------------------------
test('async variants give the sync results', async () => {
  const rand = rng(7);
  for (const backend of BACKENDS) {
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

test('the pool helper makes a zeroed pool named like the kernel argument', () => {
  const p = createRglruState(4, { width: 7 });
  assert.deepEqual(p.h.shape, [4, 7]);
  assert.ok(p.h.data.every((v) => v === 0));
  p.h.data.fill(1);
  resetSlot(p, rglruStateSpec({ width: 7 }), 2);
  assert.ok(p.h.data.subarray(14, 21).every((v) => v === 0) && p.h.data.subarray(0, 14).every((v) => v === 1));
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
