/** Random hash-layer problems and their check, shared by the native and CUDA tests. */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { BackendName } from '../lib/backend.js';
import { encodeWeights, hashLinear } from '../lib/kernels/lsh.js';
import { assertClose, randomFloats, randomInts } from './helpers.js';

const t = (data: Float32Array, shape: number[]) => ({ data, shape });

/** Integer inputs, weights and projections (exact codes), any tile sizes, both estimators, bias on/off. */
export function hashLayerCase(maxBatch: number) {
  return fc.tuple(
    fc.integer({ min: 1, max: maxBatch }), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 70 }),
    fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 140 }),
    fc.constantFrom('angle', 'linear'), fc.boolean(), fc.integer(),
  ).map(([B, D, N, Ti, To, K, estimator, withBias, seed]) => {
    const nI = Math.ceil(D / Ti), nJ = Math.ceil(N / To);
    return {
      nI,
      x: t(randomInts(B * D, seed), [B, D]),
      weight: t(randomInts(N * D, seed + 1), [N, D]),
      proj: t(randomInts(nI * nJ * K * Ti, seed + 2), [nI, nJ, K, Ti]),
      bias: withBias ? randomFloats(N, seed + 3) : undefined,
      config: { inputTileSize: Ti, outputTileSize: To, hashLength: K, estimator: estimator as 'angle' | 'linear' },
    };
  });
}

export type HashLayerCase = ReturnType<typeof hashLayerCase> extends fc.Arbitrary<infer C> ? C : never;

/** Encodes and runs the layer on `backend` and compares with the JS reference: exact codes, y within tolerance. */
export function checkHashLayer(c: HashLayerCase, backend: BackendName, what: string): void {
  const wJs = encodeWeights(c.weight, c.proj, c.config, { backend: 'js' });
  const want = hashLinear(c.x, wJs, { bias: c.bias, backend: 'js' });
  const w = encodeWeights(c.weight, c.proj, c.config, { backend });
  assert.deepEqual(w.codes, wJs.codes, `weight codes on ${what}`);
  assertClose(w.norms, wJs.norms, 0, 2e-6, `weight norms on ${what}`);
  const got = hashLinear(c.x, w, { bias: c.bias, backend });
  const scale = Math.max(1, ...want.data.map(Math.abs));
  assertClose(got.data, want.data, 2e-5 * scale * c.nI, 1e-5, `y on ${what}`);
}
