/** Random problems of the xLSTM state kernels (fresh states included), shared by their tests. */
import { randomSlots, randomTensor, rng } from './helpers.js';

export function slstmProblem(p: { batch: number; steps: number; extra: number; seed: number; pad: boolean; heads: number; headDim: number; bias: boolean; timed: boolean; wxScale?: number }) {
  const next = rng(p.seed);
  const B = p.batch, NH = p.heads, DH = p.headDim, W = NH * DH, pool = B + p.extra, T = p.timed ? p.steps : 1;
  const state = { y: randomTensor(next, [pool, W]), c: randomTensor(next, [pool, W]), n: randomTensor(next, [pool, W], 0.5, 2), m: randomTensor(next, [pool, W], -2, 2) };
  // About half the rows are fresh: y = c = n = 0, m = -inf.
  for (let s = 0; s < pool; s++) {
    if (next() < 0.5) continue;
    for (const k of ['y', 'c', 'n'] as const) state[k].data.fill(0, s * W, (s + 1) * W);
    state.m.data.fill(-Infinity, s * W, (s + 1) * W);
  }
  const args = {
    wx: randomTensor(next, p.timed ? [B, T, 4, W] : [B, 4, W], -(p.wxScale ?? 2), p.wxScale ?? 2), R: randomTensor(next, [4, NH, DH, DH], -1 / Math.sqrt(DH), 1 / Math.sqrt(DH)),
    rBias: p.bias ? randomTensor(next, [4, W]) : undefined, slots: randomSlots(next, B, pool, p.pad),
  };
  return { state, args };
}

export function mlstmProblem(p: { batch: number; steps: number; extra: number; seed: number; pad: boolean; heads: number; keyDim: number; valueDim: number; timed: boolean }) {
  const next = rng(p.seed);
  const B = p.batch, NH = p.heads, DK = p.keyDim, DV = p.valueDim, pool = B + p.extra, T = p.timed ? p.steps : 1;
  const state = { C: randomTensor(next, [pool, NH, DK, DV]), n: randomTensor(next, [pool, NH, DK]), m: randomTensor(next, [pool, NH], -2, 2) };
  for (let s = 0; s < pool; s++) {
    if (next() < 0.5) continue;  // fresh: all zero
    for (const k of ['C', 'n', 'm'] as const) {
      const n = state[k].data.length / pool;
      state[k].data.fill(0, s * n, (s + 1) * n);
    }
  }
  const lead = p.timed ? [B, T] : [B];
  const args = {
    q: randomTensor(next, [...lead, NH, DK]), k: randomTensor(next, [...lead, NH, DK]), v: randomTensor(next, [...lead, NH, DV]),
    iPre: randomTensor(next, [...lead, NH], -3, 3), fPre: randomTensor(next, [...lead, NH], -3, 3), slots: randomSlots(next, B, pool, p.pad),
  };
  return { state, args };
}
