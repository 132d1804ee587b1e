/** CUDA implementations of the retnet plans (cuda/retnet.cu, cuda/binding/retnet_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { cudaKernel } from './kernel.js';

export const retnetCuda: KernelTable = {
  rotary: cudaKernel('rotary'),
  retentionStep: cudaKernel('retentionStep'),
};
