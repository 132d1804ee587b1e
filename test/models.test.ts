/** Hashed models: config defaults, layers (im2col order, partial tiles), op counts, score, checkpoints, learning, search. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashLinear } from '../lib/kernels/lsh.js';
import { parseHashConfig, resolveLayerConfig, SCAFFOLD_DEFAULTS, uniformConfig } from '../lib/models/config.js';
import { readCifarBin } from '../lib/models/datasets.js';
import { im2col, toChannelsLast } from '../lib/models/im2col.js';
import { HashConv2d, HashLinear } from '../lib/models/layers.js';
import { learnLayer, learnProjections } from '../lib/models/learn.js';
import { buildModel, loadModel, projectionName, saveHashedModel } from '../lib/models/loading.js';
import { Mlp } from '../lib/models/mlp.js';
import { getTile, randomProjection, tileGeometry } from '../lib/models/projections.js';
import { activationCounts, modelStaticCounts, score, SCORE_PAIRS, staticCounts } from '../lib/models/score.js';
import { searchHashLengths } from '../lib/models/search.js';
import { argmax } from '../lib/models/model.js';
import { readSafetensors, type SafetensorsFile, type StoredTensor } from '../lib/safetensors.js';
import type { Tensor } from '../lib/tensor.js';
import { assertClose, HAS_NATIVE, randomFloats } from './helpers.js';

const t = (data: Float32Array, shape: number[]): Tensor => ({ data, shape });
const stored = (data: Float32Array, shape: number[]): StoredTensor => ({ dtype: 'F32', shape, data });
const BACKENDS = HAS_NATIVE ? (['js', 'native'] as const) : (['js'] as const);

test('config: missing keys take the scaffold defaults; null / none / absent layers stay exact', () => {
  assert.deepEqual(resolveLayerConfig('fc', {}), SCAFFOLD_DEFAULTS);
  assert.deepEqual(SCAFFOLD_DEFAULTS, { hash_kernel_type: 'random_projection', input_tile_size: 128, output_tile_size: 128, hash_length: 4096 });
  const c = parseHashConfig('{"conv1": {"hash_length": 64}, "fc": {"hash_kernel_type": null}, "x": {"hash_kernel_type": "none"}}');
  assert.deepEqual(c.conv1, { ...SCAFFOLD_DEFAULTS, hash_length: 64 });
  assert.equal(c.fc.hash_kernel_type, null);
  assert.equal(c.x.hash_kernel_type, null);
  assert.throws(() => resolveLayerConfig('fc', { hash_length: 0 }), /config\['fc'\]\.hash_length/);
  assert.throws(() => resolveLayerConfig('fc', { hash_kernel_type: 'magic' }), /hash_kernel_type/);
  assert.throws(() => resolveLayerConfig('fc', { tile: 3 }), /unknown key 'tile'/);
  const sd = new Map([['0.weight', stored(randomFloats(12, 1), [3, 4])]]);
  const mlp = new Mlp(sd, { config: {} });
  assert.equal(mlp.layers()[0].hashed, false, 'a layer absent from the config is exact');
});

test('op counts: the scaffold\'s static per-tile counts with partial tiles', () => {
  // D = 100 (tiles 64 + 36), N = 50 (tiles 32 + 18), K = 128.
  const layer = new HashLinear('l', t(randomFloats(5000, 2), [50, 100]), undefined,
    { hash_kernel_type: 'random_projection', input_tile_size: 64, output_tile_size: 32, hash_length: 128 });
  assert.deepEqual(staticCounts(layer), { hdops: 2 * 128 * (64 + 36) * 2, flops: 2 * 100 * 50 });
  assert.deepEqual(layer.proj!.shape, [2, 2, 128, 64]);
  // The padding past a partial tile's width is zero.
  assert.ok(layer.proj!.data.subarray(((1 * 2 + 0) * 128) * 64 + 36, ((1 * 2 + 0) * 128) * 64 + 64).every((v) => v === 0));
  const exact = new HashLinear('e', t(randomFloats(20, 3), [4, 5]), undefined, { ...SCAFFOLD_DEFAULTS, hash_kernel_type: null });
  assert.deepEqual(staticCounts(exact), { hdops: 0, flops: 0 });
});

test('score: both (delta, gamma) pairs against hand-computed values', () => {
  assert.deepEqual(SCORE_PAIRS, [{ delta: 0.15, gamma: 0.5 }, { delta: 0.125, gamma: 0.85 }]);
  // A = 1 - 0.03/0.15 = 0.8, r = 0.25, E = 2·0.5/1.5 = 2/3, score = 2AE/(A+E) = 8/11.
  assert.ok(Math.abs(score(0.03, 4000, 1000, SCORE_PAIRS[0]) - 8 / 11) < 1e-12);
  assert.ok(Math.abs(score(0.03, 4000, 1000, SCORE_PAIRS[1]) - 0.5813456190463536) < 1e-12);
  assert.equal(score(0.2, 4000, 1000, SCORE_PAIRS[0]), 0, 'A = 0 and E > 0 gives 0');
  assert.equal(score(0, 1000, 1000, SCORE_PAIRS[0]), 1, 'no drop, balanced ops');
  assert.equal(score(0, 0, 0, SCORE_PAIRS[0]), 0, 'nothing hashed');
  assert.throws(() => score(0, 999, 1000, SCORE_PAIRS[0]), /hdops \(999\) must be >= flops \(1000\)/);
});

/** PyTorch conv2d by definition, NCHW, for checking im2col + linear. */
function directConv(x: Tensor, w: Tensor, stride: number, pad: number, dil: number): Tensor {
  const [B, C, H, W] = x.shape, [O, , kh, kw] = w.shape;
  const Ho = Math.floor((H + 2 * pad - dil * (kh - 1) - 1) / stride) + 1, Wo = Math.floor((W + 2 * pad - dil * (kw - 1) - 1) / stride) + 1;
  const y = new Float32Array(B * Ho * Wo * O); // NHWC, like the layers
  for (let b = 0; b < B; b++) for (let o = 0; o < O; o++) for (let oh = 0; oh < Ho; oh++) for (let ow = 0; ow < Wo; ow++) {
    let s = 0;
    for (let c = 0; c < C; c++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const h = oh * stride - pad + i * dil, ww = ow * stride - pad + j * dil;
      if (h >= 0 && h < H && ww >= 0 && ww < W) s += x.data[((b * C + c) * H + h) * W + ww] * w.data[((o * C + c) * kh + i) * kw + j];
    }
    y[((b * Ho + oh) * Wo + ow) * O + o] = s;
  }
  return t(y, [B, Ho, Wo, O]);
}

test('HashConv2d exact: im2col (stride, padding, dilation) + linear equals a direct convolution', () => {
  for (const [stride, pad, dil, k, H, W] of [[1, 1, 1, 3, 5, 6], [2, 1, 1, 3, 7, 5], [2, 2, 2, 3, 9, 8], [1, 0, 1, 1, 4, 4], [3, 0, 1, 2, 7, 7]]) {
    const x = t(randomFloats(2 * 3 * H * W, H), [2, 3, H, W]);
    const w = t(randomFloats(5 * 3 * k * k, k + stride), [5, 3, k, k]);
    const conv = new HashConv2d('c', w, undefined, { kh: k, kw: k, stride: [stride, stride], padding: [pad, pad], dilation: [dil, dil] },
      { ...SCAFFOLD_DEFAULTS, hash_kernel_type: null });
    const y = conv.forward(toChannelsLast(x));
    const want = directConv(x, w, stride, pad, dil);
    assert.deepEqual(y.shape, want.shape);
    assertClose(y.data, want.data, 1e-5, 1e-5);
  }
});

test('HashConv2d hashed: columns in PyTorch unfold order (channel, kh, kw), partial tiles, js and native agree', () => {
  const [B, C, H, W, O, k] = [2, 3, 6, 5, 7, 3];
  const x = t(randomFloats(B * C * H * W, 11), [B, C, H, W]);
  const w = t(randomFloats(O * C * k * k, 12), [O, C, k, k]);
  const cfg = { hash_kernel_type: 'random_projection' as const, input_tile_size: 10, output_tile_size: 4, hash_length: 96 };
  const conv = new HashConv2d('c', w, undefined, { kh: k, kw: k, stride: [2, 2], padding: [1, 1], dilation: [1, 1] }, cfg, { seed: 5 });
  // Unfold by definition: row (b, oh, ow), column c*k*k + i*k + j.
  const Ho = 3, Wo = 3, rows = new Float32Array(B * Ho * Wo * C * k * k);
  for (let b = 0; b < B; b++) for (let oh = 0; oh < Ho; oh++) for (let ow = 0; ow < Wo; ow++) for (let c = 0; c < C; c++) for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    const h = oh * 2 - 1 + i, ww = ow * 2 - 1 + j;
    rows[((b * Ho + oh) * Wo + ow) * C * k * k + c * k * k + i * k + j] = h >= 0 && h < H && ww >= 0 && ww < W ? x.data[((b * C + c) * H + h) * W + ww] : 0;
  }
  assert.deepEqual([...im2col(toChannelsLast(x), conv.geometry).rows.data], [...rows]);
  for (const backend of BACKENDS) {
    const want = hashLinear(t(rows, [B * Ho * Wo, C * k * k]), conv.linear.encoded!, { backend: 'js' });
    const got = conv.forward(toChannelsLast(x), { backend });
    assertClose(got.data, want.data, 1e-4, 1e-4);
  }
});

function tinyMlp(seed: number, dims = [20, 24, 6]): Map<string, StoredTensor> {
  const sd = new Map<string, StoredTensor>();
  for (let l = 0; l + 1 < dims.length; l++) {
    sd.set(`${2 * l}.weight`, stored(randomFloats(dims[l + 1] * dims[l], seed + l), [dims[l + 1], dims[l]]));
    sd.set(`${2 * l}.bias`, stored(randomFloats(dims[l + 1], seed + 10 + l, 0.1), [dims[l + 1]]));
  }
  return sd;
}

test('MLP: exact forward, activation-aware counts, hashed layers configured per path', () => {
  const sd = tinyMlp(3);
  const config = { '2': resolveLayerConfig('2', { input_tile_size: 16, output_tile_size: 4, hash_length: 64 }) };
  const mlp = new Mlp(sd, { config });
  assert.equal(mlp.arch, 'mlp20-24-6');
  const x = t(randomFloats(3 * 20, 4), [3, 20]);
  // Exact by hand.
  const w0 = sd.get('0.weight')!.data as Float32Array, b0 = sd.get('0.bias')!.data as Float32Array;
  const w2 = sd.get('2.weight')!.data as Float32Array, b2 = sd.get('2.bias')!.data as Float32Array;
  const want = new Float32Array(18);
  for (let b = 0; b < 3; b++) {
    const h = new Float32Array(24);
    for (let n = 0; n < 24; n++) {
      let s = b0[n];
      for (let d = 0; d < 20; d++) s += x.data[b * 20 + d] * w0[n * 20 + d];
      h[n] = Math.max(0, s);
    }
    for (let n = 0; n < 6; n++) {
      let s = b2[n];
      for (let d = 0; d < 24; d++) s += h[d] * w2[n * 24 + d];
      want[b * 6 + n] = s;
    }
  }
  assertClose(mlp.forward(x, { hashed: false }).data, want, 1e-5, 1e-5);
  const [a0, a2] = activationCounts(mlp, 5);
  assert.deepEqual(a0, { path: '0', hashed: false, rows: 5, denseFlops: 5 * 2 * 20 * 24, projectionFlops: 0, hammingBitOps: 0, normFlops: 0, accumulateFlops: 0 });
  // Layer 2: D = 24 (tiles 16 + 8), N = 6 (tiles 4 + 2), K = 64.
  assert.deepEqual(a2, {
    path: '2', hashed: true, rows: 5, denseFlops: 5 * 2 * 24 * 6, projectionFlops: 5 * 2 * 64 * 24 * 2,
    hammingBitOps: 5 * 64 * 6 * 2, normFlops: 5 * (2 * 24 + 2), accumulateFlops: 5 * (3 * 6 * 2 + 6),
  });
  assert.deepEqual(modelStaticCounts(mlp).hdops, 2 * 64 * 24 * 2);
});

test('checkpoints: save -> load keeps weights, projections (scaffold names and shapes), config; bad tiles are named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-models-'));
  try {
    const sd = tinyMlp(7);
    const config = uniformConfig(['0', '2'], { input_tile_size: 16, output_tile_size: 16, hash_length: 32 });
    const mlp = new Mlp(sd, { config, seed: 9 });
    const file = join(dir, 'm.safetensors');
    saveHashedModel(file, mlp);
    const f = readSafetensors(file);
    assert.deepEqual(f.tensors.get(projectionName('0', 1, 1, 'random_projection'))!.shape, [32, 4]); // D = 20: tiles 16 + 4
    assert.deepEqual(JSON.parse(f.metadata.config)['2'], config['2']);
    const back = loadModel(file);
    const x = t(randomFloats(4 * 20, 8), [4, 20]);
    assert.deepEqual([...back.forward(x).data], [...mlp.forward(x).data]);
    // Missing projections are drawn from the seeded generator: same seed, same model.
    const again = new Mlp(sd, { config, seed: 9 });
    assert.deepEqual([...again.layers()[0].proj!.data], [...mlp.layers()[0].proj!.data]);
    assert.notDeepEqual([...new Mlp(sd, { config, seed: 10 }).layers()[0].proj!.data], [...mlp.layers()[0].proj!.data]);
    // A tile of the wrong shape is rejected with its name.
    const bad: SafetensorsFile = { tensors: new Map(f.tensors), metadata: f.metadata };
    bad.tensors.set(projectionName('2', 0, 0, 'random_projection'), stored(new Float32Array(32 * 15), [32, 15]));
    assert.throws(() => buildModel(bad, { config }), /'2' tile \(0, 0\): expected F32 \[K, width\] = \[32, 16\]/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CIFAR binary reader: labels (10: one byte, 100: fine label), pixels / 255 (the model normalises)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-cifar-'));
  try {
    const rec10 = new Uint8Array(2 * 3073), rec100 = new Uint8Array(3074);
    rec10[0] = 3; rec10[1] = 255; rec10[3073] = 7; rec10[3073 + 1 + 2048] = 51;
    rec100[0] = 1; rec100[1] = 42;
    writeFileSync(join(dir, 'a.bin'), rec10);
    writeFileSync(join(dir, 'b.bin'), rec100);
    const s10 = readCifarBin([join(dir, 'a.bin')], 10);
    assert.deepEqual([...s10.labels], [3, 7]);
    assert.deepEqual(s10.images.shape, [2, 3, 32, 32]);
    assert.equal(s10.images.data[0], 1);
    assert.ok(Math.abs(s10.images.data[3072 + 2048] - 0.2) < 1e-7);
    assert.deepEqual([...readCifarBin([join(dir, 'b.bin')], 100).labels], [42]);
    assert.throws(() => readCifarBin([join(dir, 'b.bin')], 10), /not a whole number of 3073-byte/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('learned projections: the hashed layer tracks the exact one better than random on unseen rows', () => {
  const D = 48, N = 16;
  const weight = t(randomFloats(N * D, 21), [N, D]);
  const cfg = { hash_kernel_type: 'random_projection' as const, input_tile_size: 32, output_tile_size: 8, hash_length: 64 };
  const layer = new HashLinear('l', weight, undefined, cfg, { seed: 1 });
  // Inputs like post-ReLU activations: non-negative, correlated.
  const rows = (n: number, seed: number) => {
    const base = randomFloats(D, 99), noise = randomFloats(n * D, seed);
    return t(Float32Array.from(noise, (v, i) => Math.max(0, base[i % D] + 0.5 * v)), [n, D]);
  };
  const err = (x: Tensor) => {
    const y = layer.forward(x).data, e = layer.forward(x, { hashed: false }).data;
    let a = 0, b = 0;
    for (let i = 0; i < y.length; i++) [a, b] = [a + (y[i] - e[i]) ** 2, b + e[i] ** 2];
    return a / b;
  };
  const heldOut = rows(256, 5);
  const before = err(heldOut);
  const fit = learnLayer(layer, rows(256, 4), { steps: 30 });
  assert.equal(layer.config.hash_kernel_type, 'learned_projection');
  assert.equal(fit.tiles.length, 4);
  for (const tile of fit.tiles) assert.ok(tile.after <= tile.before);
  const after = err(heldOut);
  assert.ok(after < 0.8 * before, `held-out error ${before} -> ${after}`);
});

test('learnProjections: every hashed layer fitted in order (sequential and not), exact layers untouched', () => {
  for (const sequential of [true, false]) {
    const sd = tinyMlp(41, [16, 24, 24, 4]);
    const config = uniformConfig(['0', '4'], { input_tile_size: 8, output_tile_size: 8, hash_length: 32 });
    const mlp = new Mlp(sd, { config });
    const seen: string[] = [];
    const fits = learnProjections(mlp, t(randomFloats(40 * 16, 42), [40, 16]), { steps: 5, maxRows: 64, sequential, onProgress: (_d, _n, p) => seen.push(p) });
    assert.deepEqual(seen, ['0', '4']);
    assert.deepEqual(fits.map((f) => [f.path, f.rows]), [['0', 40], ['4', 40]]);
    for (const f of fits) for (const tile of f.tiles) assert.ok(tile.after <= tile.before);
    assert.deepEqual(mlp.layers().map((l) => l.config.hash_kernel_type), ['learned_projection', null, 'learned_projection']);
  }
});

test('search: trade-off points are scored with both pairs and the best is the maximum', () => {
  const sd = tinyMlp(31, [16, 32, 32, 4]);
  const paths = ['0', '2', '4'];
  const mlp = new Mlp(sd, { config: uniformConfig(paths, { input_tile_size: 16, output_tile_size: 16, hash_length: 64 }) });
  const images = t(randomFloats(64 * 16, 32), [64, 16]);
  const labels = argmax(mlp.forward(images, { hashed: false }));
  const r = searchHashLengths(mlp, { name: 'teacher', images, labels }, { hashLengths: [16, 64, 256], budget: 4 });
  assert.equal(r.denseAccuracy, 1);
  assert.ok(r.points.length >= 4);
  for (const p of r.points) {
    const hdops = paths.reduce((s, path) => s + 2 * p.hashLengths[path] * (path === '0' ? 16 : 32) * (path === '4' ? 1 : 2), 0);
    assert.equal(p.hdops, hdops);
    SCORE_PAIRS.forEach((pair, s) => {
      if (p.hdops >= p.flops) assert.equal(p.scores[s], score(p.accuracyDrop, p.hdops, p.flops, pair));
      else assert.ok(Number.isNaN(p.scores[s]));
    });
  }
  r.best.forEach((b, s) => assert.ok(r.points.every((p) => !(p.scores[s] > r.points[b].scores[s]))));
  assert.equal(r.bestConfigs[0]['0'].hash_length, r.points[r.best[0]].hashLengths['0']);
  // The model is left as it was.
  assert.equal(mlp.layers()[0].config.hash_length, 64);
});

test('random projections are N(0, 1)-distributed and zero past partial tiles', () => {
  const g = tileGeometry({ hash_kernel_type: 'random_projection', input_tile_size: 100, output_tile_size: 10, hash_length: 200 }, 10, 150);
  const p = randomProjection(g, 3, 'x');
  const tile = getTile(g, p, 0, 0);
  const mean = tile.reduce((a, b) => a + b, 0) / tile.length;
  const variance = tile.reduce((a, b) => a + (b - mean) ** 2, 0) / tile.length;
  assert.ok(Math.abs(mean) < 0.02 && Math.abs(variance - 1) < 0.03, `mean ${mean}, variance ${variance}`);
  assert.equal(getTile(g, p, 1, 0).length, 200 * 50);
});
