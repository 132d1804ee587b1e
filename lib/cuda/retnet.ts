/** CUDA implementations of the RetNet plans (cuda/retnet.cu); the addon takes the CPU addon's arguments. */
import type { KernelTable } from '../backend-contract.js';
import { retentionArgs, rotaryArgs } from '../native/retnet.js';
import { cudaKernel } from './kernel.js';

export const retnetCuda: KernelTable = {
  rotary: cudaKernel('rotary', rotaryArgs),
  retentionStep: cudaKernel('retentionStep', retentionArgs),
};
