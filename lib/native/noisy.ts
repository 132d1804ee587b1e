/** Native CPU implementation of the noisy sign projection (native/binding/noisy_binding.cc). */
import type { KernelTable } from '../backend-contract.js';
import type { NoisySignProjectPlan } from '../kernels/noisy-plans.js';
import { nativeKernel } from './kernel.js';

export const noisyArgs = (p: NoisySignProjectPlan) => [
  p.x, p.weights, p.offsets, p.codes, p.M, p.D, p.K, p.stride, p.dacBits, p.noiseScale, p.key, p.rowOffset,
];

export const noisyNative: KernelTable = {
  noisySignProject: nativeKernel('noisySignProject', noisyArgs),
};
