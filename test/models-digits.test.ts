/**
 * The digits fixture end to end: the ResNet-20's dense accuracy equals its metadata, and the hashed
 * forward under the fixture's projections reproduces `expected.logits` (a float64 reference) on js (a
 * subset: the reference is slow) and native (all 360 images).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readDigits, head } from '../lib/models/datasets.js';
import { accuracy, predict } from '../lib/models/evaluate.js';
import { configFromMetadata, loadModel, saveHashedModel } from '../lib/models/loading.js';
import { learnProjections } from '../lib/models/learn.js';
import { argmax } from '../lib/models/model.js';
import { modelStaticCounts } from '../lib/models/score.js';
import { readSafetensors } from '../lib/safetensors.js';
import { forEachIsa, HAS_NATIVE } from './helpers.js';

const DIR = join(__dirname, 'fixtures', 'digits');
const weightsFile = join(DIR, 'resnet20-digits.safetensors');
const hashedFile = join(DIR, 'hashed-uniform-k256-t64.safetensors');
const { test: digits, train } = readDigits(join(DIR, 'digits.safetensors'));
const hashed = readSafetensors(hashedFile);
const expected = hashed.tensors.get('expected.logits')!;
const model = loadModel(weightsFile, { projectionsPath: hashedFile, imageSize: 8 });

/**
 * Rows whose logits all lie within 1e-3 of the reference, relative to the row's largest logit. Codes
 * are signs of float32 projections; a projection within rounding of zero flips a bit against the
 * float64 reference, and that row's logits move, so a few rows may differ.
 */
function compare(got: Float32Array, first: number, rows: number) {
  const want = expected.data as Float32Array;
  const gotArg = argmax({ data: got, shape: [rows, 10] });
  const wantArg = argmax({ data: want.subarray(first * 10, (first + rows) * 10), shape: [rows, 10] });
  let sameArgmax = 0, close = 0;
  for (let r = 0; r < rows; r++) {
    if (gotArg[r] === wantArg[r]) sameArgmax++;
    let scale = 0, err = 0;
    for (let c = 0; c < 10; c++) scale = Math.max(scale, Math.abs(want[(first + r) * 10 + c]));
    for (let c = 0; c < 10; c++) err = Math.max(err, Math.abs(got[r * 10 + c] - want[(first + r) * 10 + c]));
    if (err <= 1e-3 * scale) close++;
  }
  return { sameArgmax, close };
}

test('fixture: layout, config and op counts match the metadata', () => {
  assert.deepEqual(digits.images.shape, [360, 1, 8, 8]);
  assert.deepEqual(expected.shape, [360, 10]);
  assert.equal(model.arch, 'resnet20');
  assert.equal(model.layers().length, 22);
  assert.deepEqual(model.layers().map((l) => l.config), model.layers().map((l) => configFromMetadata(hashed)![l.path]));
  const counts = modelStaticCounts(model);
  assert.equal(counts.hdops, Number(hashed.metadata.hdops));
  assert.equal(counts.flops, Number(hashed.metadata.flops));
});

test('dense accuracy equals the metadata', () => {
  const acc = accuracy(predict(model, digits.images, { hashed: false }), digits.labels);
  assert.equal(acc.toFixed(6), Number(readSafetensors(weightsFile).metadata.test_accuracy).toFixed(6));
});

test('hashed forward reproduces expected.logits on native (all 360 images)', { skip: !HAS_NATIVE && 'native addon not built' }, () => {
  const logits = predict(model, digits.images, { backend: 'native' });
  const { sameArgmax, close } = compare(logits.data, 0, 360);
  assert.ok(sameArgmax >= 359, `same argmax on ${sameArgmax} of 360`);
  assert.ok(close >= 352, `logits within 1e-3 on ${close} of 360 rows`);
  assert.equal(accuracy(logits, digits.labels).toFixed(6), Number(hashed.metadata.accuracy).toFixed(6));
});

test('hashed forward agrees on every native ISA (first 60 images)', { skip: !HAS_NATIVE && 'native addon not built' }, () => {
  forEachIsa((isa) => {
    const { sameArgmax, close } = compare(predict(model, head(digits, 60).images, { backend: 'native' }).data, 0, 60);
    assert.equal(sameArgmax, 60, isa);
    assert.ok(close >= 58, `${isa}: logits within 1e-3 on ${close} of 60 rows`);
  });
});

test('hashed forward reproduces expected.logits on js (first 24 images)', () => {
  const logits = predict(model, head(digits, 24).images, { backend: 'js' });
  const { sameArgmax, close } = compare(logits.data, 0, 24);
  assert.equal(sameArgmax, 24);
  assert.ok(close >= 23, `logits within 1e-3 on ${close} of 24 rows`);
});

test('learned projections lift the hashed accuracy well above random; the saved model reloads them', { skip: !HAS_NATIVE && 'native addon not built' }, () => {
  const m = loadModel(weightsFile, { projectionsPath: hashedFile, imageSize: 8 });
  // A deliberately small fit (64 calibration images, 6 steps) to keep the test short; the CLI defaults reach ~98%.
  learnProjections(m, head(train, 64).images, { steps: 6, maxRows: 128 });
  const logits = predict(m, digits.images);
  const acc = accuracy(logits, digits.labels);
  assert.ok(acc > 0.8, `hashed accuracy after learning ${acc} (random projections: ${hashed.metadata.accuracy})`);
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-learned-'));
  try {
    saveHashedModel(join(dir, 'learned.safetensors'), m);
    const back = loadModel(join(dir, 'learned.safetensors'), { imageSize: 8 });
    assert.ok(back.layers().every((l) => l.config.hash_kernel_type === 'learned_projection'));
    assert.deepEqual([...predict(back, digits.images).data], [...logits.data]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
