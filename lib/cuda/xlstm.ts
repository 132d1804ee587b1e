/** CUDA implementations of the xlstm plans (cuda/xlstm.cu, cuda/binding/xlstm_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { cudaKernel } from './kernel.js';

export const xlstmCuda: KernelTable = {
  slstmStep: cudaKernel('slstmStep'),
  mlstmStep: cudaKernel('mlstmStep'),
};
