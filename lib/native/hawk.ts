/** Native CPU implementations of the Hawk plans: thin calls into the addon (native/binding/hawk_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import type { BlockLinearPlan, RglruStepPlan } from '../kernels/hawk-plans.js';
import { nativeKernel } from './kernel.js';

export const rglruArgs = (p: RglruStepPlan) => [
  p.h, p.x, p.gateX, p.gateA, p.a, p.reset ?? null, p.slots, p.out,
  p.poolSize, p.width, p.batch, p.steps, p.c, p.aParam === 'softplus',
];

export const blockLinearArgs = (p: BlockLinearPlan) => [p.x, p.weight, p.bias ?? null, p.y, p.rows, p.blocks, p.blockIn, p.blockOut];

export const hawkNative: KernelTable = {
  rglruStep: nativeKernel('rglruStep', rglruArgs),
  blockLinear: nativeKernel('blockLinear', blockLinearArgs),
};
