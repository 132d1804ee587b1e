/** LSH kernels: native (every ISA) against the JS reference on random shapes, plus API behaviour. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  encodeWeights, encodeWeightsAsync, hammingGemm, hammingGemmAsync, hashLinear, hashLinearAsync, packBits, packedBits,
  restride, signProject, signProjectAsync, unpackBits, denseStride, type PackedBits,
} from '../lib/index.js';
import { assertClose, forEachIsa, HAS_NATIVE, randomFloats, randomInts, rng } from './helpers.js';
import { checkHashLayer, hashLayerCase } from './lsh-cases.js';

const t = (data: Float32Array, shape: number[]) => ({ data, shape });

/** Codes with random bits and zero padding, in the given stride. */
function randomCodes(rows: number, bits: number, seed: number, stride = denseStride(bits)): PackedBits {
  const r = rng(seed);
  const v = Array.from({ length: rows * bits }, () => (r() < 0.5 ? 1 : 0));
  return packBits(v, rows, bits, stride);
}

test('packBits/unpackBits round trip and LSB-first layout', () => {
  const c = packBits([1, 0, 0, 0, 0, 0, 0, 0, 1, 1], 1, 10);
  assert.deepEqual([...c.data], [0b00000001, 0b00000011]);
  assert.deepEqual([...unpackBits(c)], [1, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
  const wide = restride(c, 8);
  assert.equal(wide.stride, 8);
  assert.deepEqual([...unpackBits(wide)], [...unpackBits(c)]);
});

test('signProject: bits follow the sign of x·projᵀ exactly (integer data) on every backend', { skip: !HAS_NATIVE }, () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 37 }), fc.integer({ min: 1, max: 150 }), fc.integer({ min: 1, max: 200 }), fc.integer(),
    (M, D, K, seed) => {
      const x = t(randomInts(M * D, seed), [M, D]);
      const proj = t(randomInts(K * D, seed + 1), [K, D]);
      const want = signProject(x, proj, { backend: 'js' });
      // Exact z: recompute here to check the reference too.
      for (let m = 0; m < M; m++) {
        for (let k = 0; k < K; k++) {
          let z = 0;
          for (let d = 0; d < D; d++) z += x.data[m * D + d] * proj.data[k * D + d];
          assert.equal((want.codes.data[m * want.codes.stride + (k >> 3)] >> (k & 7)) & 1, z > 0 ? 1 : 0);
        }
      }
      forEachIsa((isa) => {
        const got = signProject(x, proj, { backend: 'native' });
        assert.deepEqual(got.codes, want.codes, `codes on ${isa}`);
        assertClose(got.norms, want.norms, 0, 2e-6, `norms on ${isa}`);
      });
    }), { numRuns: 40 });
});

test('signProject: real-valued data agrees wherever the sign is decidable in float32', { skip: !HAS_NATIVE }, () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 130 }), fc.integer(),
    (M, D, K, seed) => {
      const x = t(randomFloats(M * D, seed, 3), [M, D]);
      const proj = t(randomFloats(K * D, seed + 7), [K, D]);
      const want = signProject(x, proj, { backend: 'js' });
      forEachIsa((isa) => {
        const got = signProject(x, proj, { backend: 'native' });
        for (let m = 0; m < M; m++) {
          for (let k = 0; k < K; k++) {
            let z = 0, scale = 0;
            for (let d = 0; d < D; d++) {
              z += x.data[m * D + d] * proj.data[k * D + d];
              scale += Math.abs(x.data[m * D + d] * proj.data[k * D + d]);
            }
            if (Math.abs(z) <= 1e-5 * scale) continue; // within float32 rounding of zero
            const bit = (c: PackedBits) => (c.data[m * c.stride + (k >> 3)] >> (k & 7)) & 1;
            assert.equal(bit(got.codes), bit(want.codes), `row ${m} bit ${k} on ${isa}`);
          }
        }
        assertClose(got.norms, want.norms, 0, 2e-6, `norms on ${isa}`);
      });
    }), { numRuns: 30 });
});

test('hammingGemm: native equals the reference exactly for any bit length and stride', { skip: !HAS_NATIVE }, () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 700 }),
    fc.constantFrom('dense', 'aligned', 'wide'), fc.integer(),
    (M, N, bits, strideKind, seed) => {
      const stride = strideKind === 'dense' ? denseStride(bits) : strideKind === 'aligned' ? Math.ceil(bits / 64) * 8 : denseStride(bits) + 13;
      const a = randomCodes(M, bits, seed, stride), b = randomCodes(N, bits, seed + 1, stride);
      const want = hammingGemm(a, b, { backend: 'js' });
      forEachIsa((isa) => assert.deepEqual(hammingGemm(a, b, { backend: 'native' }).data, want.data, isa));
    }), { numRuns: 40 });
});

test('hashLinear: native equals the reference (exact codes; float sums within tolerance), both estimators', { skip: !HAS_NATIVE }, () => {
  fc.assert(fc.property(hashLayerCase(9), (c) => {
    forEachIsa((isa) => checkHashLayer(c, 'native', isa));
  }), { numRuns: 40 });
});

test('async variants give the sync results and keep their inputs alive', async () => {
  const x = t(randomFloats(64 * 100, 1), [64, 100]);
  const proj = t(randomFloats(256 * 100, 2), [256, 100]);
  for (const backend of HAS_NATIVE ? (['js', 'native'] as const) : (['js'] as const)) {
    const sync = signProject(x, proj, { backend });
    const pending = signProjectAsync({ data: x.data.slice(), shape: [64, 100] }, { data: proj.data.slice(), shape: [256, 100] }, { backend });
    const r = await pending;
    assert.deepEqual(r.codes, sync.codes);
    const d = await hammingGemmAsync(r.codes, sync.codes, { backend });
    assert.deepEqual(d.data, hammingGemm(r.codes, sync.codes, { backend }).data);
    const config = { inputTileSize: 32, outputTileSize: 16, hashLength: 64 };
    const w = await encodeWeightsAsync(t(randomFloats(40 * 100, 3), [40, 100]), t(randomFloats(4 * 3 * 64 * 32, 4), [4, 3, 64, 32]), config, { backend });
    const y = await hashLinearAsync(x, w, { backend });
    assert.deepEqual(y.data, hashLinear(x, w, { backend }).data);
  }
});

test('caller-provided outputs are written in place and reused', { skip: !HAS_NATIVE }, () => {
  const x = t(randomFloats(5 * 33, 5), [5, 33]);
  const proj = t(randomFloats(70 * 33, 6), [70, 33]);
  const codes = packedBits(5, 70);
  codes.data.fill(0xff); // stale content, padding included, must be overwritten
  const norms = new Float32Array(5);
  const r = signProject(x, proj, { out: { codes, norms }, backend: 'native' });
  assert.equal(r.codes, codes);
  assert.equal(r.norms, norms);
  assert.deepEqual(codes, signProject(x, proj, { backend: 'js' }).codes);
  const dist = new Int32Array(25);
  assert.equal(hammingGemm(codes, codes, { out: dist }).data, dist);
  for (let i = 0; i < 5; i++) assert.equal(dist[i * 5 + i], 0);
});

test('hashLinear reuses the encoded weights: codes are not recomputed per call', () => {
  const weight = t(randomFloats(20 * 48, 8), [20, 48]);
  const proj = t(randomFloats(3 * 3 * 64 * 16, 9), [3, 3, 64, 16]);
  const w = encodeWeights(weight, proj, { inputTileSize: 16, outputTileSize: 8, hashLength: 64 });
  const x = t(randomFloats(4 * 48, 10), [4, 48]);
  const y1 = hashLinear(x, w).data.slice();
  weight.data.fill(0); // the layer must depend only on the encoded codes and norms now
  assert.deepEqual(hashLinear(x, w).data, y1);
});

test('hammingGemm: any output offset (panel boundaries follow the cache lines) and large streamed results', { skip: !HAS_NATIVE }, () => {
  for (const N of [16, 47, 48, 64, 80, 100]) {
    const a = randomCodes(9, 200, N), b = randomCodes(N, 200, N + 1);
    const want = hammingGemm(a, b, { backend: 'js' }).data;
    const backing = new Int32Array(9 * N + 32);
    for (let offset = 0; offset < 16; offset++) {
      const out = backing.subarray(offset, offset + 9 * N);
      forEachIsa((isa) => assert.deepEqual(hammingGemm(a, b, { out, backend: 'native' }).data, want, `N ${N}, offset ${offset}, ${isa}`));
    }
  }
  // 1536 x 1536 int32 = 9 MiB: large enough for non-temporal stores; the scalar path stores normally.
  const M = 1536, K = 130;
  const a = randomCodes(M, K, 3), b = randomCodes(M, K, 4);
  let want: Int32Array | undefined;
  forEachIsa((isa) => {
    for (const offset of [0, 4, 12]) {
      const out = new Int32Array(M * M + 16).subarray(offset, offset + M * M);
      const got = hammingGemm(a, b, { out, backend: 'native' }).data;
      want ??= got.slice();
      assert.deepEqual(got, want, `${isa}, offset ${offset}`);
    }
  });
  assert.equal(want![5 * M + 7], hammingGemm({ ...a, data: a.data.subarray(5 * a.stride, 6 * a.stride), rows: 1 }, { ...b, data: b.data.subarray(7 * b.stride, 8 * b.stride), rows: 1 }, { backend: 'js' }).data[0]);
});
