/** CUDA implementations of the ops plans (cuda/ops.cu, cuda/binding/ops_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { cudaKernel } from './kernel.js';

export const opsCuda: KernelTable = {
  linear: cudaKernel('linear'),
  rmsNorm: cudaKernel('normRows'),
  layerNorm: cudaKernel('normRows'),
  groupNorm: cudaKernel('normRows'),
  silu: cudaKernel('activation'),
  gelu: cudaKernel('activation'),
  relu: cudaKernel('activation'),
};
