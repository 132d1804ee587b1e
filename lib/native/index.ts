/** The native CPU backend: every kernel family's native table. */
import type { KernelTable } from '../backend.js';
import { lshNative } from './lsh.js';
import { recurrentBNative } from './recurrent-b.js';

export const nativeKernels: KernelTable = {
  ...lshNative,
  ...recurrentBNative,
};
