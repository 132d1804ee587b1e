/** Random problems of the RetNet retention step, shared by its tests. */
import { retnetAngle } from '../lib/kernels/retnet.js';
import { randomSlots, randomTensor, rng } from './helpers.js';

export function retentionProblem(p: { B: number; T: number; extra: number; seed: number; pad: boolean; H: number; halfDk: number; Dv: number; rotate: boolean; timed: boolean }) {
  const next = rng(p.seed);
  const Dk = 2 * p.halfDk, T = p.timed ? p.T : 1, pool = p.B + p.extra;
  const state = {
    S: randomTensor(next, [pool, p.H, Dk, p.Dv]), scales: randomTensor(next, [pool, p.H], 0, 5),
    offsets: { data: Int32Array.from({ length: pool }, () => Math.floor(next() * 2e6) - 1e3), shape: [pool] },
  };
  const lead = p.timed ? [p.B, T] : [p.B];
  const args = {
    q: randomTensor(next, [...lead, p.H, Dk]), k: randomTensor(next, [...lead, p.H, Dk]), v: randomTensor(next, [...lead, p.H, p.Dv]),
    decay: randomTensor(next, [p.H], 0.5, 1), angle: p.rotate ? retnetAngle(Dk) : undefined,
    slots: randomSlots(next, p.B, pool, p.pad),
  };
  return { state, args };
}
