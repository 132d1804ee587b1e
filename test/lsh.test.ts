/** LSH kernels: native (every ISA) against the JS reference on random shapes, plus API behaviour. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  encodeWeights, encodeWeightsAsync, hammingGemm, hammingGemmAsync, hammingKnn, hammingKnnAsync, hashLinear, hashLinearAsync, packBits, packedBits,
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
  // 1536 x 1536 int32 = 9 MiB: a result the caches may or may not hold (the streaming threshold is the
  // detected L3); the uint16 test below covers results beyond any L3.
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

test('hammingGemm: codes longer than the caches hold (several panel groups, 4-row tasks) on every ISA', { skip: !HAS_NATIVE }, () => {
  // 60000-bit codes: one 32-code panel is 234 KiB, so a task's panel group (half the L2) holds only a few
  // panels and a row chunk shrinks to one 4-row block; 70 codes of b make 3 panels, the last partial.
  const M = 13, N = 70, bits = 60000;
  const a = randomCodes(M, bits, 21), b = randomCodes(N, bits, 22);
  const want = hammingGemm(a, b, { backend: 'js' }).data;
  forEachIsa((isa) => {
    assert.deepEqual(hammingGemm(a, b, { backend: 'native' }).data, want, isa);
    assert.deepEqual(hammingGemm(a, b, { backend: 'native', resultType: 'uint16' }).data, Uint16Array.from(want), isa);
  });
});

const bytesOf = (v: Int32Array | Uint16Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

test('hammingGemm uint16 results: the int32 distances narrowed, on every ISA, offset and stride', { skip: !HAS_NATIVE }, () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 0, max: 40 }), fc.integer(),
    (M, N, bits, offset, seed) => {
      const a = randomCodes(M, bits, seed), b = randomCodes(N, bits, seed + 1);
      const want = Uint16Array.from(hammingGemm(a, b, { backend: 'js' }).data);
      assert.deepEqual(hammingGemm(a, b, { backend: 'js', resultType: 'uint16' }).data, want);
      const out = new Uint16Array(M * N + 48).subarray(offset, offset + M * N);
      forEachIsa((isa) => assert.deepEqual(hammingGemm(a, b, { backend: 'native', out }).data, want, isa));
    }), { numRuns: 40 });
  // 4100 x 4100 uint16 = 32 MiB, beyond the L3 of most cores: streamed stores on AVX-512.
  const M = 4100, a = randomCodes(M, 100, 7), b = randomCodes(M, 100, 8);
  const wide = hammingGemm(a, b, { backend: 'native' }).data;
  const want = bytesOf(Uint16Array.from(wide));
  forEachIsa((isa) => {
    for (const offset of [0, 8]) {
      const out = new Uint16Array(M * M + 32).subarray(offset, offset + M * M);
      assert.equal(Buffer.compare(bytesOf(hammingGemm(a, b, { out, backend: 'native' }).data), want), 0, `${isa}, offset ${offset}`);
    }
  });
});

test('hammingGemm uint16: rejected for codes of 65536 bits or more, and for an out that contradicts resultType', () => {
  const big = packedBits(1, 65536);
  assert.throws(() => hammingGemm(big, big, { resultType: 'uint16' }), /uint16 results need codes of at most 65535 bits/);
  assert.equal(hammingGemm(big, big, { backend: 'js' }).data[0], 0);
  const c = randomCodes(2, 10, 1);
  assert.throws(() => hammingGemm(c, c, { out: new Uint16Array(4), resultType: 'int32' }), /resultType 'int32'/);
  assert.throws(() => hammingGemm(c, c, { resultType: 'int8' as never }), /resultType/);
  assert.throws(() => hammingGemm(c, c, { out: new Uint16Array(3) }), /expected \[M, N\]/);
});

/** The k-NN contract read directly off the full distance matrix. */
function knnFromMatrix(dist: Int32Array, M: number, N: number, k: number, max: number) {
  const indices = new Int32Array(M * k).fill(-1), distances = new Int32Array(M * k).fill(-1);
  for (let m = 0; m < M; m++) {
    const order = [...Array(N).keys()].filter((n) => dist[m * N + n] <= max).sort((x, y) => dist[m * N + x] - dist[m * N + y] || x - y);
    order.slice(0, k).forEach((n, j) => ((indices[m * k + j] = n), (distances[m * k + j] = dist[m * N + n])));
  }
  return { indices, distances };
}

test('hammingKnn: the k nearest (distance, index) pairs within maxDistance, equal on every backend and ISA', { skip: !HAS_NATIVE }, () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 150 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 60 }),
    fc.option(fc.integer({ min: 0, max: 300 })), fc.boolean(), fc.integer(),
    (M, N, bits, k, max, repeat, seed) => {
      const a = randomCodes(M, bits, seed), b = randomCodes(N, bits, seed + 1);
      if (repeat) for (let n = 1; n < N; n += 2) b.data.copyWithin(n * b.stride, (n - 1) * b.stride, n * b.stride); // ties
      const maxDistance = max ?? undefined;
      const want = knnFromMatrix(hammingGemm(a, b, { backend: 'js' }).data, M, N, k, Math.min(maxDistance ?? bits, bits));
      const js = hammingKnn(a, b, k, { backend: 'js', maxDistance });
      assert.deepEqual(js.indices.data, want.indices);
      assert.deepEqual(js.distances.data, want.distances);
      assert.deepEqual(js.indices.shape, [M, k]);
      forEachIsa((isa) => {
        const got = hammingKnn(a, b, k, { backend: 'native', maxDistance });
        assert.deepEqual(got.indices.data, want.indices, isa);
        assert.deepEqual(got.distances.data, want.distances, isa);
      });
    }), { numRuns: 60 });
});

test('hammingKnn: many rows and codes (several tasks and panels), async, caller outputs and bad arguments', { skip: !HAS_NATIVE }, async () => {
  const M = 700, N = 3000, bits = 64, k = 10;
  const a = randomCodes(M, bits, 11), b = randomCodes(N, bits, 12);
  const want = knnFromMatrix(hammingGemm(a, b, { backend: 'native' }).data, M, N, k, 20);
  const indices = new Int32Array(M * k).fill(7), distances = new Int32Array(M * k).fill(7);
  forEachIsa((isa) => {
    const got = hammingKnn(a, b, k, { backend: 'native', maxDistance: 20, out: { indices, distances } });
    assert.equal(got.indices.data, indices);
    assert.deepEqual(indices, want.indices, isa);
    assert.deepEqual(distances, want.distances, isa);
  });
  const r = await hammingKnnAsync(a, b, k, { backend: 'native', maxDistance: 20 });
  assert.deepEqual(r.indices.data, want.indices);
  assert.throws(() => hammingKnn(a, b, 0), /k: expected an integer in \[1,/);
  assert.throws(() => hammingKnn(a, b, 2, { maxDistance: -1 }), /maxDistance/);
  assert.throws(() => hammingKnn(a, randomCodes(3, 65, 1), 2), /expected 64-bit codes like a/);
  assert.throws(() => hammingKnn(a, b, 2, { out: { indices: new Int32Array(3) } }), /out.indices: expected \[M, k\]/);
  const shared = new Int32Array(M * k);
  assert.throws(() => hammingKnn(a, b, k, { out: { indices: shared, distances: shared } }), /overlaps/);
});
