/** CUDA implementations of the LSH plans (cuda/lsh.cu, cuda/binding/lsh_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { alignedHammingPlan, type HammingGemmPlan } from '../kernels/lsh-plans.js';
import { cudaKernel, type CudaKernelImpl } from './kernel.js';

const int32Gemm = cudaKernel<HammingGemmPlan>('hammingGemm', alignedHammingPlan);

/**
 * The CUDA Hamming kernel writes int32; a uint16 result is computed into a temporary int32 matrix and
 * narrowed on the host (exact: the API admits uint16 only for codes shorter than 65536 bits). A native
 * uint16 kernel, and hammingKnn on the GPU, come later (docs/CUDA.md).
 */
const wide = (p: HammingGemmPlan): HammingGemmPlan => (p.dist instanceof Uint16Array ? { ...p, dist: new Int32Array(p.dist.length) } : p);
const hammingGemm: CudaKernelImpl<HammingGemmPlan> = {
  addonFunction: int32Gemm.addonFunction,
  run(p: HammingGemmPlan) {
    const w = wide(p);
    int32Gemm.run(w);
    if (w !== p) p.dist.set(w.dist);
  },
  async runAsync(p: HammingGemmPlan) {
    const w = wide(p);
    await int32Gemm.runAsync!(w);
    if (w !== p) p.dist.set(w.dist);
  },
};

export const lshCuda: KernelTable = {
  signProject: cudaKernel('signProject'),
  hammingGemm,
  encodeWeights: cudaKernel('encodeWeights'),
  hashLinear: cudaKernel('hashLinear'),
};
