/** CUDA implementations of the Mamba2 plans (cuda/mamba2.cu); the addon takes the CPU addon's arguments. */
import type { KernelTable } from '../backend-contract.js';
import { convArgs, ssuArgs } from '../native/mamba2.js';
import { cudaKernel } from './kernel.js';

export const mamba2Cuda: KernelTable = {
  selectiveStateUpdate: cudaKernel('selectiveStateUpdate', ssuArgs),
  causalConv1dUpdate: cudaKernel('causalConv1dUpdate', convArgs),
};
