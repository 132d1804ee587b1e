/**
 * JS reference of the Mamba2 kernels: a literal reading of SPEC §4 and §5 in float64
 * arithmetic (the state is stored back to its float32 pool after every step, as in every backend).
 * Written for clarity rather than speed; the native backend is tested against it.
 */
import type { KernelTable } from '../backend-contract.js';
import type { CausalConv1dUpdatePlan, SelectiveStateUpdatePlan } from '../kernels/mamba2-plans.js';
import { sigmoid, softplus } from './activations.js';

export function selectiveStateUpdate(p: SelectiveStateUpdatePlan): void {
  const { heads: H, headDim: P, dState: N, groups: G, steps: T } = p;
  const headsPerGroup = H / G;
  for (let b = 0; b < p.batch; b++) {
    const slot = p.slots[b];
    for (let t = 0; t < T; t++) {
      const bt = b * T + t;
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / headsPerGroup);
        const Bv = (bt * G + g) * N, Cv = Bv;
        for (let i = 0; i < P; i++) {
          const xi = (bt * H + h) * P + i;
          if (slot < 0) {
            p.out[xi] = 0;
            continue;
          }
          let dt = p.dt[p.dtPerDim ? xi : bt * H + h];
          if (p.dtBias) dt += p.dtBias[p.biasPerDim ? h * P + i : h];
          if (p.dtSoftplus) dt = softplus(dt);
          const x = p.x[xi];
          const s0 = ((slot * H + h) * P + i) * N;
          let y = 0;
          for (let n = 0; n < N; n++) {
            const A = p.A[p.aFull ? (h * P + i) * N + n : h];
            const s = p.state[s0 + n] * Math.exp(A * dt) + dt * p.B[Bv + n] * x;
            p.state[s0 + n] = s;
            y += p.state[s0 + n] * p.C[Cv + n];
          }
          if (p.D) y += p.D[p.dPerDim ? h * P + i : h] * x;
          if (p.z) y *= p.z[xi] * sigmoid(p.z[xi]);
          p.out[xi] = y;
        }
      }
    }
  }
}

export function causalConv1dUpdate(p: CausalConv1dUpdatePlan): void {
  const { channels: Cn, length: L, width: W, steps: T } = p;
  const xs = new Float64Array(L + 1);
  for (let b = 0; b < p.batch; b++) {
    const slot = p.slots[b];
    for (let t = 0; t < T; t++) {
      for (let c = 0; c < Cn; c++) {
        const oi = (b * T + t) * Cn + c;
        if (slot < 0) {
          p.out[oi] = 0;
          continue;
        }
        // xs = concat(state, x) over time; the output reads its last W entries, the state keeps xs[1:].
        const s0 = (slot * Cn + c) * L;
        for (let l = 0; l < L; l++) xs[l] = p.convState[s0 + l];
        xs[L] = p.x[oi];
        let y = p.bias ? p.bias[c] : 0;
        for (let j = 0; j < W; j++) y += p.weight[c * W + j] * xs[L + 1 - W + j];
        if (p.activation === 'silu') y *= sigmoid(y);
        p.out[oi] = y;
        for (let l = 0; l < L; l++) p.convState[s0 + l] = xs[l + 1];
      }
    }
  }
}

export const mamba2Reference: KernelTable = {
  selectiveStateUpdate: { run: selectiveStateUpdate },
  causalConv1dUpdate: { run: causalConv1dUpdate },
};
