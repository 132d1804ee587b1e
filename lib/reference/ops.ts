/**
 * JS reference of the ops kernels: linear, RMS/layer/group normalisation and the activations, in
 * float64 arithmetic, written for clarity rather than speed. Every other backend is tested against it.
 */
import type { KernelTable } from '../backend-contract.js';
import type { ActivationPlan, LinearPlan, NormPlan } from '../kernels/ops-plans.js';

export function linear(p: LinearPlan): void {
  for (let m = 0; m < p.M; m++) {
    for (let n = 0; n < p.N; n++) {
      let z = p.bias ? p.bias[n] : 0;
      for (let k = 0; k < p.K; k++) z += p.x[m * p.K + k] * p.weight[n * p.K + k];
      p.y[m * p.N + n] = z;
    }
  }
}

/** Each run of D / groups channels: (x − mean) / sqrt(var + eps), or x / sqrt(mean(x²) + eps) for RMS. */
export function norm(p: NormPlan): void {
  const run = p.D / p.groups;
  for (let start = 0; start < p.rows * p.D; start += run) {
    const channel0 = start % p.D;
    let mean = 0;
    if (p.center) {
      for (let i = 0; i < run; i++) mean += p.x[start + i];
      mean /= run;
    }
    let squares = 0;
    for (let i = 0; i < run; i++) squares += (p.x[start + i] - mean) ** 2;
    const scale = 1 / Math.sqrt(squares / run + p.eps);
    // Statistics first, then the writes: y may be x itself.
    for (let i = 0; i < run; i++) {
      const c = channel0 + i;
      p.y[start + i] = (p.x[start + i] - mean) * scale * (p.weight ? p.weight[c] : 1) + (p.bias ? p.bias[c] : 0);
    }
  }
}

/** erfc(z) for z >= 3 by its continued fraction e^(−z²)/√π · 1/(z + ½/(z + 1/(z + (3/2)/(z + …)))). */
function erfcTail(z: number): number {
  let f = z;
  for (let k = 80; k >= 1; k--) f = z + k / 2 / f;
  return Math.exp(-z * z) / (Math.sqrt(Math.PI) * f);
}

/** erf(z) for 0 <= z < 3 by the all-positive series 2/√π · e^(−z²) · Σ 2ⁿ z^(2n+1) / (1·3·…·(2n+1)). */
function erfSeries(z: number): number {
  let term = z, sum = z;
  for (let n = 1; term > 1e-17 * sum; n++) {
    term *= (2 * z * z) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) * sum;
}

export function erf(z: number): number {
  if (Number.isNaN(z)) return z;
  const a = Math.abs(z);
  const v = a < 3 ? erfSeries(a) : 1 - erfcTail(a);
  return z < 0 ? -v : v;
}

export function erfc(z: number): number {
  if (Number.isNaN(z)) return z;
  if (z >= 3) return erfcTail(z);
  return 1 - erf(z);
}

export const siluOf = (x: number): number => x / (1 + Math.exp(-x));
/** x · Φ(x) = x/2 · erfc(−x/√2), which keeps its relative accuracy far into the negative tail. */
export const geluOf = (x: number): number => 0.5 * x * erfc(-x / Math.SQRT2);
export const reluOf = (x: number): number => (Number.isNaN(x) ? x : Math.max(x, 0));

function elementwise(f: (x: number) => number) {
  return (p: ActivationPlan): void => {
    for (let i = 0; i < p.x.length; i++) p.y[i] = f(p.x[i]);
  };
}

export const opsReference: KernelTable = {
  linear: { run: linear },
  rmsNorm: { run: norm },
  layerNorm: { run: norm },
  groupNorm: { run: norm },
  silu: { run: elementwise(siluOf) },
  gelu: { run: elementwise(geluOf) },
  relu: { run: elementwise(reluOf) },
};
