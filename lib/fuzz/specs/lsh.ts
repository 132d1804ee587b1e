/**
 * Fuzz specs of the LSH kernels. Inputs are dyadic (see arbitraries.ts), so every projection is exact in
 * float32 and the sign bits must match the reference bit for bit, with NaN/±Inf/-0 mixed in where the
 * contract defines the result (a NaN projection gives bit 0).
 */
import * as fc from 'fast-check';
import { tileCounts } from '../../kernels/lsh-plans.js';
import { FLOAT32_EPS } from '../../kernels/lsh.js';
import { bitRows, dim, dyadicRows, f32, u8, withSpecials } from '../arbitraries.js';
import type { FuzzCase, FuzzSpec } from '../types.js';

const signProject: FuzzSpec = {
  kernel: 'sign_project',
  arbitrary: () =>
    fc.record({ M: dim(40), D: dim(96), K: dim(160) }).chain(({ M, D, K }) =>
      fc.record({ x: withSpecials(dyadicRows(M, D, 40)), proj: dyadicRows(K, D, 4) }).map(
        ({ x, proj }): FuzzCase => ({ inputs: { x: f32(x, [M, D]), proj: f32(proj, [K, D]) }, params: { hash_length: K } }),
      ),
    ),
  // Codes exact; norms are a float32 sqrt of an exact sum against a float64 one: one rounding apart.
  tolerance: () => ({ 'out.norms': { atol: 0, rtol: 2 ** -22 } }),
};

const hammingGemm: FuzzSpec = {
  kernel: 'hamming_gemm',
  arbitrary: () =>
    fc.record({ M: dim(40), N: dim(40), K: dim(600), uint16: fc.boolean() }).chain(({ M, N, K, uint16 }) =>
      fc.record({ a: bitRows(M, K), b: bitRows(N, K) }).map(
        ({ a, b }): FuzzCase => ({
          inputs: { a: u8(a, [M, (K + 7) >> 3]), b: u8(b, [N, (K + 7) >> 3]) },
          params: { hash_length: K, ...(uint16 ? { result_type: 'uint16' } : {}) },
        }),
      ),
    ),
};

// Short codes and repeated rows of b make ties, which the (distance, index) order must break alike.
const hammingKnn: FuzzSpec = {
  kernel: 'hamming_knn',
  arbitrary: () =>
    fc.record({ M: dim(40), N: dim(100), K: dim(200), k: fc.integer({ min: 1, max: 40 }), max: fc.option(fc.integer({ min: 0, max: 200 })) })
      .chain(({ M, N, K, k, max }) =>
        fc.record({ a: bitRows(M, K), b: bitRows(N, K), repeat: fc.boolean() }).map(({ a, b, repeat }): FuzzCase => {
          const stride = (K + 7) >> 3;
          if (repeat) for (let n = 2; n < N; n += 3) b.copyWithin(n * stride, (n - 2) * stride, (n - 1) * stride);
          return {
            inputs: { a: u8(a, [M, stride]), b: u8(b, [N, stride]) },
            params: { hash_length: K, k, ...(max === null ? {} : { max_distance: max }) },
          };
        }),
      ),
};

/** Projections of one row segment (exact: dyadic inputs) that are exactly zero, i.e. whose bit may flip once normalised. */
function zeroProjections(v: Float32Array, off: number, len: number, proj: Float32Array, pOff: number, Ti: number, K: number): number {
  let zeros = 0;
  for (let k = 0; k < K; k++) {
    let z = 0;
    for (let d = 0; d < len; d++) z += v[off + d] * proj[pOff + k * Ti + d];
    if (z === 0) zeros++;
  }
  return zeros;
}

function segmentNorm(v: Float32Array, off: number, len: number): number {
  let s = 0;
  for (let d = 0; d < len; d++) s += v[off + d] * v[off + d];
  return Math.sqrt(s);
}

/**
 * The hash layer normalises tiles before hashing, so a projection that is exactly zero may come out
 * with either sign; each such bit moves h by one, and the estimate by at most pi/K (angle) or 2/K
 * (linear), weighted by xn*wn. The tolerance allows that plus float32 rounding of norms and sums.
 */
function hashLinearTolerance(c: FuzzCase): { atol: number; rtol: number } {
  const p = c.params as { input_tile_size: number; output_tile_size: number; hash_length: number; estimator: string };
  const x = c.inputs.x.data as Float32Array, w = c.inputs.weight.data as Float32Array, proj = c.inputs.proj.data as Float32Array;
  const [B, D] = c.inputs.x.shape, N = c.inputs.weight.shape[0];
  const Ti = p.input_tile_size, To = p.output_tile_size, K = p.hash_length;
  const { nI, nJ } = tileCounts(D, N, { inputTileSize: Ti, outputTileSize: To });
  const slope = p.estimator === 'linear' ? 2 / K : Math.PI / K;
  let worst = 0;
  for (let b = 0; b < B; b++) {
    for (let n = 0; n < N; n++) {
      const j = Math.floor(n / To);
      let flips = 0, scale = 0;
      for (let i = 0; i < nI; i++) {
        const c0 = i * Ti, len = Math.min(Ti, D - c0), pOff = (i * nJ + j) * K * Ti;
        const xn = segmentNorm(x, b * D + c0, len) + FLOAT32_EPS, wn = segmentNorm(w, n * D + c0, len) + FLOAT32_EPS;
        const zeros = zeroProjections(x, b * D + c0, len, proj, pOff, Ti, K) + zeroProjections(w, n * D + c0, len, proj, pOff, Ti, K);
        flips += xn * wn * zeros * slope;
        scale += xn * wn;
      }
      worst = Math.max(worst, flips + 1e-5 * scale);
    }
  }
  return { atol: worst, rtol: 1e-5 };
}

const hashLinear: FuzzSpec = {
  kernel: 'hash_linear',
  arbitrary: () =>
    fc.record({
      B: dim(12), Ti: dim(70), To: dim(40), K: dim(200), nI: fc.integer({ min: 1, max: 3 }), nJ: fc.integer({ min: 1, max: 3 }),
      lastIn: fc.double({ min: 0, max: 1, noNaN: true }), lastOut: fc.double({ min: 0, max: 1, noNaN: true }),
      estimator: fc.constantFrom('angle', 'linear'), bias: fc.boolean(),
    }).chain((g) => {
      // The last tiles may be partial: D and N end anywhere inside their last tile.
      const D = (g.nI - 1) * g.Ti + 1 + Math.floor(g.lastIn * (g.Ti - 1));
      const N = (g.nJ - 1) * g.To + 1 + Math.floor(g.lastOut * (g.To - 1));
      return fc.record({
        x: dyadicRows(g.B, D, 20), weight: dyadicRows(N, D, 20), proj: dyadicRows(g.nI * g.nJ * g.K, g.Ti, 2), bias: dyadicRows(1, N, 4),
      }).map(({ x, weight, proj, bias }): FuzzCase => ({
        inputs: {
          x: f32(x, [g.B, D]), weight: f32(weight, [N, D]), proj: f32(proj, [g.nI, g.nJ, g.K, g.Ti]),
          ...(g.bias ? { bias: f32(bias, [N]) } : {}),
        },
        params: { input_tile_size: g.Ti, output_tile_size: g.To, hash_length: g.K, estimator: g.estimator, eps: FLOAT32_EPS },
      }));
    }),
  tolerance: (c) => ({ 'out.y': hashLinearTolerance(c) }),
};

export const specs: FuzzSpec[] = [signProject, hammingGemm, hammingKnn, hashLinear];
