/** Native CPU implementations of the ops plans: thin calls into the addon (native/binding/ops_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import type { ActivationPlan, LinearPlan, NormPlan } from '../kernels/ops-plans.js';
import { nativeKernel } from './kernel.js';

export const opsLinearArgs = (p: LinearPlan) => [p.x, p.weight, p.bias ?? null, p.y, p.M, p.K, p.N];
export const normArgs = (p: NormPlan) => [p.x, p.weight ?? null, p.bias ?? null, p.y, p.rows, p.D, p.groups, p.eps, p.center];
/** The addon's activation codes (native/kernels/ops.h, enum Activation). */
export const activationArgs = (kind: number) => (p: ActivationPlan) => [p.x, p.y, p.x.length, kind];

export const opsNative: KernelTable = {
  linear: nativeKernel('linear', opsLinearArgs),
  rmsNorm: nativeKernel('normRows', normArgs),
  layerNorm: nativeKernel('normRows', normArgs),
  groupNorm: nativeKernel('normRows', normArgs),
  silu: nativeKernel('activation', activationArgs(0)),
  gelu: nativeKernel('activation', activationArgs(1)),
  relu: nativeKernel('activation', activationArgs(2)),
};
