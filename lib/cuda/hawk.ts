/** CUDA implementations of the Hawk plans (cuda/hawk.cu); the addon takes the CPU addon's arguments. */
import type { KernelTable } from '../backend-contract.js';
import { blockLinearArgs, rglruArgs } from '../native/hawk.js';
import { cudaKernel } from './kernel.js';

export const hawkCuda: KernelTable = {
  rglruStep: cudaKernel('rglruStep', rglruArgs),
  blockLinear: cudaKernel('blockLinear', blockLinearArgs),
};
