/**
 * JS reference of the Hawk kernels: a literal reading of SPEC §10 and §11 in float64 arithmetic (the
 * RG-LRU state is stored back to its float32 pool after every step, as in every backend). Written for
 * clarity rather than speed; the native backend is tested against it.
 */
import type { KernelTable } from '../backend-contract.js';
import type { BlockLinearPlan, RglruStepPlan } from '../kernels/hawk-plans.js';
import { sigmoid, softplus } from './activations.js';

export function rglruStep(p: RglruStepPlan): void {
  const { width: W, steps: T } = p;
  for (let b = 0; b < p.batch; b++) {
    const slot = p.slots[b];
    for (let t = 0; t < T; t++) {
      const reset = p.reset ? p.reset[b * T + t] !== 0 : false;
      for (let w = 0; w < W; w++) {
        const i = (b * T + t) * W + w;
        if (slot < 0) {
          p.out[i] = 0;
          continue;
        }
        const r = sigmoid(p.gateA[i]);
        const logA = p.aParam === 'direct' ? p.c * r * Math.log(p.a[w]) : -p.c * r * softplus(p.a[w]);
        const at = reset ? 0 : Math.exp(logA);
        const mult = reset ? 1 : Math.sqrt(1 - at * at);
        const hi = slot * W + w;
        p.h[hi] = at * p.h[hi] + mult * (sigmoid(p.gateX[i]) * p.x[i]);
        p.out[i] = p.h[hi];
      }
    }
  }
}

export function blockLinear(p: BlockLinearPlan): void {
  const { blocks, blockIn: bi, blockOut: bo } = p;
  const inW = blocks * bi, outW = blocks * bo;
  for (let r = 0; r < p.rows; r++) {
    for (let n = 0; n < blocks; n++) {
      for (let k = 0; k < bo; k++) {
        let y = p.bias ? p.bias[n * bo + k] : 0;
        for (let h = 0; h < bi; h++) y += p.x[r * inW + n * bi + h] * p.weight[(n * bo + k) * bi + h];
        p.y[r * outW + n * bo + k] = y;
      }
    }
  }
}

export const hawkReference: KernelTable = {
  rglruStep: { run: rglruStep },
  blockLinear: { run: blockLinear },
};
