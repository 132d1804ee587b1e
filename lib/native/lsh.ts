/** Native CPU implementations of the LSH plans (native/binding/lsh_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import type { HammingGemmPlan, HammingKnnPlan } from '../kernels/lsh-plans.js';
import { alignedHammingPlan } from '../kernels/lsh-plans.js';
import { nativeKernel } from './kernel.js';

const int32Gemm = nativeKernel<HammingGemmPlan>('hammingGemm', alignedHammingPlan);
const uint16Gemm = nativeKernel<HammingGemmPlan>('hammingGemmU16', alignedHammingPlan);

export const lshNative: KernelTable = {
  signProject: nativeKernel('signProject'),
  hammingGemm: {
    run: (p: HammingGemmPlan) => (p.dist instanceof Uint16Array ? uint16Gemm : int32Gemm).run(p),
    runAsync: (p: HammingGemmPlan) => (p.dist instanceof Uint16Array ? uint16Gemm : int32Gemm).runAsync!(p),
  },
  hammingKnn: nativeKernel<HammingKnnPlan>('hammingKnn', alignedHammingPlan),
  encodeWeights: nativeKernel('encodeWeights'),
  hashLinear: nativeKernel('hashLinear'),
};
