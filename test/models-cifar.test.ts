/**
 * CIFAR ResNets from their own PyTorch checkpoints: both shortcut variants against PyTorch's float64 logits
 * (small torch-written fixtures, scripts/make-cifar-fixtures.py), architecture detection and its errors,
 * input normalisation, the CIFAR readers (binary file or directory, python batches, CIFAR-100), saving, and
 * — where ../shared/fixtures/cifar10 is beside the clone — the real akamaster ResNet-20 on 500 test images.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniformConfig } from '../lib/models/config.js';
import { head, loadDataset, readCifarBin } from '../lib/models/datasets.js';
import { accuracy, predict } from '../lib/models/evaluate.js';
import { buildModel, detectArch, loadModel, readCheckpoint, saveHashedModel } from '../lib/models/loading.js';
import { argmax, type HashModel } from '../lib/models/model.js';
import { normalizeImages, parseNormalization } from '../lib/models/normalize.js';
import { CifarResNet } from '../lib/models/resnet.js';
import { modelStaticCounts } from '../lib/models/score.js';
import { searchHashLengths } from '../lib/models/search.js';
import { readSafetensors, toFloat32, type StoredTensor } from '../lib/safetensors.js';
import type { Tensor } from '../lib/tensor.js';
import { HAS_NATIVE } from './helpers.js';

const DIR = join(__dirname, 'fixtures', 'cifar10');
const CLI = join(__dirname, '..', 'lib', 'cli.ts');
const BACKENDS = HAS_NATIVE ? (['js', 'native'] as const) : (['js'] as const);
const SHARED = [join(__dirname, '..', '..', 'shared', 'fixtures', 'cifar10'), join(__dirname, '..', '..', '..', 'shared', 'fixtures', 'cifar10')]
  .find((d) => existsSync(join(d, 'resnet20-12fca82f.th'))) ?? '';
const run = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const images32 = () => readCifarBin([join(DIR, 'test_batch_first32.bin')], 10);
const logits = readSafetensors(join(DIR, 'logits.safetensors'));

/** Largest |got - want| of every row relative to the row's largest |want|, and argmax agreement. */
function compare(got: Tensor, want: ArrayLike<number>, first = 0) {
  const [rows, C] = got.shape;
  let worst = 0, sameArgmax = 0;
  const gotArg = argmax(got);
  for (let r = 0; r < rows; r++) {
    let scale = 0, err = 0, best = 0;
    for (let c = 0; c < C; c++) {
      const w = want[(first + r) * C + c];
      scale = Math.max(scale, Math.abs(w));
      err = Math.max(err, Math.abs(got.data[r * C + c] - w));
      if (w > want[(first + r) * C + best]) best = c;
    }
    worst = Math.max(worst, err / scale);
    if (gotArg[r] === best) sameArgmax++;
  }
  return { worst, sameArgmax };
}

test('normalize: presets, custom m/s, none, and errors naming the option', () => {
  assert.deepEqual(parseNormalization('imagenet'), { spec: 'imagenet', mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
  assert.equal(parseNormalization('cifar')!.mean[0], 0.4914);
  assert.equal(parseNormalization('none'), undefined);
  assert.deepEqual(parseNormalization(' 0.5,0.25,0/1,2,4 '), { spec: '0.5,0.25,0/1,2,4', mean: [0.5, 0.25, 0], std: [1, 2, 4] });
  for (const bad of ['imagenett', '0.5,0.5/1', '0.5,0.5,0.5/1,0,1', '1,2,3/1,2,x', '/', '1,2,3', '1,,3/1,1,1']) {
    assert.throws(() => parseNormalization(bad, '--normalize'), /--normalize: '.*' is not none, cifar, cifar100, imagenet or m1,m2,\.\.\.\/s1,s2,\.\.\./, bad);
  }
  const x = { data: Float32Array.from([0.5, 1, 0.25, 0.75]), shape: [1, 2, 1, 2] };
  assert.deepEqual([...normalizeImages(x, parseNormalization('0.5,0.25/0.5,0.25')!).data], [0, 1, 0, 2]);
  assert.throws(() => normalizeImages(x, parseNormalization('imagenet')!), /3 channels, the images are \[1, 2, 1, 2\]/);
});

/** A ResNet state_dict of random weights: depth 6n+2, widths w/2w/4w, option A or B, classifier name. */
function randomResNet(n: number, shortcut: 'A' | 'B', classifier = shortcut === 'A' ? 'linear' : 'fc', width = 4): Map<string, StoredTensor> {
  const sd = new Map<string, StoredTensor>();
  let seed = 1;
  const put = (name: string, shape: number[], fill?: number) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = Float32Array.from({ length: size }, () => fill ?? (((seed = (seed * 16807) % 2147483647) / 2147483647) - 0.5) * 0.5);
    sd.set(name, { dtype: 'F32', shape, data });
  };
  const bn = (p: string, c: number) => {
    put(`${p}.weight`, [c], 1);
    put(`${p}.bias`, [c], 0);
    put(`${p}.running_mean`, [c], 0);
    put(`${p}.running_var`, [c], 1);
  };
  put('conv1.weight', [width, 3, 3, 3]);
  bn('bn1', width);
  let cin = width;
  for (let s = 1; s <= 3; s++) {
    const w = width << (s - 1);
    for (let b = 0; b < n; b++) {
      const p = `layer${s}.${b}`;
      put(`${p}.conv1.weight`, [w, b === 0 ? cin : w, 3, 3]);
      bn(`${p}.bn1`, w);
      put(`${p}.conv2.weight`, [w, w, 3, 3]);
      bn(`${p}.bn2`, w);
      if (shortcut === 'B' && b === 0 && s > 1) {
        put(`${p}.downsample.0.weight`, [w, cin, 1, 1]);
        bn(`${p}.downsample.1`, w);
      }
    }
    cin = w;
  }
  put(`${classifier}.weight`, [10, cin]);
  put(`${classifier}.bias`, [10]);
  return sd;
}

const file = (tensors: Map<string, StoredTensor>) => ({ tensors, metadata: {} });

test('detection: option A/B, depth from the blocks (20 ... 110), module paths as the config keys', () => {
  for (const [n, shortcut] of [[3, 'A'], [3, 'B'], [9, 'A'], [18, 'B']] as const) {
    const m = buildModel(file(randomResNet(n, shortcut)), { imageSize: 8 }) as CifarResNet;
    assert.equal(m.arch, `resnet${6 * n + 2}`);
    assert.equal(m.layout.shortcut, shortcut);
    assert.equal(m.layout.classifier, shortcut === 'A' ? 'linear' : 'fc');
    const paths = m.layers().map((l) => l.path);
    assert.equal(paths.length, 6 * n + 2 + (shortcut === 'B' ? 2 : 0));
    assert.equal(paths.at(-1), shortcut === 'A' ? 'linear' : 'fc');
    assert.equal(paths.includes('layer2.0.downsample.0'), shortcut === 'B');
  }
  // An option-B file whose classifier is `linear` (and the reverse) keeps its own names.
  const m = buildModel(file(randomResNet(3, 'B', 'linear')), { imageSize: 8, config: uniformConfig(['linear'], { hash_length: 64 }) });
  assert.equal(m.layers().at(-1)!.path, 'linear');
  assert.equal(m.layers().at(-1)!.hashed, true);
});

test('detection: files of no known model, contradicting --arch, and leftover tensors are refused, naming what was found and expected', () => {
  const a = randomResNet(3, 'A');
  const prefixed = new Map([...a].map(([k, v]) => [`module.${k}`, v]));
  assert.throws(() => buildModel(file(prefixed), { source: 'ck.safetensors' }),
    /^RangeError: ck\.safetensors: matches no known model\. Found 97 tensors: module\.conv1\.weight \[4, 3, 3, 3\].*every name starts with DataParallel's 'module\.'.*Expected a CIFAR ResNet \(conv1\.weight/);
  assert.throws(() => buildModel(file(a), { arch: 'resnet-b', source: 'a.th' }), /^RangeError: a\.th: weights: option-B ResNet expected \(layer2\.0\.downsample\.0\.weight.*an option-A ResNet/);
  assert.throws(() => buildModel(file(randomResNet(3, 'B')), { arch: 'resnet-a' }), /option-A ResNet expected \(parameter-free shortcuts\), but the file has layer2\.0\.downsample\.0\.weight/);
  assert.throws(() => buildModel(file(a), { arch: 'mlp' }), /tensors are not an MLP's rank-2 <layer>\.weight \/ rank-1 <layer>\.bias: conv1\.weight/);
  const mlp = new Map([['0.weight', { dtype: 'F32', shape: [4, 6], data: new Float32Array(24) } as StoredTensor]]);
  assert.throws(() => buildModel(file(mlp), { arch: 'resnet' }), /--arch resnet: expected conv1\.weight \(rank 4\) and layer1\.0\.conv1\.weight; found 1 tensors: 0\.weight \[4, 6\]/);
  const imagenetLike = new Map(a);
  imagenetLike.set('layer4.0.conv1.weight', { dtype: 'F32', shape: [8, 8, 3, 3], data: new Float32Array(576) });
  assert.throws(() => buildModel(file(imagenetLike)), /1 tensors no CIFAR ResNet layer uses \(another architecture\?\): layer4\.0\.conv1\.weight/);
  const uneven = new Map(a);
  for (const k of [...uneven.keys()]) if (k.startsWith('layer3.2.')) uneven.delete(k);
  assert.throws(() => buildModel(file(uneven)), /three stages of equally many blocks.*found layer1: 3, layer2: 3, layer3: 2/);
  const both = new Map(a);
  both.set('fc.weight', a.get('linear.weight')!);
  assert.throws(() => buildModel(file(both)), /expected one classifier, fc\.weight or linear\.weight; found fc\.weight and linear\.weight/);
  assert.equal(detectArch(mlp), 'mlp');
  assert.throws(() => detectArch(new Map()), /matches no known model\. Found 0 tensors\. Expected/);
});

for (const variant of ['a', 'b'] as const) {
  const weights = join(DIR, variant === 'a' ? 'resnet8-a.th' : 'resnet8-b.pt');
  const normalize = variant === 'a' ? 'imagenet' : 'cifar';
  for (const backend of BACKENDS) {
    test(`option ${variant.toUpperCase()} (${variant === 'a' ? 'legacy .th, module. prefix, state_dict wrapper' : 'zip .pt'}): PyTorch's float64 logits on 32 CIFAR images, ${backend}`, () => {
      const m = loadModel(weights, { normalize, backend }) as CifarResNet;
      assert.equal(m.layout.shortcut, variant.toUpperCase());
      assert.equal(m.arch, 'resnet8');
      const got = predict(m, images32().images, { hashed: false, backend });
      const { worst, sameArgmax } = compare(got, logits.tensors.get(variant)!.data as Float64Array);
      assert.ok(worst < 1e-5, `worst relative error ${worst}`);
      assert.equal(sameArgmax, 32);
    });
  }
}

test('hashed model saved: config, projections, normalisation and re-estimated BatchNorm come back; the exact forward is untouched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-cifar-'));
  try {
    const config = uniformConfig(['conv1', 'layer1.0.conv1', 'layer3.0.conv2', 'linear'], { hash_length: 64, input_tile_size: 32, output_tile_size: 16 });
    const m = loadModel(join(DIR, 'resnet8-a.th'), { normalize: 'imagenet', config, seed: 3 }) as CifarResNet;
    const x = images32().images;
    const dense = predict(m, x, { hashed: false });
    m.calibrateBatchNorm(x, 'statistics');
    assert.deepEqual([...predict(m, x, { hashed: false }).data], [...dense.data], 'the exact forward keeps the checkpoint statistics');
    const hashed = predict(m, x);
    const out = join(dir, 'hashed.safetensors');
    saveHashedModel(out, m);
    const saved = readSafetensors(out);
    assert.equal(saved.metadata.normalize, 'imagenet');
    assert.ok(saved.tensors.has('bn1.hashed_running_mean') && saved.tensors.has('layer3.0.bn2.hashed_running_var'));
    assert.ok(saved.tensors.has('linear.hash_kernels.0.0._random_projection_matrix'));
    const back = loadModel(out);
    assert.equal(back.normalization!.spec, 'imagenet');
    assert.deepEqual([...predict(back, x).data], [...hashed.data]);
    assert.deepEqual([...predict(back, x, { hashed: false }).data], [...dense.data]);
    // The same as a PyTorch file: {state_dict, arch, normalize, config} in the zip format.
    saveHashedModel(join(dir, 'hashed.pt'), m);
    const fromPt = loadModel(join(dir, 'hashed.pt'));
    assert.equal(fromPt.normalization!.spec, 'imagenet');
    assert.deepEqual([...predict(fromPt, x).data], [...hashed.data]);
    // --normalize overrides the file's metadata.
    assert.equal(loadModel(out, { normalize: 'none' }).normalization, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('search with learned projections and BatchNorm re-estimation: apply(i) reinstalls a point exactly as it was evaluated', () => {
  const m = loadModel(join(DIR, 'resnet8-b.pt'), { normalize: 'cifar', config: uniformConfig(['layer2.0.conv2', 'layer3.0.conv1', 'fc'], { hash_length: 64, input_tile_size: 32, output_tile_size: 16 }) });
  const set = head(images32(), 16);
  const r = searchHashLengths(m, set, { hashLengths: [16, 32], budget: 3, learn: { steps: 3, maxRows: 64, batchNorm: 'statistics' } });
  assert.equal(r.points.length, 2 + 3);
  for (const i of [r.best[0], 0]) {
    r.apply(i);
    assert.deepEqual(m.layers().filter((l) => l.hashed).map((l) => [l.config.hash_kernel_type, l.config.hash_length]),
      Object.values(r.points[i].hashLengths).map((K) => ['learned_projection', K]));
    assert.equal(accuracy(predict(m, set.images), set.labels), r.points[i].accuracy);
  }
  assert.equal(r.bestConfigs[0].fc.hash_kernel_type, 'learned_projection');
});

test('CIFAR data: one binary batch, a binary directory, python batches (CIFAR-10 and -100) read the same images', () => {
  const bin = loadDataset(`cifar10:${join(DIR, 'test_batch_first32.bin')}`);
  assert.equal(bin.train, undefined);
  assert.deepEqual(bin.test.images.shape, [32, 3, 32, 32]);
  assert.ok(bin.test.images.data.every((v) => v >= 0 && v <= 1));
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-cifar-'));
  try {
    copyFileSync(join(DIR, 'test_batch_first32.bin'), join(dir, 'test_batch.bin'));
    copyFileSync(join(DIR, 'test_batch_first32.bin'), join(dir, 'data_batch_1.bin'));
    const d = loadDataset(`cifar10:${dir}`);
    assert.deepEqual([...d.test.labels], [...bin.test.labels]);
    assert.equal(d.train!.labels.length, 32);
    assert.throws(() => loadDataset(`cifar100:${dir}`), /cifar100:.*the directory has no test\.bin or test \(found data_batch_1\.bin, test_batch\.bin\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const py = loadDataset(`cifar10:${join(DIR, 'cifar-10-batches-py')}`);
  assert.deepEqual([...py.test.labels], [...bin.test.labels]);
  assert.deepEqual([...py.test.images.data], [...bin.test.images.data]);
  const py100 = loadDataset(`cifar100:${join(DIR, 'cifar-100-python')}`);
  assert.deepEqual([...py100.test.labels], [99, 0, 42, 7]);
  assert.deepEqual([...py100.test.images.data], [...head(bin.test, 4).images.data]);
  assert.throws(() => loadDataset('cifar10:/nonexistent/x.bin'), /no such file or directory/);
  assert.throws(() => loadDataset(`cifar100:${join(DIR, 'test_batch_first32.bin')}`), /not a whole number of 3074-byte CIFAR-100 records/);
});

test('hashmac score / learn on CIFAR: the split is printed and calibration never overlaps evaluation', () => {
  const data = `cifar10:${join(DIR, 'test_batch_first32.bin')}`;
  const s = run('score', '-w', join(DIR, 'resnet8-b.pt'), '-d', data, '--normalize', 'cifar', '-k', '64', '-t', '16', '--json');
  const r = JSON.parse(s);
  assert.equal(r.arch, 'resnet8');
  assert.equal(r.samples, 32);
  assert.equal(r.layers.at(-1).path, 'fc');
  assert.equal(r.layers.filter((l: { path: string }) => l.path.includes('downsample')).length, 2);
  const text = run('learn', '-w', join(DIR, 'resnet8-a.th'), '-d', data, '--normalize', 'imagenet', '-k', '64', '-t', '16',
    '--calibration', '20', '--steps', '2', '--rows', '64', '--batchnorm', 'statistics');
  assert.match(text, /calibration: cifar10\/test_batch_first32\.bin images 0-19; evaluation: images 20-31 \(no overlap\)/);
  assert.match(text, /before: dense \d+\.\d+%, hashed \d+\.\d+% on 12 test samples/);
  assert.match(text, /BatchNorm re-estimated on the hashed activations \(statistics\)/);
  assert.throws(() => run('score', '-w', join(DIR, 'resnet8-a.th'), '-d', data, '--normalize', 'imagenet,1'), /normalize: 'imagenet,1' is not/);
  assert.throws(() => run('learn', '-w', join(DIR, 'resnet8-a.th'), '-d', data, '--calibration', '32', '-k', '64'), /--calibration 32: .* has only 32 images and no training split/);
});

// ---- the real akamaster ResNet-20 and the first 500 CIFAR-10 test images (../shared/fixtures/cifar10)

const real = SHARED ? {
  weights: join(SHARED, 'resnet20-12fca82f.th'),
  hashed: join(SHARED, 'resnet20-hashed-winner-like-first500.safetensors'),
  dense: join(SHARED, 'resnet20-dense-logits-first500.safetensors'),
  data: loadDataset(`cifar10:${join(SHARED, 'test_batch_first500.bin')}`).test,
} : undefined;
const skipReal = !real && 'no ../shared/fixtures/cifar10 beside the clone';

function checkDense(m: HashModel, n: number, backend: 'js' | 'native') {
  const got = predict(m, head(real!.data, n).images, { hashed: false, backend, batchSize: 50 });
  const want = toFloat32(readSafetensors(real!.dense).tensors.get('expected.logits')!);
  const { worst, sameArgmax } = compare(got, want);
  assert.ok(worst < 1e-4, `worst relative error ${worst}`);
  assert.equal(sameArgmax, n);
  return accuracy(got, head(real!.data, n).labels);
}

test('akamaster ResNet-20: PyTorch\'s float64 logits on all 500 images, native (455/500)', { skip: skipReal || (!HAS_NATIVE && 'native addon not built') }, () => {
  const m = loadModel(real!.weights, { normalize: 'imagenet' }) as CifarResNet;
  assert.equal(m.layoutNote, 'option-A shortcuts, classifier linear');
  assert.equal(Math.round(checkDense(m, 500, 'native') * 500), 455);
});

test('akamaster ResNet-20: the same logits on js (first 24 images)', { skip: skipReal }, () => {
  checkDense(loadModel(real!.weights, { normalize: 'imagenet' }), 24, 'js');
});

test('akamaster ResNet-20 hashed with the winner-like projections: 55/500 within one image, the scaffold\'s counts, native and js', { skip: skipReal || (!HAS_NATIVE && 'native addon not built') }, () => {
  const m = loadModel(real!.weights, { projectionsPath: real!.hashed, normalize: 'imagenet' });
  const want = toFloat32(readSafetensors(real!.hashed).tensors.get('expected.logits')!);
  const got = predict(m, real!.data.images, { backend: 'native', batchSize: 50 });
  const correct = Math.round(accuracy(got, real!.data.labels) * 500);
  assert.ok(Math.abs(correct - 55) <= 1, `${correct}/500 correct`);
  assert.ok(compare(got, want).sameArgmax >= 480, `argmax agreement ${compare(got, want).sameArgmax}/500`);
  const counts = modelStaticCounts(m);
  assert.deepEqual([counts.hdops, counts.flops], [8599040, 536672]);
  const js = predict(m, head(real!.data, 8).images, { backend: 'js', batchSize: 8 });
  assert.ok(compare(js, want).sameArgmax >= 7);
});
