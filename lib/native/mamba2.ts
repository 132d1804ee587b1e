/** Native CPU implementations of the Mamba2 plans (native/binding/mamba2_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { nativeKernel } from './kernel.js';

export const mamba2Native: KernelTable = {
  selectiveStateUpdate: nativeKernel('selectiveStateUpdate'),
  causalConv1dUpdate: nativeKernel('causalConv1dUpdate'),
};
