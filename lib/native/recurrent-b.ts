/** Native CPU implementations of the recurrent-b plans: thin calls into the addon (native/binding/recurrent_b_binding.cc). */
import type { KernelTable } from '../backend.js';
import type { MlstmStepPlan, RetentionStepPlan, RotaryPlan, SlstmStepPlan } from '../kernels/recurrent-b-plans.js';
import { nativeKernel } from './lsh.js';

export const rotaryArgs = (p: RotaryPlan) => [p.x, p.positions, p.angle, p.y, p.B * p.T, p.H, p.Dh];

export const retentionArgs = (p: RetentionStepPlan) => [
  p.S, p.scales, p.offsets, p.q, p.k, p.v, p.decay, p.angle ?? null, p.slots, p.o, p.poolSize, p.B, p.T, p.H, p.Dk, p.Dv, p.kScale,
];

export const slstmArgs = (p: SlstmStepPlan) => [
  p.y, p.c, p.n, p.m, p.wx, p.R, p.rBias ?? null, p.slots, p.h, p.poolSize, p.B, p.T, p.NH, p.DH, p.eps,
];

export const mlstmArgs = (p: MlstmStepPlan) => [
  p.C, p.n, p.m, p.q, p.k, p.v, p.iPre, p.fPre, p.slots, p.h, p.poolSize, p.B, p.T, p.NH, p.DK, p.DV, p.eps,
];

export const recurrentBNative: KernelTable = {
  rotary: nativeKernel('rotary', rotaryArgs),
  retentionStep: nativeKernel('retentionStep', retentionArgs),
  slstmStep: nativeKernel('slstmStep', slstmArgs),
  mlstmStep: nativeKernel('mlstmStep', mlstmArgs),
};
