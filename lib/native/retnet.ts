/** Native CPU implementations of the RetNet plans (native/binding/retnet_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { nativeKernel } from './kernel.js';

export const retnetNative: KernelTable = {
  rotary: nativeKernel('rotary'),
  retentionStep: nativeKernel('retentionStep'),
};
