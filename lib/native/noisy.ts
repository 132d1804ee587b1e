/** Native CPU implementation of the noisy sign projection (native/binding/noisy_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { nativeKernel } from './kernel.js';

export const noisyNative: KernelTable = {
  noisySignProject: nativeKernel('noisySignProject'),
};
