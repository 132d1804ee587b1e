/** CUDA implementations of the hawk plans (cuda/hawk.cu, cuda/binding/hawk_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { cudaKernel } from './kernel.js';

export const hawkCuda: KernelTable = {
  rglruStep: cudaKernel('rglruStep'),
  blockLinear: cudaKernel('blockLinear'),
};
