/**
 * Synthetic request streams shaped like the hackathon's: standard-normal features, symbols drawn with a
 * skew (a few busy symbols, so symbols repeat within a batch), exponential inter-arrival delays.
 */
import { Rng } from './rng.js';
import type { StreamRecord } from './records.js';

export interface GenerateOptions {
  requests?: number;
  symbols?: number;
  features?: number;
  /** Mean delay between requests in ms (0: all at once). */
  meanDelayMs?: number;
  seed?: number;
}

export const symbolName = (i: number) => `SYM_${String(i).padStart(3, '0')}`;

export function generateStream(opts: GenerateOptions = {}): StreamRecord[] {
  const n = opts.requests ?? 1000;
  const nSym = opts.symbols ?? 20;
  const F = opts.features ?? 79;
  const mean = opts.meanDelayMs ?? 2;
  const rng = new Rng(opts.seed ?? 1);
  // Zipf-like weights 1/(i+1): symbol 0 is the busiest.
  const weights = Array.from({ length: nSym }, (_, i) => 1 / (i + 1));
  const total = weights.reduce((a, b) => a + b, 0);
  const pick = () => {
    let u = rng.next() * total;
    for (let i = 0; i < nSym; i++) if ((u -= weights[i]) < 0) return i;
    return nSym - 1;
  };
  return Array.from({ length: n }, (_, id) => {
    const features = new Float32Array(F);
    for (let f = 0; f < F; f++) features[f] = rng.normal();
    return { id, symbol: symbolName(pick()), features, delayMs: mean > 0 ? -mean * Math.log(1 - rng.next()) : 0 };
  });
}
