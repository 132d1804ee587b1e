/** Random problems of the RetNet retention step, shared by its tests. */
import { retnetAngle } from '../lib/kernels/retnet.js';
import { randomSlots, randomTensor, rng } from './helpers.js';

export function retentionProblem(p: { batch: number; steps: number; extra: number; seed: number; pad: boolean; heads: number; halfKeyDim: number; valueDim: number; rotate: boolean; timed: boolean }) {
  const next = rng(p.seed);
  const B = p.batch, H = p.heads, Dk = 2 * p.halfKeyDim, Dv = p.valueDim, T = p.timed ? p.steps : 1, pool = B + p.extra;
  const state = {
    S: randomTensor(next, [pool, H, Dk, Dv]), scales: randomTensor(next, [pool, H], 0, 5),
    offsets: { data: Int32Array.from({ length: pool }, () => Math.floor(next() * 2e6) - 1e3), shape: [pool] },
  };
  const lead = p.timed ? [B, T] : [B];
  const args = {
    q: randomTensor(next, [...lead, H, Dk]), k: randomTensor(next, [...lead, H, Dk]), v: randomTensor(next, [...lead, H, Dv]),
    decay: randomTensor(next, [H], 0.5, 1), angle: p.rotate ? retnetAngle(Dk) : undefined,
    slots: randomSlots(next, B, pool, p.pad),
  };
  return { state, args };
}
