/** The native CPU backend: every kernel family's native table. */
import type { KernelTable } from '../backend.js';
import { lshNative } from './lsh.js';
import { noisyNative } from './noisy.js';
import { recurrentBNative } from './recurrent-b.js';
import { recurrentANative } from './recurrent-a.js';
import { opsNative } from './ops.js';

export const nativeKernels: KernelTable = {
  ...lshNative,
  ...noisyNative,
  ...recurrentBNative,
  ...recurrentANative,
  ...opsNative,
};
