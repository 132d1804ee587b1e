/**
 * Hostile callers of the async kernels (docs/ARCHITECTURE.md, "Async ownership"): buffers transferred
 * away mid-call with and without forced GC, slots rewritten after the call, workers terminated
 * mid-call, and native allocation failure under an address-space limit. The process must survive every
 * case; each call either gives the sync result or rejects cleanly, writing nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { isBackendAvailable } from '../lib/index.js';
import { runHostileAsync } from './helpers/hostile-async.js';

const native = isBackendAvailable('native');
const helper = (name: string) => join(__dirname, 'helpers', name);

test('async calls survive every input, output and pool being transferred mid-call, and slots rewritten after it', { skip: !native && 'no native addon' }, async () => {
  const r = await runHostileAsync();
  assert.deepEqual(r.failures, []);
  assert.ok(r.calls >= 60, `${r.calls} calls`);
});

test('the same with forced garbage collection and heap churn after each transfer', { skip: !native && 'no native addon' }, () => {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', helper('hostile-async.ts')], { encoding: 'utf8' });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { calls: number; failures: string[]; gc: boolean };
  assert.equal(r.gc, true);
  assert.deepEqual(r.failures, []);
  assert.ok(r.calls >= 60);
});

test('terminating a worker during async state-kernel calls leaves the process and its pools intact', { skip: !native && 'no native addon' }, async () => {
  const boot = `
    require('tsx/cjs');
    const h = require(${JSON.stringify(join(__dirname, '..', 'lib', 'index.ts'))});
    const { parentPort } = require('node:worker_threads');
    const S = 64, H = 8, P = 64, N = 64, B = 32;
    const t = (n, shape) => ({ data: new Float32Array(n).fill(0.25), shape });
    for (let i = 0; i < 4; i++) {
      h.selectiveStateUpdateAsync({ state: t(S * H * P * N, [S, H, P, N]), x: t(B * H * P, [B, H, P]), dt: t(B * H, [B, H]), A: t(H, [H]),
        B: t(B * N, [B, 1, N]), C: t(B * N, [B, 1, N]), slots: Int32Array.from({ length: B }, (_, b) => b), backend: 'native' });
      h.mlstmStepAsync({ C: t(S * H * P * P, [S, H, P, P]), n: t(S * H * P, [S, H, P]), m: t(S * H, [S, H]), q: t(B * H * P, [B, H, P]),
        k: t(B * H * P, [B, H, P]), v: t(B * H * P, [B, H, P]), iPre: t(B * H, [B, H]), fPre: t(B * H, [B, H]),
        slots: Int32Array.from({ length: B }, (_, b) => b), backend: 'native' });
    }
    parentPort.postMessage('started');`;
  for (let i = 0; i < 3; i++) {
    const w = new Worker(boot, { eval: true });
    await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
    await w.terminate();
  }
  const r = await runHostileAsync();
  assert.deepEqual(r.failures, []);
});

test('native allocation failure is a RangeError naming the kernel, sync and async, under ulimit -v', { skip: (!native && 'no native addon') || (process.platform === 'win32' && 'no ulimit') }, () => {
  const r = spawnSync('bash', ['-c', `ulimit -v 2500000 && exec "${process.execPath}" "${helper('alloc-limit.cjs')}"`], { encoding: 'utf8' });
  assert.equal(r.status, 0, `the child died: ${r.signal ?? ''} ${r.stderr}`);
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, { type: string; message: string }> & { after: boolean };
  for (const k of ['sync', 'async']) {
    assert.equal(out[k].type, 'RangeError', `${k}: ${out[k].message}`);
    assert.match(out[k].message, /^hashLinear: out of memory/);
  }
  for (const k of ['absurd', 'absurdAsync']) {
    assert.equal(out[k].type, 'RangeError', `${k}: ${out[k].message}`);
    assert.match(out[k].message, /^hashLinear: needs \d+ bytes of scratch memory, more than this machine has/);
  }
  assert.equal(out.after, true);
});
