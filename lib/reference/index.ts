/** The JS reference backend: every kernel family's reference table. */
import type { KernelTable } from '../backend.js';
import { lshReference } from './lsh.js';
import { recurrentBReference } from './recurrent-b.js';

export const jsKernels: KernelTable = {
  ...lshReference,
  ...recurrentBReference,
};
