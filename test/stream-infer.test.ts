/**
 * Stream model sizes from a plain `state_dict.pt` written by the hackathon's own PyTorch model: inferred,
 * the model's predictions reproduced, metadata in either spelling, flags overriding, clear errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SafetensorsFile } from '../lib/safetensors.js';
import { StreamEngine } from '../lib/stream/engine.js';
import { inferStreamConfig } from '../lib/stream/infer.js';
import { loadWeights } from '../lib/stream/weights.js';
import { readTensorFile } from '../lib/torch/index.js';

const FILE = join(__dirname, 'fixtures', 'torch', 'stream-state-dict.pt');
const expected = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'torch', 'stream-state-dict.expected.json'), 'utf8'));
const SIZES = { hiddenSize: 32, projSize: 16, towerDepth: 2, numHeads: 4, numFeatures: 11 };

test('stream: a plain state_dict.pt loads with inferred sizes and reproduces the PyTorch model', () => {
  const { weights, unused, config } = loadWeights(FILE);
  assert.deepEqual(config, SIZES);
  assert.deepEqual(unused, []);
  const engine = new StreamEngine({ config, weights, backend: 'js' });
  let worst = 0;
  expected.stream.forEach((r: { symbol: string; features: number[] }, i: number) => {
    const { predictions } = engine.processBatch({ [r.symbol]: [{ id: i, symbol: r.symbol, features: r.features }] });
    predictions[0].forEach((p, k) => (worst = Math.max(worst, Math.abs(p - expected.predictions[i][k]))));
  });
  assert.ok(worst < 1e-4, `max |hashmac - PyTorch| = ${worst}`);
});

test('stream: sizes from metadata in either spelling, flags over metadata over shapes', () => {
  const file = readTensorFile(FILE);
  const withMeta = (metadata: Record<string, string>): SafetensorsFile => ({ tensors: file.tensors, metadata });
  assert.deepEqual(inferStreamConfig(withMeta({ num_heads: '8', hiddenSize: '64' }), 'f'), { ...SIZES, numHeads: 8, hiddenSize: 64 });
  assert.deepEqual(inferStreamConfig(withMeta({ config: JSON.stringify({ tower_depth: 5, projSize: 7 }) }), 'f'), { ...SIZES, towerDepth: 5, projSize: 7 });
  assert.deepEqual(inferStreamConfig(withMeta({ num_heads: '8' }), 'f', { numHeads: 2 }), { ...SIZES, numHeads: 2 });
  assert.throws(() => inferStreamConfig(withMeta({ hidden_size: 'x' }), 'f.pt'), /f\.pt: metadata hidden_size is 'x', not a positive integer/);
});

test('stream: heads come from the mLSTM gate, else RetNet decay, else sLSTM blocks; none left is an error', () => {
  const file = readTensorFile(FILE);
  const without = (...patterns: RegExp[]): SafetensorsFile => ({
    tensors: new Map([...file.tensors].filter(([n]) => !patterns.some((p) => p.test(n)))),
    metadata: {},
  });
  assert.equal(inferStreamConfig(without(/igate_proj/), 'f').numHeads, 4);
  assert.equal(inferStreamConfig(without(/igate_proj/, /\.decay$/), 'f').numHeads, 4);
  assert.throws(() => inferStreamConfig(without(/igate_proj/, /\.decay$/, /slstm/), 'part.pt'), /part\.pt: cannot infer num_heads \(--heads\)/);
  assert.throws(() => inferStreamConfig(without(/^towers\.3\.blocks\.1\./), 'short.pt'), /short\.pt: the towers have different depths .*towers\.3 \(hawk\): 1/);
  assert.throws(() => inferStreamConfig({ tensors: new Map(), metadata: {} }, 'empty.pt'), /cannot infer hidden_size \(--hidden\), proj_size \(--proj\), tower_depth \(--depth\), num_heads \(--heads\), num_features \(--features\)/);
});

test('stream: a size that contradicts the file names the file, the tensor, expected and found shapes', () => {
  assert.throws(() => loadWeights(FILE, { numHeads: 8 }), /stream-state-dict\.pt: tensor towers\.0\.blocks\.0\.layer\.slstm\.igate_input\.weight: expected shape \[4,8,8\], found \[2,16,16\]/);
  assert.throws(() => loadWeights(FILE, { towerDepth: 3 }), /stream-state-dict\.pt: 89 parameters missing for this config \(towers\.0\.blocks\.2\.norm1\.weight/);
});

test('hashmac stream eval -w state_dict.pt: sizes inferred; a contradicting flag is refused naming the tensor', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'lib', 'cli.ts'), 'stream', 'eval', '-w', FILE, '--requests', '6', '--symbols', '2', ...args], { encoding: 'utf8' });
  const ok = cli('--json');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).responses, 6);
  const bad = cli('--heads', '8');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /stream-state-dict\.pt: tensor towers\.0\.blocks\.0\.layer\.slstm\.igate_input\.weight: expected shape \[4,8,8\], found \[2,16,16\]/);
});
