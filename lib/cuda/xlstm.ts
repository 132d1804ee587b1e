/** CUDA implementations of the xLSTM plans (cuda/xlstm.cu); the addon takes the CPU addon's arguments. */
import type { KernelTable } from '../backend-contract.js';
import { mlstmArgs, slstmArgs } from '../native/xlstm.js';
import { cudaKernel } from './kernel.js';

export const xlstmCuda: KernelTable = {
  slstmStep: cudaKernel('slstmStep', slstmArgs),
  mlstmStep: cudaKernel('mlstmStep', mlstmArgs),
};
