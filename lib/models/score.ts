/**
 * Op accounting and the challenge score.
 * - Static counts (the scaffold's `calculate_submission_score`): per hash tile pair of width ti and
 *   height to, hdops += 2*K*ti and flops += 2*ti*to; exact layers count nothing.
 * - Activation-aware counts: what one forward over a batch really does per layer (every im2col
 *   position): projection MACs, Hamming bit-ops, norms, accumulation, against the dense FLOPs.
 * - score(acc_drop, hdops, flops; delta, gamma): A = max(0, 1 - drop/delta), r = flops/hdops folded into
 *   (0, 1], E = 2 r^g / (1 + r^g), score = 2AE / (A + E).
 */
import type { HashLinear } from './layers.js';
import type { HashModel } from './model.js';
import { inputTileWidth, outputTileHeight, tileGrid } from './projections.js';

export interface ScoreParams {
  delta: number;
  gamma: number;
}

/** Both pairs in use: `calculate_submission_score`'s and `_score`'s defaults. */
export const SCORE_PAIRS: readonly ScoreParams[] = [{ delta: 0.15, gamma: 0.5 }, { delta: 0.125, gamma: 0.85 }];

export function score(accDrop: number, hdops: number, flops: number, { delta, gamma }: ScoreParams): number {
  const A = Math.max(0, 1 - accDrop / delta);
  if (hdops === 0 || flops === 0) return 0; // nothing hashed: degenerate
  if (hdops < flops) throw new RangeError(`score: hdops (${hdops}) must be >= flops (${flops})`);
  const ratio = flops / hdops;
  const r = ratio <= 1 ? ratio : 1 / ratio;
  const rg = r ** gamma;
  const E = (2 * rg) / (1 + rg);
  return A + E > 0 ? (2 * A * E) / (A + E) : 0;
}

export interface StaticCounts {
  hdops: number;
  flops: number;
}

/** The scaffold's per-layer counts (zero for an exact layer). */
export function staticCounts(layer: HashLinear): StaticCounts {
  if (!layer.hashed) return { hdops: 0, flops: 0 };
  const g = layer.geometry;
  const { nI, nJ } = tileGrid(g);
  let hdops = 0, flops = 0;
  for (let i = 0; i < nI; i++) {
    for (let j = 0; j < nJ; j++) {
      hdops += 2 * g.hashLength * inputTileWidth(g, i);
      flops += 2 * inputTileWidth(g, i) * outputTileHeight(g, j);
    }
  }
  return { hdops, flops };
}

export function modelStaticCounts(model: HashModel): StaticCounts & { layers: (StaticCounts & { path: string })[] } {
  const layers = model.layers().map((l) => ({ path: l.path, ...staticCounts(l) }));
  return { layers, hdops: layers.reduce((s, l) => s + l.hdops, 0), flops: layers.reduce((s, l) => s + l.flops, 0) };
}

/** Both scores of a model at a given accuracy drop. */
export function scores(accDrop: number, c: StaticCounts): { params: ScoreParams; score: number }[] {
  return SCORE_PAIRS.map((params) => ({ params, score: score(accDrop, c.hdops, c.flops, params) }));
}

export interface ActivationCounts {
  path: string;
  hashed: boolean;
  /** Rows the layer sees: im2col positions x batch (batch for a linear layer). */
  rows: number;
  /** 2*D*N per row: the exact layer. */
  denseFlops: number;
  /** Hashing the inputs: 2*K*width per row and tile pair (the weights are encoded once, not counted). */
  projectionFlops: number;
  /** XOR + popcount over K bits per row, output and input tile. */
  hammingBitOps: number;
  /** Input tile norms: 2 per input value, plus one square root per row and tile. */
  normFlops: number;
  /** y += xn * wn * est(h): 3 per row, output and input tile, plus the bias. */
  accumulateFlops: number;
}

/** Per-layer counts of one forward over `batch` samples (rows measured by a one-sample forward). */
export function activationCounts(model: HashModel, batch: number): ActivationCounts[] {
  const rowsPerSample = new Map<string, number>();
  const x = { data: new Float32Array(model.inputShape.reduce((a, b) => a * b, 1)), shape: [1, ...model.inputShape] };
  model.forward(x, { hashed: false, onInput: (layer, rows) => rowsPerSample.set(layer.path, rows.shape[0]) });
  return model.layers().map((l) => {
    const rows = (rowsPerSample.get(l.path) ?? 0) * batch;
    const denseFlops = rows * 2 * l.D * l.N;
    const { nI, nJ } = tileGrid(l.geometry);
    const K = l.config.hash_length;
    return l.hashed
      ? {
        path: l.path, hashed: true, rows, denseFlops,
        projectionFlops: rows * 2 * K * l.D * nJ,
        hammingBitOps: rows * K * l.N * nI,
        normFlops: rows * (2 * l.D + nI),
        accumulateFlops: rows * (3 * l.N * nI + (l.bias ? l.N : 0)),
      }
      : { path: l.path, hashed: false, rows, denseFlops, projectionFlops: 0, hammingBitOps: 0, normFlops: 0, accumulateFlops: 0 };
  });
}
