/** Shared test utilities: seeded data, per-ISA loops, tolerant comparisons. */
import assert from 'node:assert/strict';
import { isBackendAvailable } from '../lib/backend.js';
import { getIsa, setIsa, supportedIsas, type Isa } from '../lib/runtime.js';

export const HAS_NATIVE = isBackendAvailable('native');

/** Runs fn once per native ISA this CPU supports, restoring the ISA afterwards. */
export function forEachIsa(fn: (isa: Isa) => void): void {
  if (!HAS_NATIVE) return;
  const saved = getIsa();
  try {
    for (const isa of supportedIsas()) {
      setIsa(isa);
      fn(isa);
    }
  } finally {
    setIsa(saved);
  }
}

/** A small deterministic generator (mulberry32) for test data. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform floats in [-scale, scale). */
export function randomFloats(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (r() * 2 - 1) * scale;
  return out;
}

/** Small integers in [-range, range]: products and sums stay exact in float32 in any order. */
export function randomInts(n: number, seed: number, range = 8): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(r() * (2 * range + 1)) - range;
  return out;
}

/** Asserts |got - want| <= atol + rtol*|want| elementwise (NaNs must match). */
export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, what = 'value'): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) {
      assert.fail(`${what}[${i}]: got ${g}, want ${w} (atol ${atol}, rtol ${rtol})`);
    }
  }
}
