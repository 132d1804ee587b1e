/** Native CPU implementations of the xLSTM plans: thin calls into the addon (native/binding/xlstm_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import type { MlstmStepPlan, SlstmStepPlan } from '../kernels/xlstm-plans.js';
import { nativeKernel } from './kernel.js';

export const slstmArgs = (p: SlstmStepPlan) => [
  p.y, p.c, p.n, p.m, p.wx, p.R, p.rBias ?? null, p.slots, p.h, p.poolSize, p.B, p.T, p.NH, p.DH, p.eps,
];

export const mlstmArgs = (p: MlstmStepPlan) => [
  p.C, p.n, p.m, p.q, p.k, p.v, p.iPre, p.fPre, p.slots, p.h, p.poolSize, p.B, p.T, p.NH, p.DK, p.DV, p.eps,
];

export const xlstmNative: KernelTable = {
  slstmStep: nativeKernel('slstmStep', slstmArgs),
  mlstmStep: nativeKernel('mlstmStep', mlstmArgs),
};
