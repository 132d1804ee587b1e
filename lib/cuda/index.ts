/** The CUDA backend's kernel table: every family's lib/cuda/<family>.ts (kernels in cuda/). */
import type { KernelTable } from '../backend.js';
import { lshCuda } from './lsh.js';
import { noisyCuda } from './noisy.js';
import { opsCuda } from './ops.js';
import { recurrentACuda } from './recurrent-a.js';
import { recurrentBCuda } from './recurrent-b.js';

export const cudaKernels: KernelTable = {
  ...lshCuda,
  ...recurrentACuda,
  ...recurrentBCuda,
  ...noisyCuda,
  ...opsCuda,
};
