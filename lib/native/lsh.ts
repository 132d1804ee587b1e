/** Native CPU implementations of the LSH plans: thin calls into the addon (native/binding/lsh_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import { alignedStride, restride } from '../bits.js';
import type { EncodeWeightsPlan, HammingGemmPlan, HashLinearPlan, SignProjectPlan } from '../kernels/lsh-plans.js';
import { nativeKernel } from './kernel.js';

const ESTIMATORS = { angle: 0, linear: 1 } as const;

export const signArgs = (p: SignProjectPlan) => [p.x, p.proj, p.codes, p.norms, p.M, p.D, p.K, p.stride];

/** The native Hamming kernel reads 64-bit words: rows whose stride is not a multiple of 8 are re-laid. */
export function hammingArgs(p: HammingGemmPlan) {
  const a = p.strideA % 8 ? restride({ data: p.a, rows: p.M, bits: p.bits, stride: p.strideA }, alignedStride(p.bits)) : undefined;
  const b = p.strideB % 8 ? restride({ data: p.b, rows: p.N, bits: p.bits, stride: p.strideB }, alignedStride(p.bits)) : undefined;
  return [
    a?.data ?? p.a, b?.data ?? p.b, p.dist, p.M, p.N, Math.ceil(p.bits / 64),
    a?.stride ?? p.strideA, b?.stride ?? p.strideB,
  ];
}

export const encodeArgs = (p: EncodeWeightsPlan) => [
  p.weight, p.proj, p.codes, p.norms, p.N, p.D, p.inputTileSize, p.outputTileSize, p.hashLength, p.eps, p.stride,
];

export const linearArgs = (p: HashLinearPlan) => [
  p.x, p.proj, p.weightCodes, p.weightNorms, p.bias ?? null, p.y, p.B, p.D, p.N,
  p.inputTileSize, p.outputTileSize, p.hashLength, p.weightStride, p.eps, ESTIMATORS[p.estimator],
];

export const lshNative: KernelTable = {
  signProject: nativeKernel('signProject', signArgs),
  hammingGemm: nativeKernel('hammingGemm', hammingArgs),
  encodeWeights: nativeKernel('encodeWeights', encodeArgs),
  hashLinear: nativeKernel('hashLinear', linearArgs),
};
