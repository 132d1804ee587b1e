/** Native CPU implementations of the RetNet plans: thin calls into the addon (native/binding/retnet_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import type { RetentionStepPlan, RotaryPlan } from '../kernels/retnet-plans.js';
import { nativeKernel } from './kernel.js';

export const rotaryArgs = (p: RotaryPlan) => [p.x, p.positions, p.angle, p.y, p.B * p.T, p.H, p.Dh];

export const retentionArgs = (p: RetentionStepPlan) => [
  p.S, p.scales, p.offsets, p.q, p.k, p.v, p.decay, p.angle ?? null, p.slots, p.o, p.poolSize, p.B, p.T, p.H, p.Dk, p.Dv, p.kScale,
];

export const retnetNative: KernelTable = {
  rotary: nativeKernel('rotary', rotaryArgs),
  retentionStep: nativeKernel('retentionStep', retentionArgs),
};
