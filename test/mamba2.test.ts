/**
 * Mamba2 kernels (selectiveStateUpdate, causalConv1dUpdate): golden cases on every backend and ISA,
 * native (every ISA) and CUDA against the JS reference on random cases, T steps in one call against T single-step calls,
 * async variants, pool helpers, and a device-resident state on its own CUDA stream (skips without a GPU).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { backendStatus, isBackendAvailable } from '../lib/backend.js';
import { fromDevice, releaseDevice, toDevice, DeviceStream } from '../lib/cuda/device.js';
import { causalConv1dUpdate, causalConv1dUpdateAsync, selectiveStateUpdate, selectiveStateUpdateAsync } from '../lib/kernels/mamba2.js';
import { createConvState, createMamba2State, mamba2StateSpec } from '../lib/kernels/mamba2-pools.js';
import { resetSlot } from '../lib/pool.js';
import { convCase, convShape, ssuCase, ssuShape } from './mamba2-cases.js';
import { randomTensor, rng } from './helpers.js';
import { BACKENDS, differential, goldenCases, multiStep, sameBits, type StateKernel } from './state-kernels.js';

goldenCases(join(__dirname, 'fixtures', 'golden'), ['selective_state_update', 'causal_conv1d_update']);

const ssuKernel: StateKernel<any> = {
  name: 'selectiveStateUpdate', run: (a, backend) => selectiveStateUpdate({ ...a, backend }), pool: (a) => a.state,
  stepInputs: ['x', 'dt', 'B', 'C', 'z'],
};
const convKernel: StateKernel<any> = {
  name: 'causalConv1dUpdate', run: (a, backend) => causalConv1dUpdate({ ...a, backend }), pool: (a) => a.convState,
  stepInputs: ['x'],
};

differential(ssuKernel, ssuShape, ssuCase);
differential(convKernel, convShape, convCase);
multiStep(ssuKernel, ssuShape, ssuCase);
multiStep(convKernel, convShape, convCase);

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
  }
});

test('pool helpers make zeroed pools named like the kernel arguments', () => {
  const m = createMamba2State(3, { heads: 2, headDim: 4, dState: 8 });
  assert.deepEqual(m.state.shape, [3, 2, 4, 8]);
  assert.ok(m.state.data.every((v) => v === 0));
  assert.deepEqual(createConvState(5, { channels: 6, length: 3 }).convState.shape, [5, 6, 3]);
  m.state.data.fill(1);
  resetSlot(m, mamba2StateSpec({ heads: 2, headDim: 4, dState: 8 }), 1);
  assert.ok(m.state.data.subarray(64, 128).every((v) => v === 0));
  assert.ok(m.state.data.subarray(0, 64).every((v) => v === 1));
});

test('a device-resident Mamba2 state on its own stream gives the host-state results, sync and async', { skip: !isBackendAvailable('cuda') && backendStatus('cuda').reason }, async () => {
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
