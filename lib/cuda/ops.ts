/** CUDA implementations of the ops plans (cuda/ops.cu); the addon takes the CPU addon's arguments. */
import type { KernelTable } from '../backend-contract.js';
import { activationArgs, normArgs, opsLinearArgs } from '../native/ops.js';
import { cudaKernel } from './kernel.js';

export const opsCuda: KernelTable = {
  linear: cudaKernel('linear', opsLinearArgs),
  rmsNorm: cudaKernel('normRows', normArgs),
  layerNorm: cudaKernel('normRows', normArgs),
  groupNorm: cudaKernel('normRows', normArgs),
  silu: cudaKernel('activation', activationArgs(0)),
  gelu: cudaKernel('activation', activationArgs(1)),
  relu: cudaKernel('activation', activationArgs(2)),
};
