/** Native CPU implementations of the recurrent-a plans: thin calls into the addon (native/binding/recurrent_a_binding.cc). */
import type { KernelTable } from '../backend.js';
import type { BlockLinearPlan, CausalConv1dUpdatePlan, RglruStepPlan, SelectiveStateUpdatePlan } from '../kernels/recurrent-a-plans.js';
import { nativeKernel } from './lsh.js';

export const ssuArgs = (p: SelectiveStateUpdatePlan) => [
  p.state, p.x, p.dt, p.A, p.B, p.C, p.D ?? null, p.z ?? null, p.dtBias ?? null, p.slots, p.out,
  p.poolSize, p.heads, p.headDim, p.dState, p.groups, p.batch, p.steps,
  p.dtPerDim, p.aFull, p.dPerDim, p.biasPerDim, p.dtSoftplus,
];

export const convArgs = (p: CausalConv1dUpdatePlan) => [
  p.convState, p.x, p.weight, p.bias ?? null, p.slots, p.out,
  p.poolSize, p.channels, p.length, p.width, p.batch, p.steps, p.activation === 'silu',
];

export const rglruArgs = (p: RglruStepPlan) => [
  p.h, p.x, p.gateX, p.gateA, p.a, p.reset ?? null, p.slots, p.out,
  p.poolSize, p.width, p.batch, p.steps, p.c, p.aParam === 'softplus',
];

export const blockLinearArgs = (p: BlockLinearPlan) => [p.x, p.weight, p.bias ?? null, p.y, p.rows, p.blocks, p.blockIn, p.blockOut];

export const recurrentANative: KernelTable = {
  selectiveStateUpdate: nativeKernel('selectiveStateUpdate', ssuArgs),
  causalConv1dUpdate: nativeKernel('causalConv1dUpdate', convArgs),
  rglruStep: nativeKernel('rglruStep', rglruArgs),
  blockLinear: nativeKernel('blockLinear', blockLinearArgs),
};
