import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isBackendAvailable } from '../lib/backend.js';
import { gelu, geluAsync, groupNorm, layerNorm, layerNormAsync, linear, linearAsync, relu, rmsNorm, silu } from '../lib/kernels/ops.js';
import { erf, erfc } from '../lib/reference/ops.js';
import type { Tensor } from '../lib/tensor.js';
import { compiledBackends, forEachIsaAsync, randomFloats } from './helpers.js';
import { assertClose, linearTolerance } from './ops-cases.js';

const hasNative = isBackendAvailable('native');

const t32 = (values: number[], shape: number[]): Tensor => ({ data: Float32Array.from(values), shape });

// ---- The JS reference against hand-computed values and float64 math -----------------------------

test('reference linear: hand-computed x·Wᵀ + b, leading axes kept', () => {
  const x = t32([1, 2, 3, -1, 0, 2], [1, 2, 3]);
  const w = t32([1, 0, -1, 0.5, 0.5, 0.5], [2, 3]);
  const y = linear(x, w, { backend: 'js', bias: new Float32Array([10, -10]) });
  assert.deepEqual(y.shape, [1, 2, 2]);
  // row 0: [1-3, 0.5+1+1.5] = [-2, 3]; row 1: [-1-2, -0.5+0+1] = [-3, 0.5]; plus bias.
  assert.deepEqual(Array.from(y.data), [8, -7, 7, -9.5]);
  assert.deepEqual(Array.from(linear(t32([1, 2, 3], [3]), w, { backend: 'js' }).data), [-2, 3]);
});

test('reference erf/erfc and the activations match tabulated values', () => {
  const table: [number, number][] = [[0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527], [3.5, 0.9999992569016276]];
  for (const [z, v] of table) {
    assert.ok(Math.abs(erf(z) - v) < 1e-15, `erf(${z})`);
    assert.ok(Math.abs(erf(-z) + v) < 1e-15, `erf(-${z})`);
  }
  assert.ok(Math.abs(erfc(3) / 2.209049699858544e-5 - 1) < 1e-13);
  assert.ok(Math.abs(erfc(5) / 1.5374597944280349e-12 - 1) < 1e-13);
  const x = t32([1, -1, -3, 0, 2], [5]);
  // gelu(x) = x·Φ(x): Φ(1) = 0.8413447460685429, Φ(-3) = 0.0013498980316300933, Φ(2) = 0.9772498680518208.
  assertClose(gelu(x, { backend: 'js' }).data, [0.8413447460685429, -0.15865525393145707, -3 * 0.0013498980316300933, 0, 2 * 0.9772498680518208], () => 1e-7, 'gelu');
  assertClose(silu(x, { backend: 'js' }).data, [0.7310585786300049, -0.2689414213699951, -3 * 0.04742587317756678, 0, 2 * 0.8807970779778823], () => 1e-7, 'silu');
  assert.deepEqual(Array.from(relu(t32([-2, 0, 3.5, NaN], [4]), { backend: 'js' }).data), [0, 0, 3.5, NaN]);
});

test('reference norms: hand-computed rms, layer and group norm', () => {
  // rms of [3, 4] is sqrt(12.5).
  assertClose(rmsNorm(t32([3, 4], [1, 2]), { backend: 'js', eps: 0, weight: new Float32Array([1, 2]) }).data,
    [3 / Math.sqrt(12.5), 8 / Math.sqrt(12.5)], () => 1e-6, 'rmsNorm');
  // [1, 2, 3, 4]: mean 2.5, biased variance 1.25.
  const s = 1 / Math.sqrt(1.25);
  assertClose(layerNorm(t32([1, 2, 3, 4], [4]), { backend: 'js', eps: 0, weight: new Float32Array([1, 1, 2, 2]), bias: new Float32Array([0, 1, 0, 1]) }).data,
    [-1.5 * s, -0.5 * s + 1, 1 * s, 3 * s + 1], () => 1e-6, 'layerNorm');
  // Groups [1, 3] (mean 2, var 1) and [10, 20] (mean 15, var 25) both normalise to [-1, 1].
  assertClose(groupNorm(t32([1, 3, 10, 20], [1, 4]), { backend: 'js', eps: 0, groups: 2, weight: new Float32Array([1, 2, 3, 4]), bias: new Float32Array([0, 0, 1, 1]) }).data,
    [-1, 2, -2, 5], () => 1e-6, 'groupNorm');
});

test('reference norms: normalised rows have mean 0 / unit variance / unit mean square (float64 check)', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 2, max: 12 }), fc.integer(),
    (rows, groups, run, seed) => {
      const D = groups * run;
      const x = { data: randomFloats(rows * D, seed, 3), shape: [rows, D] };
      const g = groupNorm(x, { backend: 'js', eps: 0, groups }).data;
      const r = rmsNorm(x, { backend: 'js', eps: 0 }).data;
      for (let i = 0; i < rows * groups; i++) {
        let mean = 0, sq = 0;
        for (let c = 0; c < run; c++) mean += g[i * run + c];
        for (let c = 0; c < run; c++) sq += g[i * run + c] ** 2;
        assert.ok(Math.abs(mean / run) < 1e-5, `group ${i}: mean ${mean / run}`);
        assert.ok(Math.abs(sq / run - 1) < 1e-4, `group ${i}: variance ${sq / run}`);
      }
      for (let i = 0; i < rows; i++) {
        let sq = 0;
        for (let c = 0; c < D; c++) sq += r[i * D + c] ** 2;
        assert.ok(Math.abs(sq / D - 1) < 1e-4);
      }
    }), { numRuns: 50 });
});

// ---- Each compiled backend against the reference: native on every ISA, CUDA where a GPU is present ----

for (const compiled of compiledBackends(40, 30)) {
  test(`linear: ${compiled.backend} matches the reference (small, medium and large batch paths, tails, bias on/off)`, { skip: compiled.skip }, () => {
    fc.assert(fc.property(
      fc.oneof(fc.constant(1), fc.integer({ min: 2, max: 7 }), fc.integer({ min: 8, max: 70 }), fc.integer({ min: 256, max: 270 })),
      fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 80 }), fc.boolean(), fc.boolean(), fc.integer(),
      (M, K, N, withBias, threeD, seed) => {
        const x = { data: randomFloats(M * K, seed), shape: threeD ? [1, M, K] : [M, K] };
        const w = { data: randomFloats(N * K, seed + 1), shape: [N, K] };
        const bias = withBias ? randomFloats(N, seed + 2) : undefined;
        const ref = linear(x, w, { backend: 'js', bias });
        compiled.forEachVariant((variant) => {
          const got = linear(x, w, { backend: compiled.backend, bias });
          assert.deepEqual(got.shape, ref.shape);
          assertClose(got.data, ref.data, linearTolerance(x.data, w.data, M, K, N), `${variant} linear ${M}x${K}x${N}`);
        });
      }), { numRuns: compiled.runs });
  });
}

test('native linear: several depth blocks, x panels and row chunks, caller-provided out, async', { skip: !hasNative }, () => forEachIsaAsync(async (isa) => {
  for (const M of [45, 300]) await checkLargeLinear(isa, M);
}));

async function checkLargeLinear(isa: string, M: number) {
  const [K, N] = [530, 67];
  const x = { data: randomFloats(M * K, 7), shape: [M, K] };
  const w = { data: randomFloats(N * K, 8), shape: [N, K] };
  const bias = { data: randomFloats(N, 9), shape: [N] };
  const ref = linear(x, w, { backend: 'js', bias });
  const out = new Float32Array(M * N).fill(NaN);
  const got = await linearAsync(x, w, { backend: 'native', bias, out });
  assert.equal(got.data, out);
  assertClose(out, ref.data, linearTolerance(x.data, w.data, M, K, N), `${isa} linear ${M}x${K}x${N}`);
}

for (const compiled of compiledBackends(40, 30)) {
  // CUDA reduces a run with up to 256 threads: longer runs make each thread loop.
  const maxRun = compiled.backend === 'cuda' ? 700 : 70;
  test(`norms: ${compiled.backend} matches the reference (group norm in place)`, { skip: compiled.skip }, () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: maxRun }), fc.boolean(), fc.boolean(),
      fc.double({ min: 1e-6, max: 1e-2, noNaN: true }), fc.integer(),
      (rows, groups, run, withWeight, withBias, eps, seed) => {
        const D = groups * run;
        const x = { data: randomFloats(rows * D, seed, 4), shape: [rows, D] };
        const weight = withWeight ? randomFloats(D, seed + 1, 2) : undefined;
        const bias = withBias ? randomFloats(D, seed + 2) : undefined;
        const tol = () => 2e-5;
        const backend = compiled.backend;
        const wantGroup = groupNorm(x, { backend: 'js', eps, groups, weight, bias }).data;
        compiled.forEachVariant((variant) => {
          assertClose(rmsNorm(x, { backend, eps, weight }).data, rmsNorm(x, { backend: 'js', eps, weight }).data, tol, `${variant} rmsNorm`);
          assertClose(layerNorm(x, { backend, eps, weight, bias }).data, layerNorm(x, { backend: 'js', eps, weight, bias }).data, tol, `${variant} layerNorm`);
          const inPlace = { data: x.data.slice(), shape: x.shape };
          groupNorm(inPlace, { backend, eps, groups, weight, bias, out: inPlace });
          assertClose(inPlace.data, wantGroup, tol, `${variant} groupNorm in place`);
        });
      }), { numRuns: compiled.runs });
  });

  test(`activations: ${compiled.backend} matches the reference (tails, tails of the range, infinities, NaN)`, { skip: compiled.skip }, () => {
    const special = [0, -0, 1e-30, -1e-30, 0.5, -0.5, 8, -8, 15, -15, 30, -30, 87, -87, 88, -88, 100, -100, 1e4, -1e4, Infinity, -Infinity, NaN];
    const tol = (ref: Float32Array) => (i: number) => 3e-6 * Math.abs(ref[i]) + 1e-7;
    const check = (data: Float32Array, what: string) => compiled.forEachVariant((variant) => {
      const x = { data, shape: [data.length] };
      for (const [name, f] of [['silu', silu], ['gelu', gelu], ['relu', relu]] as const) {
        // silu(-inf) and gelu(-inf) are -inf · 0 = NaN on every backend, as in PyTorch.
        const ref = f(x, { backend: 'js' }).data;
        assertClose(f(x, { backend: compiled.backend }).data, ref, tol(ref), `${variant} ${name} ${what}`);
      }
      // relu(-0): CUDA gives the reference's +0; native gives -0 (x86 max returns its second operand for two
      // zeros), which assertClose accepts as equal.
      if (compiled.backend === 'cuda') {
        const negZero = { data: Float32Array.of(-0), shape: [1] };
        assert.ok(Object.is(relu(negZero, { backend: 'cuda' }).data[0], relu(negZero, { backend: 'js' }).data[0]), `${variant} relu(-0)`);
      }
    });
    check(Float32Array.from(special), 'special values');
    check(Float32Array.from([...special, ...randomFloats(1000, 3, 12)]), 'specials and 1000 values');
    fc.assert(fc.property(fc.integer({ min: 1, max: 100 }), fc.integer(), (n, seed) => check(randomFloats(n, seed, 12), `n=${n}`)), { numRuns: compiled.runs });
  });
}

test('elementwise ops and norms run in place (out === x.data) on every backend', async () => {
  for (const backend of hasNative ? (['js', 'native'] as const) : (['js'] as const)) {
    const data = randomFloats(37, 3, 5);
    const expected = gelu({ data, shape: [37] }, { backend }).data;
    const x = { data: data.slice(), shape: [37] };
    const y = await geluAsync(x, { backend, out: x.data });
    assert.equal(y.data, x.data);
    assert.deepEqual(Array.from(x.data), Array.from(expected));
    const rows = { data: randomFloats(3 * 8, 4), shape: [3, 8] };
    const normed = layerNorm(rows, { backend, eps: 1e-5 }).data;
    await layerNormAsync(rows, { backend, eps: 1e-5, out: rows });
    assert.deepEqual(Array.from(rows.data), Array.from(normed));
    const r = { data: Float32Array.from([-1, 2, -3]), shape: [3] };
    relu(r, { backend, out: r.data });
    assert.deepEqual(Array.from(r.data), [0, 2, 0]);
  }
});
