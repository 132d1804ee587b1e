/**
 * JS reference of the xLSTM kernels: a literal reading of SPEC §8 and §9 (float64 arithmetic; state is
 * stored back as float32). Each batch row walks its T steps in order on its pool row; padding rows
 * (negative slots) get zero outputs and touch no state.
 */
import type { KernelTable } from '../backend-contract.js';
import type { MlstmStepPlan, SlstmStepPlan } from '../kernels/xlstm-plans.js';
import { logSigmoid, sigmoid } from './activations.js';

export function slstmStep(p: SlstmStepPlan): void {
  const { heads: NH, headDim: DH, steps: T } = p;
  const W = NH * DH;
  const pre = new Float64Array(4);
  const yNew = new Float64Array(W);
  for (let b = 0; b < p.batch; b++) {
    const slot = p.slots[b];
    if (slot < 0) {
      p.h.fill(0, b * T * W, (b + 1) * T * W);
      continue;
    }
    const st = slot * W;
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < NH; h++) {
        for (let k = 0; k < DH; k++) {
          const e = h * DH + k;
          for (let g = 0; g < 4; g++) {
            let r = p.wx[((b * T + t) * 4 + g) * W + e] + (p.rBias ? p.rBias[g * W + e] : 0);
            const r0 = ((g * NH + h) * DH + k) * DH;
            for (let j = 0; j < DH; j++) r += p.R[r0 + j] * p.y[st + h * DH + j];
            pre[g] = r;
          }
          const lf = p.m[st + e] + logSigmoid(pre[1]);
          const m = Math.max(pre[0], lf);
          const i = Math.exp(pre[0] - m), f = Math.exp(lf - m);
          const c = (p.c[st + e] = f * p.c[st + e] + i * Math.tanh(pre[2]));
          const n = (p.n[st + e] = f * p.n[st + e] + i);
          p.m[st + e] = m;
          yNew[e] = (sigmoid(pre[3]) * c) / (n + p.eps);
        }
      }
      // y feeds every entry's recurrence, so it is replaced only once the whole step is done.
      for (let e = 0; e < W; e++) p.h[(b * T + t) * W + e] = p.y[st + e] = yNew[e];
    }
  }
}

export function mlstmStep(p: MlstmStepPlan): void {
  const { heads: NH, keyDim: DK, valueDim: DV, steps: T } = p;
  const kScale = 1 / Math.sqrt(DK);
  for (let b = 0; b < p.batch; b++) {
    const slot = p.slots[b];
    if (slot < 0) {
      p.h.fill(0, b * T * NH * DV, (b + 1) * T * NH * DV);
      continue;
    }
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < NH; h++) {
        const g = (b * T + t) * NH + h;
        const x0 = g * DK, v0 = g * DV, c0 = (slot * NH + h) * DK * DV, n0 = (slot * NH + h) * DK;
        const lf = logSigmoid(p.fPre[g]);
        const mOld = p.m[slot * NH + h];
        const m = Math.max(p.iPre[g], mOld + lf);
        const i = Math.exp(p.iPre[g] - m), f = Math.exp(lf + mOld - m);
        p.m[slot * NH + h] = m;
        let qn = 0;
        for (let a = 0; a < DK; a++) {
          const kh = p.k[x0 + a] * kScale;
          for (let j = 0; j < DV; j++) p.C[c0 + a * DV + j] = f * p.C[c0 + a * DV + j] + i * kh * p.v[v0 + j];
          p.n[n0 + a] = f * p.n[n0 + a] + i * kh;
          qn += p.q[x0 + a] * p.n[n0 + a];
        }
        const den = Math.max(Math.abs(qn), Math.exp(-m)) + p.eps;
        for (let j = 0; j < DV; j++) {
          let acc = 0;
          for (let a = 0; a < DK; a++) acc += p.q[x0 + a] * p.C[c0 + a * DV + j];
          p.h[v0 + j] = acc / den;
        }
      }
    }
  }
}

export const xlstmReference: KernelTable = {
  slstmStep: { run: slstmStep },
  mlstmStep: { run: mlstmStep },
};
