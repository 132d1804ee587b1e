/** Native CPU implementations of the ops plans (native/binding/ops_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { nativeKernel } from './kernel.js';

export const opsNative: KernelTable = {
  linear: nativeKernel('linear'),
  rmsNorm: nativeKernel('normRows'),
  layerNorm: nativeKernel('normRows'),
  groupNorm: nativeKernel('normRows'),
  silu: nativeKernel('activation'),
  gelu: nativeKernel('activation'),
  relu: nativeKernel('activation'),
};
