/** Native CPU implementations of the xLSTM plans (native/binding/xlstm_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { nativeKernel } from './kernel.js';

export const xlstmNative: KernelTable = {
  slstmStep: nativeKernel('slstmStep'),
  mlstmStep: nativeKernel('mlstmStep'),
};
