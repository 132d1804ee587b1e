/** CUDA implementations of the LSH plans (cuda/lsh.cu, cuda/binding/lsh_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { alignedHammingPlan } from '../kernels/lsh-plans.js';
import { cudaKernel } from './kernel.js';

export const lshCuda: KernelTable = {
  signProject: cudaKernel('signProject'),
  hammingGemm: cudaKernel('hammingGemm', alignedHammingPlan),
  encodeWeights: cudaKernel('encodeWeights'),
  hashLinear: cudaKernel('hashLinear'),
};
