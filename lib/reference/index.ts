/** The JS reference backend: every kernel family's reference table. */
import type { KernelTable } from '../backend.js';
import { lshReference } from './lsh.js';
import { noisyReference } from './noisy.js';
import { recurrentBReference } from './recurrent-b.js';
import { recurrentAReference } from './recurrent-a.js';
import { opsReference } from './ops.js';

export const jsKernels: KernelTable = {
  ...lshReference,
  ...noisyReference,
  ...recurrentBReference,
  ...recurrentAReference,
  ...opsReference,
};
