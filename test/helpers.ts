/** Shared test utilities: seeded data, per-ISA loops, tolerant comparisons, pool snapshots. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mulberry32 } from '../lib/models/projections.js';
import { backendStatus, isBackendAvailable } from '../lib/backend.js';
import { getIsa, setIsa, supportedIsas, type Isa } from '../lib/runtime.js';
import type { Tensor } from '../lib/tensor.js';

export const HAS_NATIVE = isBackendAvailable('native');

/** Whether `cmd --version` runs (a tool a test needs is installed). */
export function hasCommand(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

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

/**
 * A compiled backend as the differential tests run it against the JS reference: native once per ISA
 * this CPU supports, cuda once (skipped without a GPU, as every CUDA test is).
 */
export interface CompiledBackend {
  backend: 'native' | 'cuda';
  /** node:test's skip option: why the backend cannot run here, else false. */
  skip: string | false;
  /** fast-check runs per property: every CUDA run is a round trip to the device. */
  runs: number;
  /** Calls fn once per variant, with the variant's name (`native/avx2`, `cuda`). */
  forEachVariant(fn: (variant: string) => void): void;
}

/** The JS reference as a backend under test (for checks that hold on every backend, e.g. multi-step). */
export const JS_BACKEND = { backend: 'js', skip: false, runs: 40, forEachVariant: (fn: (variant: string) => void) => fn('js') } as const;

export function compiledBackends(nativeRuns = 40, cudaRuns = 30): CompiledBackend[] {
  return [
    { backend: 'native', skip: !HAS_NATIVE && 'native addon not built', runs: nativeRuns, forEachVariant: (fn) => forEachIsa((isa) => fn(`native/${isa}`)) },
    { backend: 'cuda', skip: !isBackendAvailable('cuda') && backendStatus('cuda').reason, runs: cudaRuns, forEachVariant: (fn) => fn('cuda') },
  ];
}

/** forEachIsa for bodies that await (e.g. the Async kernels). */
export async function forEachIsaAsync(fn: (isa: Isa) => void | Promise<void>): Promise<void> {
  if (!HAS_NATIVE) return;
  const saved = getIsa();
  try {
    for (const isa of supportedIsas()) {
      setIsa(isa);
      await fn(isa);
    }
  } finally {
    setIsa(saved);
  }
}

/** A small deterministic generator (mulberry32) for test data. */
export const rng = mulberry32;

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

/** A float32 tensor of uniform values in [lo, hi) drawn from `next` (e.g. rng(seed)). */
export function randomTensor(next: () => number, shape: number[], lo = -1, hi = 1): Tensor {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * next();
  return { data, shape };
}

/**
 * Slots for B rows over a pool of `pool` rows: distinct rows in random order, some replaced by padding
 * (any negative value, not only -1) when `pad` is set.
 */
export function randomSlots(next: () => number, B: number, pool: number, pad: boolean): Int32Array {
  const rows = Array.from({ length: pool }, (_, i) => i);
  for (let i = pool - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const slots = Int32Array.from(rows.slice(0, B));
  if (pad) for (let b = 0; b < B; b++) if (next() < 0.3) slots[b] = -1 - Math.floor(next() * 3);
  return slots;
}

/** First index where |got - want| > atol + rtol*|want| (NaN only matches NaN), or -1. */
export function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): number {
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) return i;
  }
  return -1;
}

/** Asserts |got - want| <= atol + rtol*|want| elementwise (NaNs must match). */
export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, what = 'value'): void {
  assert.equal(got.length, want.length, `${what}: length`);
  const i = firstMismatch(got, want, atol, rtol);
  if (i >= 0) assert.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]} (atol ${atol}, rtol ${rtol})`);
}

/** Deep copies of a pool's tensors (to run the same call twice, or to check it is untouched). */
export function clonePool<P extends Record<string, Tensor<Float32Array | Int32Array>>>(pool: P): P {
  const out: Record<string, Tensor<Float32Array | Int32Array>> = {};
  for (const [k, t] of Object.entries(pool)) out[k] = { data: t.data.slice(), shape: [...t.shape] };
  return out as P;
}

/** Whether two typed arrays hold the same bits (NaN == NaN, -0 != +0). */
export function sameBits(a: Float32Array | Int32Array, b: Float32Array | Int32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
