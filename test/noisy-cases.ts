/** Random cases of noisySignProject shared by the native and CUDA tests. */
import fc from 'fast-check';
import { mix32 } from '../lib/counter-rng.js';
import type { NoisySignProjectOptions } from '../lib/kernels/noisy.js';

/** A small deterministic generator for test data (not the noise generator under test). */
export function data(n: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((mix32((seed * 7919 + i) >>> 0) / 2 ** 32) * 2 - 1) * scale;
  return out;
}

/** Inputs, weights, offsets and options of one call; D up to maxD. */
export function noisyCase(maxD: number) {
  return fc.tuple(
    fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: maxD }), fc.integer({ min: 1, max: 100 }),
    fc.integer({ min: 0, max: 16 }), fc.constantFrom(0, 0.05, 0.5, 3), fc.nat(), fc.nat({ max: 1000 }), fc.integer({ min: 0, max: 1e6 }),
  ).map(([M, D, K, dacBits, readNoise, seed, stream, rowOffset]) => {
    const x = { data: data(M * D, seed + 1), shape: [M, D] };
    // Exact zeros in x (ReLU outputs) and in the weights exercise the sign of zero.
    for (let i = 0; i < x.data.length; i += 5) x.data[i] = 0;
    const w = { data: data(K * D, seed + 2), shape: [K, D] };
    const off = data(K, seed + 3, 0.2);
    const o: NoisySignProjectOptions = { dacBits, readNoise, seed, stream, rowOffset };
    return { x, w, off, o };
  });
}
