/** The CUDA backend's kernel table: every family's lib/cuda/<family>.ts (kernels in cuda/). */
import type { KernelTable } from '../backend-contract.js';
import { lshCuda } from './lsh.js';
import { noisyCuda } from './noisy.js';
import { opsCuda } from './ops.js';
import { mamba2Cuda } from './mamba2.js';
import { hawkCuda } from './hawk.js';
import { retnetCuda } from './retnet.js';
import { xlstmCuda } from './xlstm.js';

export const cudaKernels: KernelTable = {
  ...lshCuda,
  ...mamba2Cuda,
  ...hawkCuda,
  ...retnetCuda,
  ...xlstmCuda,
  ...noisyCuda,
  ...opsCuda,
};
