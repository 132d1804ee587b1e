/**
 * The native model executor (one addon call per batch) against the JS composition it replaces (the
 * oracle): equal to <= 1e-6 relative on every ISA and several thread counts, with symbols that repeat
 * inside a batch, mixed request counts, padding rows, eviction, save/restore mid-stream and the async
 * path; bfloat16 weights stay close to float32; bad models and plans are rejected by name.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { getIsa, getNumThreads, setIsa, setNumThreads, supportedIsas } from '../lib/runtime.js';
import type { StreamModelConfig } from '../lib/stream/config.js';
import { StreamEngine, type StreamRequest } from '../lib/stream/engine.js';
import { executorModel, NativeStreamExecutor, nativeExecutorUnavailable } from '../lib/stream/executor.js';
import { generateStream } from '../lib/stream/generate.js';
import { loadNative } from '../lib/native/addon.js';
import { StatePool } from '../lib/stream/state-pool.js';
import { StreamModel } from '../lib/stream/model.js';
import { randomWeights } from '../lib/stream/weights.js';

const skip = nativeExecutorUnavailable();
const dir = mkdtempSync(join(tmpdir(), 'hashmac-stream-executor-'));
after(() => rmSync(dir, { recursive: true }));

/** Every layer kind at toy width; heads 4 and 8 give both sLSTM/mLSTM/RetNet head layouts. */
const CONFIGS: StreamModelConfig[] = [
  { hiddenSize: 32, projSize: 48, towerDepth: 2, numHeads: 4, numFeatures: 11 },
  { hiddenSize: 64, projSize: 96, towerDepth: 1, numHeads: 8, numFeatures: 7 },
];

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    const tol = 1e-6 * Math.max(Math.abs(b[i]), 1e-3);
    assert.ok(a[i] === b[i] || Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: native ${a[i]} vs js ${b[i]}`);
  }
}

/** Batches with repeated symbols (several requests of one symbol in a batch) and varying sizes. */
function batches(config: StreamModelConfig, seed: number, symbols: number): Map<string, StreamRequest[]>[] {
  const recs = generateStream({ requests: 60, symbols, features: config.numFeatures, seed });
  const sizes = [1, 7, 3, 16, 2, 31];
  const out: Map<string, StreamRequest[]>[] = [];
  let at = 0;
  for (let i = 0; at < recs.length; i++) {
    const by = new Map<string, StreamRequest[]>();
    for (const r of recs.slice(at, at + sizes[i % sizes.length])) {
      const list = by.get(r.symbol) ?? [];
      list.push({ id: r.id, symbol: r.symbol, features: r.features });
      by.set(r.symbol, list);
    }
    at += sizes[i % sizes.length];
    out.push(by);
  }
  return out;
}

function engines(config: StreamModelConfig, capacity: number) {
  const opts = { config, capacity, seed: 5, backend: 'native' as const };
  return { native: new StreamEngine({ ...opts, executor: 'native' }), js: new StreamEngine({ ...opts, executor: 'js' }) };
}

test('native executor equals the JS composition on every ISA and thread count', { skip }, () => {
  const isa0 = getIsa(), threads0 = getNumThreads();
  try {
    for (const isa of supportedIsas()) {
      for (const threads of [1, 2, 3]) {
        setIsa(isa);
        setNumThreads(threads);
        CONFIGS.forEach((config, ci) => {
          // capacity 5 < symbols 8: eviction happens, and big batches run in pool-sized chunks.
          const { native, js } = engines(config, 5);
          assert.equal(native.path, 'native');
          assert.equal(js.path, 'js');
          for (const [bi, batch] of batches(config, 11 + ci, 8).entries()) {
            const a = native.processBatch(batch), b = js.processBatch(batch);
            assert.deepEqual(a.ids, b.ids);
            assertClose(a.predictions.flat(), b.predictions.flat(), `${isa} x${threads} config ${ci} batch ${bi}`);
          }
          assertClose(native.pool.tensors['towers.0.blocks.0.mlstm.C'].data, js.pool.tensors['towers.0.blocks.0.mlstm.C'].data, 'final xLSTM state');
        });
      }
    }
  } finally {
    setIsa(isa0);
    setNumThreads(threads0);
  }
});

test('native executor: save/restore mid-stream and per-symbol state give the same continuation', { skip }, () => {
  const config = CONFIGS[0];
  const { native, js } = engines(config, 8);
  const bs = batches(config, 3, 6);
  for (const b of bs.slice(0, 3)) {
    native.processBatch(b);
    js.processBatch(b);
  }
  const file = join(dir, 'pool.safetensors');
  native.saveState(file);
  const restored = new StreamEngine({ config, capacity: 8, seed: 5, backend: 'native', executor: 'native' });
  restored.loadState(file);
  const sym = join(dir, 'sym.safetensors');
  const first = [...bs[3].keys()][0];
  js.saveSymbol(sym, first);
  for (const b of bs.slice(3)) {
    const want = js.processBatch(b);
    assertClose(native.processBatch(b).predictions.flat(), want.predictions.flat(), 'continued');
    assertClose(restored.processBatch(b).predictions.flat(), want.predictions.flat(), 'restored');
  }
  // A symbol's state loaded under a new name continues like the original did at that point.
  const fresh = engines(config, 8);
  fresh.native.loadSymbol(sym, first);
  fresh.js.loadSymbol(sym, first);
  const batch = bs[3];
  assertClose(fresh.native.processBatch(batch).predictions.flat(), fresh.js.processBatch(batch).predictions.flat(), 'loaded symbol');
});

test('native executor: padding rows (negative slots) output zeros and leave every state untouched', { skip }, () => {
  const config = CONFIGS[0];
  const model = new StreamModel(config, randomWeights(config, 2));
  const poolA = new StatePool(config, 4), poolB = new StatePool(config, 4);
  const exec = new NativeStreamExecutor(model, poolA);
  const F = config.numFeatures;
  const features = Float32Array.from({ length: 7 * F }, (_, i) => Math.sin(i));
  // group 0: 2 symbols x 2 steps (slot 1 and padding); group 1: 3 symbols x 1 step (slots 3, -1, 0)
  const ctx = {
    tokens: 7,
    groups: [
      { B: 2, T: 2, slots: Int32Array.from([1, -1]), row0: 0 },
      { B: 3, T: 1, slots: Int32Array.from([3, -1, 0]), row0: 4 },
    ],
  };
  for (let rep = 0; rep < 2; rep++) {
    const a = exec.forward(features, ctx);
    const b = model.forward(poolB, features, { ...ctx, backend: 'native' });
    assertClose(a, b, `padding rep ${rep}`);
    for (const name of Object.keys(poolA.tensors)) assertClose(poolA.tensors[name].data, poolB.tensors[name].data, name);
  }
  const untouched = new StatePool(config, 4);
  for (const name of Object.keys(poolA.tensors)) {
    const n = poolA.tensors[name].data.length / 4;
    assert.deepEqual(poolA.tensors[name].data.subarray(2 * n, 3 * n), untouched.tensors[name].data.subarray(2 * n, 3 * n), `${name}: slot 2 untouched`);
  }
});

test('native executor: processBatchAsync matches processBatch; one batch at a time', { skip }, async () => {
  const config = CONFIGS[1];
  const { native, js } = engines(config, 6);
  for (const b of batches(config, 9, 5)) {
    const p = native.processBatchAsync(b);
    assert.throws(() => native.processBatch(b), /async batch is still running/);
    const got = await p;
    assertClose(got.predictions.flat(), js.processBatch(b).predictions.flat(), 'async');
  }
  assert.ok(native.stats.computeSeconds > 0);
});

test('bfloat16 weights: close to float32 on every ISA (about 3 significant digits), not equal', { skip }, () => {
  const config = CONFIGS[0];
  const isa0 = getIsa();
  try {
    for (const isa of supportedIsas()) {
      setIsa(isa);
      const f32 = new StreamEngine({ config, capacity: 8, seed: 1, backend: 'native' });
      const bf16 = new StreamEngine({ config, capacity: 8, seed: 1, backend: 'native', precision: 'bfloat16' });
      assert.equal(bf16.nativeExecutor!.weightBytes * 2, f32.nativeExecutor!.weightBytes);
      let worst = 0, scale = 0, differs = false;
      for (const b of batches(config, 4, 6)) {
        const a = bf16.processBatch(b).predictions.flat(), w = f32.processBatch(b).predictions.flat();
        a.forEach((v, i) => {
          worst = Math.max(worst, Math.abs(v - w[i]));
          scale = Math.max(scale, Math.abs(w[i]));
          differs ||= v !== w[i];
        });
      }
      assert.ok(differs, `${isa}: bfloat16 storage changes the numbers`);
      assert.ok(worst <= 0.05 * scale, `${isa}: bfloat16 error ${worst} vs output scale ${scale}`);
    }
  } finally {
    setIsa(isa0);
  }
});

test('native executor: bad models and plans are rejected naming the field', { skip }, () => {
  const addon = loadNative().addon!;
  const config = CONFIGS[0];
  const model = new StreamModel(config, randomWeights(config, 2));
  const pool = new StatePool(config, 2);
  const good = executorModel(model, pool, 'float32') as any;
  const broken = structuredClone(good);
  broken.towers[1].blocks[0].layer.inProj = new Float32Array(3);
  assert.throws(() => addon.createStreamExecutor(broken), /towers\[1\]\.blocks\[0\]\.layer\.inProj: expected \d+ elements, got 3/);
  const noState = structuredClone(good);
  delete noState.towers[3].blocks[1].state.h;
  assert.throws(() => addon.createStreamExecutor(noState), /towers\[3\]\.blocks\[1\]\.state\.h: expected a Float32Array/);
  assert.throws(() => addon.createStreamExecutor({ ...good, precision: 'fp8' }), /precision: expected 'float32' or 'bfloat16'/);
  assert.throws(() => addon.createStreamExecutor({ ...good, towers: [...good.towers].reverse() }), /towers\[0\]\.kind: expected 'xlstm'/);
  const { handle } = addon.createStreamExecutor(good);
  const F = config.numFeatures;
  const plan = (o: object) => ({ executor: handle, features: new Float32Array(2 * F), tokens: 2, groups: Int32Array.from([2, 1, 0]), slots: Int32Array.from([0, 1]), out: new Float32Array(8), ...o });
  addon.streamExecutorRun(plan({}));
  assert.throws(() => addon.streamExecutorRun(plan({ slots: Int32Array.from([1, 1]) })), /slots\[1\] = 1 appears twice/);
  assert.throws(() => addon.streamExecutorRun(plan({ slots: Int32Array.from([0, 2]) })), /slots\[1\] = 2 is outside the pool/);
  assert.throws(() => addon.streamExecutorRun(plan({ groups: Int32Array.from([1, 1, 0]) })), /groups: cover 1 token rows, tokens is 2/);
  assert.throws(() => addon.streamExecutorRun(plan({ groups: Int32Array.from([1, 1, 1, 1, 1, 0]) })), /groups: group 0/);
  assert.throws(() => addon.streamExecutorRun(plan({ out: new Float32Array(7) })), /out: expected 8 elements/);
  assert.throws(() => addon.streamExecutorRun(plan({ features: new Float64Array(2 * F) })), /features: expected a Float32Array/);
  assert.throws(() => addon.streamExecutorRun(plan({ executor: {} })), /executor: expected a handle/);
  assert.throws(() => new StreamEngine({ config, executor: 'js', precision: 'bfloat16' }), /needs the native executor/);
});
