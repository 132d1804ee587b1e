/**
 * Hash-length search: per-layer K that trade accuracy for the energy term of the score.
 * 1. Sensitivity: each hashed layer's relative output error ‖ŷ - y‖² / ‖y‖² on its calibration inputs at
 *    every candidate K (one layer hashed at a time, seeded random projections; cheap, no full forward).
 * 2. A greedy path from every layer at the largest K down to every layer at the smallest: each step
 *    lowers the one layer whose next K adds the least error per hdop saved.
 * 3. `budget` points of the path (plus every uniform K) get a full hashed evaluation; each is scored
 *    with both (delta, gamma) pairs. Tile sizes stay as configured.
 * With `learn`, every layer's projections are learned once per candidate K (each layer on the exact model's
 * inputs, so a layer's fit does not depend on the others' K) and the sensitivities and evaluations use
 * them; with `learn.batchNorm` each evaluated point also re-estimates the BatchNorms under hashing.
 */
import type { BackendName } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { captureInputs } from './calibration.js';
import { learnProjections, type LearnOptions } from './learn.js';
import type { LayerHashConfig, ModelHashConfig } from './config.js';
import type { LabelledSet } from './datasets.js';
import { accuracy, predict } from './evaluate.js';
import type { HashLinear } from './layers.js';
import type { HashModel } from './model.js';
import { modelStaticCounts, SCORE_PAIRS, score } from './score.js';

export interface SearchOptions {
  /** Candidate hash lengths (default 32 ... 1024). */
  hashLengths?: number[];
  /** Full-model evaluations along the greedy path (default 8). */
  budget?: number;
  /** Calibration rows per layer for the sensitivities (default 1024). */
  maxRows?: number;
  seed?: number;
  backend?: BackendName;
  batchSize?: number;
  onProgress?: (done: number, total: number, what: string) => void;
  /** Learn projections per candidate K (and optionally re-estimate BatchNorm per point) instead of random ones. */
  learn?: LearnOptions & { batchNorm?: 'statistics' | 'regression' };
}

export interface SearchPoint {
  label: string;
  /** K per hashed layer path. */
  hashLengths: Record<string, number>;
  hdops: number;
  flops: number;
  accuracy: number;
  accuracyDrop: number;
  /** One score per SCORE_PAIRS entry; NaN where hdops < flops (not a valid submission). */
  scores: number[];
}

export interface SearchResult {
  denseAccuracy: number;
  points: SearchPoint[];
  /** Index into points of the best point for each SCORE_PAIRS entry. */
  best: number[];
  /** The config of each best point, ready to save as JSON. */
  bestConfigs: ModelHashConfig[];
  /** Puts the model in point i's state (config, its projections, re-estimated BatchNorm where searched so). */
  apply(i: number): void;
}

function relativeError(layer: HashLinear, x: Parameters<HashLinear['forward']>[0], exact: Float32Array, backend?: BackendName): number {
  const y = layer.forward(x, { hashed: true, backend }).data;
  let e = 0, n = 0;
  for (let i = 0; i < y.length; i++) {
    e += (y[i] - exact[i]) ** 2;
    n += exact[i] ** 2;
  }
  return n > 0 ? e / n : e;
}

export function searchHashLengths(model: HashModel, set: LabelledSet, o: SearchOptions = {}): SearchResult {
  const choices = [...new Set(o.hashLengths ?? [32, 64, 128, 256, 512, 1024])].sort((a, b) => a - b);
  const layers = model.layers().filter((l) => l.hashed);
  if (layers.length === 0) throw new RangeError('search: the model has no hashed layers (give a config)');
  const original = layers.map((l) => ({ config: l.config, proj: l.proj }));
  const learned = o.learn ? learnedProjections(model, layers, choices, set, o) : undefined;
  const type = learned ? 'learned_projection' : 'random_projection';
  const withK = (l: HashLinear, K: number): LayerHashConfig => ({ ...l.config, hash_kernel_type: type, hash_length: K });
  const setLayer = (l: HashLinear, li: number, c: number) =>
    l.configure(withK(l, choices[c]), { seed: o.seed, backend: o.backend, proj: learned?.[li][c] });
  const configure = (ks: number[]) => {
    layers.forEach((l, li) => setLayer(l, li, choices.indexOf(ks[li])));
    if (o.learn?.batchNorm) model.calibrateBatchNorm?.(set.images, o.learn.batchNorm, { backend: o.backend });
  };

  // 1. Sensitivities.
  const inputs = captureInputs(model, set.images, { maxRows: o.maxRows ?? 1024, seed: o.seed, backend: o.backend });
  const err = layers.map((l, li) => {
    const x = inputs.get(l.path)!;
    const exact = l.forward(x, { hashed: false, backend: o.backend }).data;
    const e = choices.map((_, c) => {
      setLayer(l, li, c);
      return relativeError(l, x, exact, o.backend);
    });
    o.onProgress?.(li + 1, layers.length, `sensitivity ${l.path}`);
    return e;
  });

  // 2. Greedy path (indices into choices).
  const perK = layers.map((l) => 2 * l.D * Math.ceil(l.N / l.config.output_tile_size)); // hdops per unit K
  const idx = layers.map(() => choices.length - 1);
  const path: { label: string; ks: number[] }[] = [];
  for (;;) {
    path.push({ label: `greedy ${path.length}`, ks: idx.map((c) => choices[c]) });
    let bestLayer = -1, bestRate = Infinity;
    idx.forEach((c, li) => {
      if (c === 0) return;
      const rate = Math.max(0, err[li][c - 1] - err[li][c]) / (perK[li] * (choices[c] - choices[c - 1]));
      if (rate < bestRate) [bestRate, bestLayer] = [rate, li];
    });
    if (bestLayer < 0) break;
    idx[bestLayer]--;
  }

  // 3. Evaluate uniform points and `budget` points spread along the path.
  const budget = Math.max(2, o.budget ?? 8);
  const picks = [...new Set(Array.from({ length: budget }, (_, k) => Math.round((k * (path.length - 1)) / (budget - 1))))];
  const candidates = [
    ...choices.map((K) => ({ label: `uniform K=${K}`, ks: layers.map(() => K) })),
    ...picks.map((p) => path[p]),
  ];
  const denseAccuracy = accuracy(predict(model, set.images, { hashed: false, backend: o.backend, batchSize: o.batchSize }), set.labels);
  const points: SearchPoint[] = candidates.map((c, k) => {
    configure(c.ks);
    const acc = accuracy(predict(model, set.images, { hashed: true, backend: o.backend, batchSize: o.batchSize }), set.labels);
    const counts = modelStaticCounts(model);
    const drop = denseAccuracy - acc;
    o.onProgress?.(k + 1, candidates.length, c.label);
    return {
      label: c.label,
      hashLengths: Object.fromEntries(layers.map((l, i) => [l.path, c.ks[i]])),
      hdops: counts.hdops, flops: counts.flops, accuracy: acc, accuracyDrop: drop,
      scores: SCORE_PAIRS.map((p) => (counts.hdops < counts.flops ? NaN : score(drop, counts.hdops, counts.flops, p))),
    };
  });
  const restore = () => layers.forEach((l, i) => l.configure(original[i].config, { proj: original[i].proj, backend: o.backend }));
  restore();
  if (o.learn?.batchNorm) model.calibrateBatchNorm?.(set.images, o.learn.batchNorm, { backend: o.backend });

  // The highest score; among equal scores (e.g. all 0 when every drop exceeds delta) the most accurate.
  const key = (p: SearchPoint, s: number) => [Number.isNaN(p.scores[s]) ? -Infinity : p.scores[s], p.accuracy];
  const better = (a: number[], b: number[]) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
  const best = SCORE_PAIRS.map((_, s) => points.reduce((b, p, i) => (better(key(p, s), key(points[b], s)) ? i : b), 0));
  const bestConfigs = best.map((b) => {
    const cfg: ModelHashConfig = {};
    for (const l of model.layers()) cfg[l.path] = l.hashed ? withK(l, points[b].hashLengths[l.path]) : l.config;
    return cfg;
  });
  return { denseAccuracy, points, best, bestConfigs, apply: (i) => configure(candidates[i].ks) };
}

/** Every layer's learned projections at every candidate K: [layer][choice]. */
function learnedProjections(model: HashModel, layers: HashLinear[], choices: number[], set: LabelledSet, o: SearchOptions): Tensor[][] {
  const out = layers.map(() => new Array<Tensor>(choices.length));
  choices.forEach((K, c) => {
    for (const l of layers) l.configure({ ...l.config, hash_kernel_type: 'random_projection', hash_length: K }, { seed: o.seed, backend: o.backend });
    learnProjections(model, set.images, { ...o.learn, seed: o.seed, backend: o.backend, sequential: false, layers: layers.map((l) => l.path) });
    layers.forEach((l, li) => (out[li][c] = l.proj!));
    o.onProgress?.(c + 1, choices.length, `learned projections K=${K}`);
  });
  return out;
}
