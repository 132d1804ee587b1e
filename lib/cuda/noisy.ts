/** CUDA implementation of the noisy sign projection (cuda/noisy.cu); the addon takes the CPU addon's arguments. */
import type { KernelTable } from '../backend-contract.js';
import { noisyArgs } from '../native/noisy.js';
import { cudaKernel } from './kernel.js';

export const noisyCuda: KernelTable = {
  noisySignProject: cudaKernel('noisySignProject', noisyArgs),
};
