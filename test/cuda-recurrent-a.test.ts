/**
 * recurrent-a kernels (selectiveStateUpdate, causalConv1dUpdate, rglruStep, blockLinear) on the CUDA
 * backend against the JS reference, on the same random cases as the native tests (tails, T > 1,
 * padding, every optional input); rows not named by a slot keep their bits; device-resident pools on
 * their own streams give the host-pool results. Skips without a GPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backendStatus, isBackendAvailable, type BackendName } from '../lib/backend.js';
import { fromDevice, releaseDevice, toDevice, DeviceStream } from '../lib/cuda/device.js';
import { blockLinear, causalConv1dUpdate, rglruStep, selectiveStateUpdate, selectiveStateUpdateAsync } from '../lib/kernels/recurrent-a.js';
import type { Tensor } from '../lib/tensor.js';
import { blockLinearCase, blockLinearShape, closeTo, convCase, convShape, rglruCase, rglruShape, ssuCase, ssuShape, type Case } from './recurrent-a-cases.js';

const gpu = { skip: !isBackendAvailable('cuda') && backendStatus('cuda').reason };
const RUNS = 30;

interface StateKernel {
  name: string;
  run(args: any, backend: BackendName): Tensor;
  pool(args: any): Tensor;
}

const kernels: Array<[StateKernel, fc.Arbitrary<any>, (s: any) => Case<any>]> = [
  [{ name: 'selectiveStateUpdate', run: (a, backend) => selectiveStateUpdate({ ...a, backend }), pool: (a) => a.state }, ssuShape, ssuCase],
  [{ name: 'causalConv1dUpdate', run: (a, backend) => causalConv1dUpdate({ ...a, backend }), pool: (a) => a.convState }, convShape, convCase],
  [{ name: 'rglruStep', run: (a, backend) => rglruStep({ ...a, backend }), pool: (a) => a.h }, rglruShape, rglruCase],
];

for (const [k, shape, build] of kernels) {
  test(`${k.name} on cuda matches the JS reference (random shapes, tails, T > 1, padding)`, gpu, () => {
    fc.assert(fc.property(shape, (s) => {
      const c = build(s);
      const ref = c.make();
      const want = k.run(ref, 'js');
      const args = c.make();
      const pool = k.pool(args), before = pool.data.slice();
      const got = k.run(args, 'cuda');
      assert.deepEqual(got.shape, want.shape);
      assert.equal(closeTo(got.data, want.data), undefined, 'output');
      assert.equal(closeTo(pool.data, k.pool(ref).data), undefined, 'state');
      const rowSize = pool.data.length / pool.shape[0];
      for (let r = 0; r < pool.shape[0]; r++) {
        if (c.touched.has(r)) continue;
        for (let i = r * rowSize; i < (r + 1) * rowSize; i++) assert.ok(Object.is(pool.data[i], before[i]), `unused pool row ${r} changed`);
      }
      const batch = got.shape[0], perRow = got.data.length / batch;
      args.slots.forEach((slot: number, b: number) => {
        if (slot < 0) assert.ok(got.data.subarray(b * perRow, (b + 1) * perRow).every((v) => v === 0), `padding row ${b}`);
      });
    }), { numRuns: RUNS });
  });
}

test('blockLinear on cuda matches the JS reference', gpu, () => {
  fc.assert(fc.property(blockLinearShape, (s) => {
    const { x, weight, opts } = blockLinearCase(s);
    const want = blockLinear(x, weight, { ...opts, backend: 'js' });
    const got = blockLinear(x, weight, { ...opts, backend: 'cuda' });
    assert.deepEqual(got.shape, want.shape);
    assert.equal(closeTo(got.data, want.data), undefined);
  }), { numRuns: RUNS });
});

test('a device-resident Mamba2 state on its own stream gives the host-state results, sync and async', gpu, async () => {
  const c = ssuCase({
    batch: 3, extraPool: 2, steps: 3, timeAxis: true, groups: 2, headsPerGroup: 2, headDim: 9, dState: 130, dtPerDim: false,
    aFull: false, D: 1, z: true, dtBias: 1, dtSoftplus: true, padding: true, seed: 42,
  });
  const host = c.make();
  const want = selectiveStateUpdate({ ...host, backend: 'cuda' });
  const dev = c.make();
  toDevice(dev.state.data, { stream: new DeviceStream() });
  const got = await selectiveStateUpdateAsync({ ...dev, backend: 'cuda' });
  fromDevice(dev.state.data);
  releaseDevice(dev.state.data);
  assert.ok(got.data.every((v, i) => Object.is(v, want.data[i])), 'output');
  assert.ok(dev.state.data.every((v, i) => Object.is(v, host.state.data[i])), 'state');
});
