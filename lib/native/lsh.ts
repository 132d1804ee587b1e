/** Native CPU implementations of the LSH plans: thin calls into the addon (native/binding/lsh_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { alignedStride, restride } from '../bits.js';
import type { EncodeWeightsPlan, HammingGemmPlan, HammingKnnPlan, HashLinearPlan, SignProjectPlan } from '../kernels/lsh-plans.js';
import { nativeKernel } from './kernel.js';

const ESTIMATORS = { angle: 0, linear: 1 } as const;

export const signArgs = (p: SignProjectPlan) => [p.x, p.proj, p.codes, p.norms, p.M, p.D, p.K, p.stride];

/** The native Hamming kernels read 64-bit words: rows whose stride is not a multiple of 8 are re-laid. */
function wordRows(p: HammingGemmPlan | HammingKnnPlan) {
  const a = p.strideA % 8 ? restride({ data: p.a, rows: p.M, bits: p.bits, stride: p.strideA }, alignedStride(p.bits)) : undefined;
  const b = p.strideB % 8 ? restride({ data: p.b, rows: p.N, bits: p.bits, stride: p.strideB }, alignedStride(p.bits)) : undefined;
  return { a: a?.data ?? p.a, b: b?.data ?? p.b, strideA: a?.stride ?? p.strideA, strideB: b?.stride ?? p.strideB };
}

export function hammingArgs(p: HammingGemmPlan) {
  const w = wordRows(p);
  return [w.a, w.b, p.dist, p.M, p.N, Math.ceil(p.bits / 64), w.strideA, w.strideB];
}

export function knnArgs(p: HammingKnnPlan) {
  const w = wordRows(p);
  return [w.a, w.b, p.indices, p.distances, p.M, p.N, Math.ceil(p.bits / 64), w.strideA, w.strideB, p.k, p.maxDistance];
}

const int32Gemm = nativeKernel('hammingGemm', hammingArgs);
const uint16Gemm = nativeKernel('hammingGemmU16', hammingArgs);

export const encodeArgs = (p: EncodeWeightsPlan) => [
  p.weight, p.proj, p.codes, p.norms, p.N, p.D, p.inputTileSize, p.outputTileSize, p.hashLength, p.eps, p.stride,
];

export const linearArgs = (p: HashLinearPlan) => [
  p.x, p.proj, p.weightCodes, p.weightNorms, p.bias ?? null, p.y, p.B, p.D, p.N,
  p.inputTileSize, p.outputTileSize, p.hashLength, p.weightStride, p.eps, ESTIMATORS[p.estimator],
];

export const lshNative: KernelTable = {
  signProject: nativeKernel('signProject', signArgs),
  hammingGemm: {
    run: (p: HammingGemmPlan) => (p.dist instanceof Uint16Array ? uint16Gemm : int32Gemm).run(p),
    runAsync: (p: HammingGemmPlan) => (p.dist instanceof Uint16Array ? uint16Gemm : int32Gemm).runAsync!(p),
  },
  hammingKnn: nativeKernel('hammingKnn', knnArgs),
  encodeWeights: nativeKernel('encodeWeights', encodeArgs),
  hashLinear: nativeKernel('hashLinear', linearArgs),
};
