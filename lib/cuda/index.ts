/** The CUDA backend's kernel table (filled as CUDA kernels land; see cuda/). */
import type { KernelTable } from '../backend.js';

export const cudaKernels: KernelTable = {};
