/** The JS reference backend: every kernel family's reference table. */
import type { KernelTable } from '../backend.js';
import { lshReference } from './lsh.js';
import { opsReference } from './ops.js';

export const jsKernels: KernelTable = {
  ...lshReference,
  ...opsReference,
};
