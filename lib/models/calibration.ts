/**
 * Calibration activations: the inputs every hash layer sees (im2col rows for convolutions) during an
 * exact forward over a calibration set, subsampled to at most `maxRows` rows per layer.
 */
import type { BackendName } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { predict } from './evaluate.js';
import type { HashModel } from './model.js';
import { normalGenerator } from './projections.js';

export interface CalibrationOptions {
  maxRows?: number;
  seed?: number;
  backend?: BackendName;
  batchSize?: number;
  /** Capture from the hashed forward (inputs carry upstream hashing error) instead of the exact one. */
  hashed?: boolean;
  /** Only these layer paths (default: all). */
  layers?: string[];
}

/** Rows per sample of every layer, from a one-sample exact forward. */
export function rowsPerSample(model: HashModel): Map<string, number> {
  const rows = new Map<string, number>();
  const x = { data: new Float32Array(model.inputShape.reduce((a, b) => a * b, 1)), shape: [1, ...model.inputShape] };
  model.forward(x, { hashed: false, onInput: (layer, r) => rows.set(layer.path, r.shape[0]) });
  return rows;
}

/** A seeded choice of `k` of `n` indices, sorted. */
function choose(n: number, k: number, seed: number, stream: string): Uint8Array {
  const keep = new Uint8Array(n);
  if (k >= n) return keep.fill(1);
  const u = normalGenerator(seed, stream); // any seeded stream will do; ranks of normals are a uniform permutation
  const keys = Float64Array.from({ length: n }, () => u());
  const order = [...keys.keys()].sort((a, b) => keys[a] - keys[b]);
  for (let i = 0; i < k; i++) keep[order[i]] = 1;
  return keep;
}

/** Captured input rows [R, D] per layer path. */
export function captureInputs(model: HashModel, images: Tensor, o: CalibrationOptions = {}): Map<string, Tensor> {
  const maxRows = o.maxRows ?? 512, seed = o.seed ?? 0;
  const N = images.shape[0];
  const perSample = rowsPerSample(model);
  const keep = new Map<string, Uint8Array>();
  const chunks = new Map<string, Float32Array[]>();
  const seen = new Map<string, number>();
  const layers = model.layers().filter((l) => !o.layers || o.layers.includes(l.path));
  for (const layer of layers) {
    keep.set(layer.path, choose(perSample.get(layer.path)! * N, maxRows, seed, layer.path));
    chunks.set(layer.path, []);
    seen.set(layer.path, 0);
  }
  predict(model, images, {
    hashed: o.hashed ?? false, backend: o.backend, batchSize: o.batchSize,
    onInput: (layer, x) => {
      if (!keep.has(layer.path)) return;
      const [R, D] = x.shape, base = seen.get(layer.path)!, k = keep.get(layer.path)!;
      for (let r = 0; r < R; r++) if (k[base + r]) chunks.get(layer.path)!.push(x.data.slice(r * D, (r + 1) * D));
      seen.set(layer.path, base + R);
    },
  });
  const out = new Map<string, Tensor>();
  for (const layer of layers) {
    const rows = chunks.get(layer.path)!;
    const data = new Float32Array(rows.length * layer.D);
    rows.forEach((r, i) => data.set(r, i * layer.D));
    out.set(layer.path, { data, shape: [rows.length, layer.D] });
  }
  return out;
}
