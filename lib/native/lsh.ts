/** Native CPU implementations of the LSH plans (native/binding/lsh_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { alignedHammingPlan } from '../kernels/lsh-plans.js';
import { nativeKernel } from './kernel.js';

export const lshNative: KernelTable = {
  signProject: nativeKernel('signProject'),
  hammingGemm: nativeKernel('hammingGemm', alignedHammingPlan),
  encodeWeights: nativeKernel('encodeWeights'),
  hashLinear: nativeKernel('hashLinear'),
};
