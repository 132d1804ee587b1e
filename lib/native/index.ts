/** The native CPU backend: every kernel family's native table. */
import type { KernelTable } from '../backend-contract.js';
import { lshNative } from './lsh.js';
import { noisyNative } from './noisy.js';
import { retnetNative } from './retnet.js';
import { xlstmNative } from './xlstm.js';
import { mamba2Native } from './mamba2.js';
import { hawkNative } from './hawk.js';
import { opsNative } from './ops.js';

export const nativeKernels: KernelTable = {
  ...lshNative,
  ...noisyNative,
  ...retnetNative,
  ...xlstmNative,
  ...mamba2Native,
  ...hawkNative,
  ...opsNative,
};
