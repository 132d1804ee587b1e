/** `hashmac stream` commands on their built-in defaults (small preset, generated stream). */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const CLI = join(__dirname, '..', 'lib', 'cli.ts');
const dir = mkdtempSync(join(tmpdir(), 'hashmac-stream-cli-'));
after(() => rmSync(dir, { recursive: true }));
const hashmac = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', CLI, 'stream', ...args], { encoding: 'utf8', timeout: 60_000 });

test('stream generate → eval: report, predictions, saved state and weights', () => {
  const streamFile = join(dir, 's.csv');
  assert.match(hashmac('generate', '-o', streamFile, '--requests', '40', '--symbols', '5'), /wrote 40 requests/);
  const preds = join(dir, 'p.ndjson');
  const out = hashmac('eval', '-s', streamFile, '--batch-size', '8', '--json', '-o', preds, '--save-state', join(dir, 'st.safetensors'), '--save-weights', join(dir, 'w.safetensors'));
  const report = JSON.parse(out);
  assert.equal(report.responses, 40);
  assert.equal(report.responseRate, 1);
  assert.ok(report.latencyMs.p99 >= report.latencyMs.p50);
  assert.ok(report.stateBytesPerRequest > 0);
  const lines = readFileSync(preds, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 40);
  assert.equal(lines[0].predictions.length, 4);
  assert.ok(existsSync(join(dir, 'st.safetensors')) && existsSync(join(dir, 'w.safetensors')));
  // The saved weights reproduce the run, one request at a time, against the first run's predictions.
  const again = JSON.parse(hashmac('eval', '-s', streamFile, '-w', join(dir, 'w.safetensors'), '--batch-size', '1', '-r', preds, '--json'));
  for (const e of again.vsReference) assert.ok(e.max <= 2e-5, JSON.stringify(again.vsReference));
});
