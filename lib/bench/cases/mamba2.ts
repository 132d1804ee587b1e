/**
 * Microbenchmarks of the Mamba2 kernels at the hackathon shapes (H=64, P=64, N=128; conv C=4096, W=4),
 * every pool row busy and the pool larger than the caches, for T = 1 and 8. The state kernels are
 * measured against memory bandwidth: `work.bytes` counts the state read and written once per call plus
 * the inputs read and outputs written.
 */
import { causalConv1dUpdate, selectiveStateUpdate } from '../../kernels/mamba2.js';
import { EXP_FLOP, F32, lead, random, stateCase, type StateKernel } from '../state-cases.js';
import type { BenchCase } from '../types.js';

const MAMBA2 = { H: 64, P: 64, N: 128, G: 1 };
export const ssu: StateKernel = {
  bytes: (slots, steps) => {
    const { H, P, N, G } = MAMBA2;
    return F32 * (2 * slots * H * P * N + slots * steps * (2 * H * P + H + 2 * G * N));
  },
  // Per state element and step: the decay (1), + coef * B (FMA, 2), the product with C (1) and its sum (1).
  flops: (slots, steps) => 5 * slots * steps * MAMBA2.H * MAMBA2.P * MAMBA2.N,
  make: (slots, steps, backend) => {
    const { H, P, N, G } = MAMBA2, l = lead(slots, steps);
    const args = {
      state: random([slots, H, P, N], -0.1, 0.1), x: random([...l, H, P]), dt: random([...l, H], -2, 0), A: random([H], -1, -0.1),
      B: random([...l, G, N]), C: random([...l, G, N]), D: random([H]), dtBias: random([H], -0.5, 0.5), dtSoftplus: true,
      out: new Float32Array(slots * steps * H * P), backend,
    };
    return () => void selectiveStateUpdate(args);
  },
};

const CONV = { C: 4096, W: 4, L: 3 };
export const conv: StateKernel = {
  bytes: (slots, steps) => F32 * (2 * slots * CONV.C * CONV.L + 2 * slots * steps * CONV.C),
  // Per channel and step: the 4 taps (FMAs, 8) and SiLU: exp, 1 + e, the division and the product (3).
  flops: (slots, steps) => (2 * CONV.W + EXP_FLOP + 3) * slots * steps * CONV.C,
  make: (slots, steps, backend) => {
    const { C, W, L } = CONV, l = lead(slots, steps);
    const args = {
      convState: random([slots, C, L]), x: random([...l, C]), weight: random([C, W]), bias: random([C]), activation: 'silu' as const,
      out: new Float32Array(slots * steps * C), backend,
    };
    return () => void causalConv1dUpdate(args);
  },
};

export const cases: BenchCase[] = [
  stateCase('selectiveStateUpdate', 'H64xP64xN128', ssu, 64, 1),
  stateCase('selectiveStateUpdate', 'H64xP64xN128', ssu, 64, 8),
  // Batches sized so that the bytes of a call (state, inputs, outputs) are well over 128 MB (4x L3).
  stateCase('causalConv1dUpdate', 'C4096xW4', conv, 2048, 1),
  stateCase('causalConv1dUpdate', 'C4096xW4', conv, 512, 8),
];
