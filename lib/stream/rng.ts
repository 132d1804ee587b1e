/**
 * Seeded draws for random weights and generated streams, over the library's mulberry32 generator
 * (lib/bench/random.ts), so both are reproducible from a seed.
 */
import { rng } from '../bench/random.js';

export class Rng {
  private readonly draw: () => number;
  private spare: number | undefined;

  constructor(seed: number) {
    this.draw = rng(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.draw();
  }

  /** Standard normal (Box-Muller, caching the second value). */
  normal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    const u = 1 - this.draw();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * this.draw();
    this.spare = r * Math.sin(th);
    return r * Math.cos(th);
  }
}
