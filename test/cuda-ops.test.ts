/** The dense ops on the CUDA backend against the JS reference, with the native tests' tolerances (skips without a GPU). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backendStatus, isBackendAvailable } from '../lib/backend.js';
import { gelu, groupNorm, layerNorm, linear, relu, rmsNorm, silu } from '../lib/kernels/ops.js';
import { randomFloats } from './helpers.js';
import { assertClose, linearTolerance } from './ops-cases.js';

const gpu = { skip: !isBackendAvailable('cuda') && backendStatus('cuda').reason };

test('linear on cuda matches the reference (tails, bias on/off)', gpu, () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 140 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 80 }), fc.boolean(), fc.integer(),
    (M, K, N, withBias, seed) => {
      const x = { data: randomFloats(M * K, seed), shape: [M, K] };
      const w = { data: randomFloats(N * K, seed + 1), shape: [N, K] };
      const bias = withBias ? randomFloats(N, seed + 2) : undefined;
      const ref = linear(x, w, { backend: 'js', bias });
      assertClose(linear(x, w, { backend: 'cuda', bias }).data, ref.data, linearTolerance(x.data, w.data, M, K, N), `linear ${M}x${K}x${N}`);
    }), { numRuns: 30 });
});

test('norms on cuda match the reference, in place too', gpu, () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 700 }), fc.boolean(), fc.boolean(),
    fc.double({ min: 1e-6, max: 1e-2, noNaN: true }), fc.integer(),
    (rows, groups, run, withWeight, withBias, eps, seed) => {
      const D = groups * run;
      const x = { data: randomFloats(rows * D, seed, 4), shape: [rows, D] };
      const weight = withWeight ? randomFloats(D, seed + 1, 2) : undefined;
      const bias = withBias ? randomFloats(D, seed + 2) : undefined;
      const tol = () => 2e-5;
      assertClose(rmsNorm(x, { backend: 'cuda', eps, weight }).data, rmsNorm(x, { backend: 'js', eps, weight }).data, tol, 'rmsNorm');
      assertClose(layerNorm(x, { backend: 'cuda', eps, weight, bias }).data, layerNorm(x, { backend: 'js', eps, weight, bias }).data, tol, 'layerNorm');
      const want = groupNorm(x, { backend: 'js', eps, groups, weight, bias }).data;
      groupNorm(x, { backend: 'cuda', eps, groups, weight, bias, out: x });
      assertClose(x.data, want, tol, 'groupNorm in place');
    }), { numRuns: 30 });
});

test('activations on cuda match the reference (range tails, infinities, NaN)', gpu, () => {
  const special = [0, -0, 1e-30, -1e-30, 0.5, -0.5, 8, -8, 15, -15, 30, -30, 87, -87, 88, -88, 100, -100, 1e4, -1e4, Infinity, -Infinity, NaN];
  const data = Float32Array.from([...special, ...randomFloats(1000, 3, 12)]);
  const x = { data, shape: [data.length] };
  for (const [name, f] of [['silu', silu], ['gelu', gelu], ['relu', relu]] as const) {
    const ref = f(x, { backend: 'js' }).data;
    assertClose(f(x, { backend: 'cuda' }).data, ref, (i) => 3e-6 * Math.abs(ref[i]) + 1e-7, name);
  }
  assert.ok(Object.is(relu({ data: Float32Array.of(-0), shape: [1] }, { backend: 'cuda' }).data[0], relu({ data: Float32Array.of(-0), shape: [1] }, { backend: 'js' }).data[0]));
});
