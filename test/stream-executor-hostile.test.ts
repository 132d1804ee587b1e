/**
 * The native stream executor's async path against hostile callers (docs/ARCHITECTURE.md, "Async
 * ownership"; the kernels' equivalent is test/async-ownership.test.ts): the engine's pools and weights
 * and the caller's features transferred away mid-run, with and without forced garbage collection, and a
 * run on an executor whose borrowed array was detached before it started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadNative } from '../lib/native/addon.js';
import { executorModel, nativeExecutorUnavailable } from '../lib/stream/executor.js';
import { StatePool } from '../lib/stream/state-pool.js';
import { StreamModel } from '../lib/stream/model.js';
import { randomWeights } from '../lib/stream/weights.js';
import { runStreamExecutorHostile } from './helpers/stream-executor-hostile.js';

const skip = nativeExecutorUnavailable();

test('engine pools, weights and features transferred during async runs: same results, nothing detached', { skip }, async () => {
  const r = await runStreamExecutorHostile();
  assert.deepEqual(r.failures, []);
  assert.ok(r.calls >= 30, `${r.calls} calls`);
});

test('the same with forced garbage collection and heap churn after each transfer', { skip, timeout: 120_000 }, () => {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(__dirname, 'helpers', 'stream-executor-hostile.ts')], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { calls: number; failures: string[]; gc: boolean };
  assert.equal(r.gc, true);
  assert.deepEqual(r.failures, []);
  assert.ok(r.calls >= 30);
});

test('a run on an executor whose weight or pool was detached is refused, sync and async', { skip }, async () => {
  const addon = loadNative().addon!;
  const config = { hiddenSize: 32, projSize: 48, towerDepth: 1, numHeads: 4, numFeatures: 11 };
  for (const which of ['pool', 'weight'] as const) {
    const model = new StreamModel(config, randomWeights(config, 1), { consume: true });
    const pool = new StatePool(config, 2);
    // The addon's own entry point, on arrays not marked untransferable (NativeStreamExecutor marks them).
    const { handle } = addon.createStreamExecutor(executorModel(model, pool, 'float32')) as { handle: unknown };
    const plan = () => ({ executor: handle, features: new Float32Array(11), tokens: 1, groups: Int32Array.of(1, 1, 0), slots: Int32Array.of(0), out: new Float32Array(4) });
    addon.streamExecutorRun(plan());
    // The plan's out taken during an async run: the run rejects and writes nothing (it owns its out).
    const p = plan();
    const running = addon.streamExecutorRunAsync(p) as Promise<void>;
    structuredClone(p.out.buffer, { transfer: [p.out.buffer] });
    await assert.rejects(running, /streamExecutorRun: out was detached, transferred or shrunk while the call ran; nothing was written/);
    const victim = which === 'pool' ? Object.values(pool.tensors)[0].data : model.towers[1].up.weight.data;
    structuredClone(victim.buffer, { transfer: [victim.buffer as ArrayBuffer] });
    assert.equal(victim.byteLength, 0);
    const refused = /streamExecutorRun: executor: a weight or state array of the model was detached, transferred or replaced/;
    assert.throws(() => addon.streamExecutorRun(plan()), refused, which);
    await assert.rejects(async () => addon.streamExecutorRunAsync(plan()), refused, which);
  }
});
