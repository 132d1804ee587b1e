/** `hashmac score` on the digits fixture: JSON report, and a saved hashed model scores the same. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(__dirname, '..', 'lib', 'cli.ts');
const run = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8' });

test('hashmac score: defaults to the digits ResNet-20 with the k256/t64 projections; --save round-trips', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-score-'));
  try {
    const saved = join(dir, 'hashed.safetensors');
    const r = JSON.parse(run('score', '--limit', '32', '--json', '--save', saved));
    assert.equal(r.arch, 'resnet20');
    assert.equal(r.samples, 32);
    assert.equal(r.hdops, 2937344);
    assert.equal(r.flops, 541216);
    assert.equal(r.layers.length, 22);
    assert.deepEqual(r.layers[0].config, { hash_kernel_type: 'random_projection', input_tile_size: 64, output_tile_size: 64, hash_length: 256 });
    assert.equal(r.scores.length, 2);
    assert.equal(r.layers[0].rows, 32 * 64);
    const again = JSON.parse(run('score', '--limit', '32', '--json', '-w', saved));
    assert.equal(again.hashedAccuracy, r.hashedAccuracy);
    assert.equal(again.hdops, r.hdops);
    const text = run('score', '--limit', '8', '-k', '512', '-t', '32');
    assert.match(text, /score \(delta 0\.15, gamma 0\.5\): \d\.\d{4}/);
    assert.match(text, /layer3\.2\.conv2 +random +576 +64 +512 +18x2/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
