/** Latency percentiles and per-tower absolute errors, as the hackathon's local evaluator reports them. */
import { TOWERS } from './config.js';

/** Nearest-rank percentile (p in [0, 100]) of unsorted values; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

export interface TowerError {
  max: number;
  mean: number;
}

/** Per-tower max and mean |prediction - expected| over the ids present in both maps. */
export function towerErrors(predictions: ReadonlyMap<number, ArrayLike<number>>, expected: ReadonlyMap<number, ArrayLike<number>>): TowerError[] | undefined {
  const sum = new Array<number>(TOWERS.length).fill(0);
  const max = new Array<number>(TOWERS.length).fill(0);
  let n = 0;
  for (const [id, want] of expected) {
    const got = predictions.get(id);
    if (!got) continue;
    n++;
    for (let t = 0; t < TOWERS.length; t++) {
      const e = Math.abs(got[t] - want[t]);
      sum[t] += e;
      // NaN must show up as an error, not vanish in Math.max.
      max[t] = Number.isNaN(e) || Number.isNaN(max[t]) ? NaN : Math.max(max[t], e);
    }
  }
  return n === 0 ? undefined : sum.map((s, t) => ({ max: max[t], mean: s / n }));
}
