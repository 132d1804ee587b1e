/** API rough edges a new user meets first (issue 17): each mistake gets an error that says what to do. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h from '../lib/index.js';

test('tensor() rejects shapes that are not non-negative integers and a missing shape, by name', () => {
  const d = new Float32Array(4);
  assert.throws(() => h.tensor(d, [-2, -2]), { name: 'RangeError', message: /tensor: shape\[0\]: expected a non-negative integer, got -2/ });
  assert.throws(() => h.tensor(d, [2.5, 1.6]), { name: 'RangeError', message: /tensor: shape\[0\]: expected a non-negative integer, got 2.5/ });
  assert.throws(() => (h.tensor as any)(d), { name: 'TypeError', message: /tensor: shape: expected an array of dimensions such as \[4\], got undefined/ });
  assert.throws(() => h.tensor([1, 2] as any, [2]), { name: 'TypeError', message: /tensor: data: expected a typed array, got an Array/ });
  assert.deepEqual(h.tensor(d, [2, 2]).shape, [2, 2]);
  assert.deepEqual(h.tensor(new Float32Array(0), [0, 3]).shape, [0, 3]);
});

test('writeSafetensors accepts the Map that readSafetensors returns (round trip keeps every tensor)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-st-'));
  try {
    const a = join(dir, 'a.safetensors'), b = join(dir, 'b.safetensors');
    h.writeSafetensors(a, { w: h.tensor(new Float32Array([1, 2, 3, 4]), [2, 2]), v: h.tensor(new Int32Array([7]), [1]) }, { note: 'x' });
    const st = h.readSafetensors(a);
    h.writeSafetensors(b, st.tensors, st.metadata);
    const back = h.readSafetensors(b);
    assert.deepEqual([...back.tensors.keys()].sort(), ['v', 'w']);
    assert.deepEqual([...back.tensors.get('w')!.data], [1, 2, 3, 4]);
    assert.deepEqual(back.tensors.get('w')!.shape, [2, 2]);
    assert.deepEqual([...back.tensors.get('v')!.data], [7]);
    assert.equal(back.metadata.note, 'x');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('setIsa names the value it rejects; rmsNorm with a weight where the options go says how to call it', () => {
  if (h.info().backend === 'native') {
    assert.throws(() => h.setIsa('neon' as any), { name: 'RangeError', message: /setIsa: isa: expected one of .*'avx2'.*, got 'neon'$/ });
  }
  const x = h.tensor(new Float32Array(8).fill(1), [2, 4]);
  const w = new Float32Array(4).fill(2);
  assert.throws(() => h.rmsNorm(x, w as any), { name: 'TypeError', message: /rmsNorm\(x, \{ eps: 1e-5, weight \}\).*eps has no default/ });
  assert.throws(() => h.rmsNorm(x, h.tensor(w, [4]) as any), { name: 'TypeError', message: /got a tensor/ });
  assert.deepEqual([...h.rmsNorm(x, { eps: 0, weight: w }).data], new Array(8).fill(2));
});

const cli = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'lib', 'cli.ts'), ...args],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HASHMAC_BACKEND: '' } });

test('score explains itself: where projections/config came from, drop in percentage points, A and E terms', { timeout: 120_000 }, () => {
  const out = cli('score', '--limit', '20');
  assert.match(out, /projections: .*hashed-uniform-k256-t64\.safetensors \(the fixture default\); config: the projection file metadata/);
  assert.match(out, /drop [0-9.]+ percentage points/);
  const m = /score \(delta 0\.15, gamma 0\.5\): ([0-9.]+) = 2AE\/\(A\+E\), accuracy term A = max\(0, 1 - drop\/delta\) = ([0-9.]+), efficiency term E = 2r\^gamma\/\(1 \+ r\^gamma\) = ([0-9.]+)/.exec(out);
  assert.ok(m, out);
  const [S, A, E] = m.slice(1).map(Number);
  assert.ok(Math.abs(S - (A + E > 0 ? (2 * A * E) / (A + E) : 0)) < 1e-3, `${S} vs A ${A}, E ${E}`);
  const k = cli('score', '--limit', '20', '-k', '64');
  assert.match(k, /projections: random, seeded \(--seed 0\).*config: -k 64 -t 128, uniform .*not used with -k/);
});

test('learn --json prints one JSON object with the score after learning', { timeout: 180_000 }, () => {
  const j = JSON.parse(cli('learn', '--json', '--steps', '2', '--rows', '32', '--limit', '20', '--calibration', '32'));
  assert.equal(j.samples, 20);
  assert.equal(j.layers.length, 22);
  assert.ok(j.after.hashedAccuracy >= 0 && j.after.hashedAccuracy <= 1);
  assert.equal(j.scores.length, 2);
  assert.ok(j.scores.every((s: { score: number }) => s.score >= 0 && s.score <= 1));
});

test('the simulator\'s flat names are unambiguous; the old flat names still work, warn once, and differ from stream.*', async () => {
  assert.equal(h.sim.resolveConfig, h.resolveSimConfig);
  assert.equal(h.sim.formatReport, h.formatSimReport);
  assert.equal(h.sim.PRESETS, h.SIM_PRESETS);
  assert.notEqual(h.stream.resolveConfig as unknown, h.resolveSimConfig as unknown);
  assert.ok('small' in h.stream.PRESETS && !('small' in h.SIM_PRESETS));
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => { if (w.code === 'HASHMAC_SIM_NAMES') warnings.push(w.message); };
  process.on('warning', onWarning);
  // The deprecated aliases return what the new names return.
  assert.deepEqual(h.resolveConfig({ seed: 3 }), h.resolveSimConfig({ seed: 3 }));
  h.resolveConfig({});
  const r = h.simulate(h.resnet20Shapes());
  assert.equal(h.formatReport(r), h.formatSimReport(r));
  await new Promise((resolve) => setImmediate(resolve));   // warnings are delivered on a later tick
  process.off('warning', onWarning);
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings[0], /'resolveConfig' is the simulator's; use 'resolveSimConfig'/);
});
