/** Random problems of the xLSTM state kernels (fresh states included), shared by their tests. */
import { randomSlots, randomTensor, rng } from './helpers.js';

export function slstmProblem(p: { B: number; T: number; extra: number; seed: number; pad: boolean; NH: number; DH: number; bias: boolean; timed: boolean; wxScale?: number }) {
  const next = rng(p.seed);
  const W = p.NH * p.DH, pool = p.B + p.extra, T = p.timed ? p.T : 1;
  const state = { y: randomTensor(next, [pool, W]), c: randomTensor(next, [pool, W]), n: randomTensor(next, [pool, W], 0.5, 2), m: randomTensor(next, [pool, W], -2, 2) };
  // About half the rows are fresh: y = c = n = 0, m = -inf.
  for (let s = 0; s < pool; s++) {
    if (next() < 0.5) continue;
    for (const k of ['y', 'c', 'n'] as const) state[k].data.fill(0, s * W, (s + 1) * W);
    state.m.data.fill(-Infinity, s * W, (s + 1) * W);
  }
  const args = {
    wx: randomTensor(next, p.timed ? [p.B, T, 4, W] : [p.B, 4, W], -(p.wxScale ?? 2), p.wxScale ?? 2), R: randomTensor(next, [4, p.NH, p.DH, p.DH], -1 / Math.sqrt(p.DH), 1 / Math.sqrt(p.DH)),
    rBias: p.bias ? randomTensor(next, [4, W]) : undefined, slots: randomSlots(next, p.B, pool, p.pad),
  };
  return { state, args };
}

export function mlstmProblem(p: { B: number; T: number; extra: number; seed: number; pad: boolean; NH: number; DK: number; DV: number; timed: boolean }) {
  const next = rng(p.seed);
  const pool = p.B + p.extra, T = p.timed ? p.T : 1;
  const state = { C: randomTensor(next, [pool, p.NH, p.DK, p.DV]), n: randomTensor(next, [pool, p.NH, p.DK]), m: randomTensor(next, [pool, p.NH], -2, 2) };
  for (let s = 0; s < pool; s++) {
    if (next() < 0.5) continue;  // fresh: all zero
    for (const k of ['C', 'n', 'm'] as const) {
      const n = state[k].data.length / pool;
      state[k].data.fill(0, s * n, (s + 1) * n);
    }
  }
  const lead = p.timed ? [p.B, T] : [p.B];
  const args = {
    q: randomTensor(next, [...lead, p.NH, p.DK]), k: randomTensor(next, [...lead, p.NH, p.DK]), v: randomTensor(next, [...lead, p.NH, p.DV]),
    iPre: randomTensor(next, [...lead, p.NH], -3, 3), fPre: randomTensor(next, [...lead, p.NH], -3, 3), slots: randomSlots(next, p.B, pool, p.pad),
  };
  return { state, args };
}
