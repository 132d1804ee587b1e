/**
 * JS reference of the noisy sign projection: the float32 recipe of lib/kernels/noisy.ts with every
 * operation rounded by Math.fround. (A float32 +, *, / computed in float64 and rounded once equals the
 * float32 operation, so this is bit-exact with the C++ float arithmetic.)
 */
import type { KernelTable } from '../backend-contract.js';
import { gaussInt, rowKey } from '../counter-rng.js';
import type { NoisySignProjectPlan } from '../kernels/noisy-plans.js';

const f = Math.fround;

/** The DAC levels of one row into q (float32 values). Returns 1/L as float32. */
export function quantizeRow(x: Float32Array, off: number, D: number, dacBits: number, q: Float32Array): number {
  let amax = 0;
  for (let d = 0; d < D; d++) {
    const a = Math.abs(x[off + d]);
    if (a > amax) amax = a; // NaN never compares greater (as in C++)
  }
  const L = dacBits === 0 ? 1 : Math.max(1, 2 ** (dacBits - 1) - 1);
  const s = amax > 0 ? f(L / amax) : 0;
  for (let d = 0; d < D; d++) {
    const t = f(x[off + d] * s);
    let v = dacBits === 0 ? t : Math.floor(f(t + 0.5));
    if (v > L) v = L;
    else if (v < -L) v = -L;
    q[d] = v;
  }
  return f(1 / L);
}

export function noisySignProject(p: NoisySignProjectPlan): void {
  const q = new Float32Array(p.D);
  for (let m = 0; m < p.M; m++) {
    const invL = quantizeRow(p.x, m * p.D, p.D, p.dacBits, q);
    const row = rowKey(p.key, (p.rowOffset + m) >>> 0);
    const c0 = m * p.stride;
    p.codes.fill(0, c0, c0 + p.stride);
    for (let k = 0; k < p.K; k++) {
      let z = 0;
      for (let d = 0; d < p.D; d++) z = f(z + f(q[d] * p.weights[k * p.D + d]));
      const noise = p.noiseScale === 0 ? 0 : f(gaussInt(row, k) * p.noiseScale);
      const v = f(f(f(z * invL) + noise) + p.offsets[k]);
      if (v > 0) p.codes[c0 + (k >> 3)] |= 1 << (k & 7);
    }
  }
}

export const noisyReference: KernelTable = {
  noisySignProject: { run: noisySignProject },
};
