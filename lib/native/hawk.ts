/** Native CPU implementations of the Hawk plans (native/binding/hawk_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { nativeKernel } from './kernel.js';

export const hawkNative: KernelTable = {
  rglruStep: nativeKernel('rglruStep'),
  blockLinear: nativeKernel('blockLinear'),
};
