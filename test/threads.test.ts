/**
 * Thread safety of the addon: it loads in several worker_threads and the main thread at once, each with
 * its own ISA and thread count, runs kernels concurrently (sync and async) with exact results, unloads
 * when the workers exit and loads again; async calls keep their inputs alive through forced GC; and
 * repeated calls leave RSS and external memory flat.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { isBackendAvailable } from '../lib/backend.js';
import { getIsa, getNumThreads, supportedIsas, type Isa } from '../lib/runtime.js';
import { exercise, type WorkerReport } from './helpers/kernel-worker.js';

const native = isBackendAvailable('native');
const helper = (name: string) => join(__dirname, 'helpers', name);

function runWorker(isa: Isa, threads: number, seed: number): Promise<{ report: WorkerReport; exitCode: number }> {
  return new Promise((resolve, reject) => {
    // A CommonJS bootstrap registers tsx in the worker, then loads the TypeScript helper.
    const boot = `require('tsx/cjs'); require(${JSON.stringify(helper('kernel-worker.ts'))});`;
    const w = new Worker(boot, { eval: true, workerData: { isa, threads, rounds: 6, seed } });
    let report: WorkerReport | undefined;
    w.on('message', (m: WorkerReport) => (report = m));
    w.on('error', reject);
    w.on('exit', (exitCode) => (report ? resolve({ report, exitCode }) : reject(new Error(`worker exited (${exitCode}) without a report`))));
  });
}

test('workers and the main thread run kernels concurrently with per-environment settings, then unload and reload', { skip: !native && 'no native addon' }, async () => {
  const isas = supportedIsas();
  const mainIsa = getIsa(), mainThreads = getNumThreads();
  for (let generation = 0; generation < 2; generation++) {
    const workers = [0, 1, 2].map((i) => runWorker(isas[i % isas.length], 1 + i, 10 * generation + i));
    const own = exercise(mainIsa, mainThreads, 4, 99);
    const [mine, ...theirs] = await Promise.all([own, ...workers]);
    assert.equal(mine.mismatches, 0);
    theirs.forEach(({ report, exitCode }, i) => {
      assert.equal(exitCode, 0);
      assert.equal(report.mismatches, 0, `worker ${i}`);
      assert.equal(report.isa, isas[i % isas.length], `worker ${i} kept its own ISA`);
      assert.equal(report.threads, 1 + i, `worker ${i} kept its own thread count`);
    });
    assert.equal(getIsa(), mainIsa, 'workers do not change the main thread ISA');
    assert.equal(getNumThreads(), mainThreads);
  }
});

test('async calls keep their inputs alive through forced GC', { skip: !native && 'no native addon' }, () => {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', helper('gc-async.ts')], { encoding: 'utf8' });
  assert.equal(JSON.parse(out.trim().split('\n').pop()!).ok, true);
});

test('repeated sync and async calls of every kernel leave RSS and external memory flat', { skip: !native && 'no native addon' }, () => {
  const out = execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', '--import', 'tsx', helper('leak-loop.ts'), '3000'], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { rssSecondHalf: number; externalDelta: number; calls: number };
  // A leaked typed array per call would show in external memory at once; a native leak of a few hundred
  // bytes per call keeps RSS growing after warm-up (the ~9 000 calls of the second half: several MB).
  assert.ok(r.externalDelta < 1 << 20, `external memory grew by ${r.externalDelta} bytes`);
  assert.ok(r.rssSecondHalf < 4 << 20, `RSS grew by ${r.rssSecondHalf} bytes in the second half`);
});

test('terminating a worker in the middle of its async calls neither crashes nor disturbs the process', { skip: !native && 'no native addon' }, async () => {
  const boot = `
    require('tsx/cjs');
    const h = require(${JSON.stringify(join(__dirname, '..', 'lib', 'index.ts'))});
    const { parentPort } = require('node:worker_threads');
    const c = h.packedBits(2048, 1024);
    c.data.fill(0x3c);
    for (let i = 0; i < 4; i++) h.hammingGemmAsync(c, c, { backend: 'native' });
    parentPort.postMessage('started');`;
  for (let i = 0; i < 3; i++) {
    const w = new Worker(boot, { eval: true });
    await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    await w.terminate();
  }
  const { exercise: again } = await import('./helpers/kernel-worker.js');
  assert.equal((await again(getIsa(), getNumThreads(), 2, 5)).mismatches, 0);
});
