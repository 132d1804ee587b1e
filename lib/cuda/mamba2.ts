/** CUDA implementations of the mamba2 plans (cuda/mamba2.cu, cuda/binding/mamba2_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { cudaKernel } from './kernel.js';

export const mamba2Cuda: KernelTable = {
  selectiveStateUpdate: cudaKernel('selectiveStateUpdate'),
  causalConv1dUpdate: cudaKernel('causalConv1dUpdate'),
};
