/** CUDA implementations of the noisy plans (cuda/noisy.cu, cuda/binding/noisy_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { cudaKernel } from './kernel.js';

export const noisyCuda: KernelTable = {
  noisySignProject: cudaKernel('noisySignProject'),
};
