/** The JS reference backend: every kernel family's reference table. */
import type { KernelTable } from '../backend-contract.js';
import { lshReference } from './lsh.js';
import { noisyReference } from './noisy.js';
import { retnetReference } from './retnet.js';
import { xlstmReference } from './xlstm.js';
import { mamba2Reference } from './mamba2.js';
import { hawkReference } from './hawk.js';
import { opsReference } from './ops.js';

export const jsKernels: KernelTable = {
  ...lshReference,
  ...noisyReference,
  ...retnetReference,
  ...xlstmReference,
  ...mamba2Reference,
  ...hawkReference,
  ...opsReference,
};
