/** CUDA implementations of the LSH plans (cuda/lsh.cu); the addon takes the CPU addon's arguments. */
import type { KernelTable } from '../backend-contract.js';
import { encodeArgs, hammingArgs, linearArgs, signArgs } from '../native/lsh.js';
import { cudaKernel } from './kernel.js';

export const lshCuda: KernelTable = {
  signProject: cudaKernel('signProject', signArgs),
  hammingGemm: cudaKernel('hammingGemm', hammingArgs),
  encodeWeights: cudaKernel('encodeWeights', encodeArgs),
  hashLinear: cudaKernel('hashLinear', linearArgs),
};
