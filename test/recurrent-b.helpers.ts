/** Shared helpers of the recurrent-b tests: seeded random tensors and pool snapshots. */
import type { Tensor } from '../lib/tensor.js';
import { retnetAngle } from '../lib/kernels/recurrent-b.js';

/** mulberry32: a small seeded generator, so fast-check seeds reproduce whole tensors. */
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

/** A float32 tensor of uniform values in [lo, hi). */
export function rand(next: () => number, shape: number[], lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * next();
  return { data, shape };
}

/**
 * Slots for B rows over a pool of `pool` rows: distinct rows in random order, some replaced by -1
 * (padding) when `pad` is set.
 */
export function randomSlots(next: () => number, B: number, pool: number, pad: boolean): Int32Array {
  const rows = Array.from({ length: pool }, (_, i) => i);
  for (let i = pool - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const slots = Int32Array.from(rows.slice(0, B));
  if (pad) for (let b = 0; b < B; b++) if (next() < 0.3) slots[b] = -1;
  return slots;
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

/** First index where |got - want| > atol + rtol*|want| (NaN only matches NaN), or -1. */
export function firstMismatch(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number): number {
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    if (!(Math.abs(g - w) <= atol + rtol * Math.abs(w))) return i;
  }
  return -1;
}

// Random problems of the state kernels (shared by the native and CUDA tests).

export function retentionProblem(p: { B: number; T: number; extra: number; seed: number; pad: boolean; H: number; halfDk: number; Dv: number; rotate: boolean; timed: boolean }) {
  const next = rng(p.seed);
  const Dk = 2 * p.halfDk, T = p.timed ? p.T : 1, pool = p.B + p.extra;
  const state = {
    S: rand(next, [pool, p.H, Dk, p.Dv]), scales: rand(next, [pool, p.H], 0, 5),
    offsets: { data: Int32Array.from({ length: pool }, () => Math.floor(next() * 2e6) - 1e3), shape: [pool] },
  };
  const lead = p.timed ? [p.B, T] : [p.B];
  const args = {
    q: rand(next, [...lead, p.H, Dk]), k: rand(next, [...lead, p.H, Dk]), v: rand(next, [...lead, p.H, p.Dv]),
    decay: rand(next, [p.H], 0.5, 1), angle: p.rotate ? retnetAngle(Dk) : undefined,
    slots: randomSlots(next, p.B, pool, p.pad),
  };
  return { state, args };
}

export function slstmProblem(p: { B: number; T: number; extra: number; seed: number; pad: boolean; NH: number; DH: number; bias: boolean; timed: boolean; wxScale?: number }) {
  const next = rng(p.seed);
  const W = p.NH * p.DH, pool = p.B + p.extra, T = p.timed ? p.T : 1;
  const state = { y: rand(next, [pool, W]), c: rand(next, [pool, W]), n: rand(next, [pool, W], 0.5, 2), m: rand(next, [pool, W], -2, 2) };
  // About half the rows are fresh: y = c = n = 0, m = -inf.
  for (let s = 0; s < pool; s++) {
    if (next() < 0.5) continue;
    for (const k of ['y', 'c', 'n'] as const) state[k].data.fill(0, s * W, (s + 1) * W);
    state.m.data.fill(-Infinity, s * W, (s + 1) * W);
  }
  const args = {
    wx: rand(next, p.timed ? [p.B, T, 4, W] : [p.B, 4, W], -(p.wxScale ?? 2), p.wxScale ?? 2), R: rand(next, [4, p.NH, p.DH, p.DH], -1 / Math.sqrt(p.DH), 1 / Math.sqrt(p.DH)),
    rBias: p.bias ? rand(next, [4, W]) : undefined, slots: randomSlots(next, p.B, pool, p.pad),
  };
  return { state, args };
}

export function mlstmProblem(p: { B: number; T: number; extra: number; seed: number; pad: boolean; NH: number; DK: number; DV: number; timed: boolean }) {
  const next = rng(p.seed);
  const pool = p.B + p.extra, T = p.timed ? p.T : 1;
  const state = { C: rand(next, [pool, p.NH, p.DK, p.DV]), n: rand(next, [pool, p.NH, p.DK]), m: rand(next, [pool, p.NH], -2, 2) };
  for (let s = 0; s < pool; s++) {
    if (next() < 0.5) continue;  // fresh: all zero
    for (const k of ['C', 'n', 'm'] as const) {
      const n = state[k].data.length / pool;
      state[k].data.fill(0, s * n, (s + 1) * n);
    }
  }
  const lead = p.timed ? [p.B, T] : [p.B];
  const args = {
    q: rand(next, [...lead, p.NH, p.DK]), k: rand(next, [...lead, p.NH, p.DK]), v: rand(next, [...lead, p.NH, p.DV]),
    iPre: rand(next, [...lead, p.NH], -3, 3), fPre: rand(next, [...lead, p.NH], -3, 3), slots: randomSlots(next, p.B, pool, p.pad),
  };
  return { state, args };
}
