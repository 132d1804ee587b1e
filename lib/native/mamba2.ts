/** Native CPU implementations of the Mamba2 plans: thin calls into the addon (native/binding/mamba2_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import type { CausalConv1dUpdatePlan, SelectiveStateUpdatePlan } from '../kernels/mamba2-plans.js';
import { nativeKernel } from './kernel.js';

export const ssuArgs = (p: SelectiveStateUpdatePlan) => [
  p.state, p.x, p.dt, p.A, p.B, p.C, p.D ?? null, p.z ?? null, p.dtBias ?? null, p.slots, p.out,
  p.poolSize, p.heads, p.headDim, p.dState, p.groups, p.batch, p.steps,
  p.dtPerDim, p.aFull, p.dPerDim, p.biasPerDim, p.dtSoftplus,
];

export const convArgs = (p: CausalConv1dUpdatePlan) => [
  p.convState, p.x, p.weight, p.bias ?? null, p.slots, p.out,
  p.poolSize, p.channels, p.length, p.width, p.batch, p.steps, p.activation === 'silu',
];

export const mamba2Native: KernelTable = {
  selectiveStateUpdate: nativeKernel('selectiveStateUpdate', ssuArgs),
  causalConv1dUpdate: nativeKernel('causalConv1dUpdate', convArgs),
};
