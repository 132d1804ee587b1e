/** CUDA implementations of the recurrent-b plans (cuda/retnet.cu, cuda/xlstm.cu); the addon takes the CPU addon's arguments. */
import type { KernelTable } from '../backend.js';
import { mlstmArgs, retentionArgs, rotaryArgs, slstmArgs } from '../native/recurrent-b.js';
import { cudaKernel } from './kernel.js';

export const recurrentBCuda: KernelTable = {
  rotary: cudaKernel('rotary', rotaryArgs),
  retentionStep: cudaKernel('retentionStep', retentionArgs),
  slstmStep: cudaKernel('slstmStep', slstmArgs),
  mlstmStep: cudaKernel('mlstmStep', mlstmArgs),
};
