/**
 * The CUDA backend against the JS reference. Runs where the CUDA addon is built and a device is present
 * (scripts/gpu-check.sh builds and runs it); elsewhere the GPU tests skip and only the "no device" test
 * runs. Differential property tests use small integer data where every sign and sum is exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backendStatus, isBackendAvailable, setBackend } from '../lib/backend.js';
import { loadCuda } from '../lib/cuda/addon.js';
import {
  denseStride, encodeWeights, fromDevice, getCudaHammingAlgo, hammingGemm, hammingGemmAsync, hammingKnn, hashLinear, hashLinearAsync, info,
  packBits, releaseDevice, setCudaHammingAlgo, signProject, signProjectAsync, toDevice, DeviceStream, type CudaHammingAlgo, type PackedBits,
  getCudaSignPrecision, setCudaSignPrecision, type CudaSignPrecision,
} from '../lib/index.js';
import { assertClose, randomFloats, randomInts, rng } from './helpers.js';
import { checkHashLayer, hashLayerCase } from './lsh-cases.js';

const HAS_CUDA = isBackendAvailable('cuda');
const gpu = { skip: !HAS_CUDA && backendStatus('cuda').reason };
const t = (data: Float32Array, shape: number[]) => ({ data, shape });

function randomCodes(rows: number, bits: number, seed: number, stride = denseStride(bits)): PackedBits {
  const r = rng(seed);
  return packBits(Array.from({ length: rows * bits }, () => (r() < 0.5 ? 1 : 0)), rows, bits, stride);
}

/** Runs fn with each sign-projection precision of the CUDA backend, restoring the setting. */
function forEachPrecision(fn: (p: CudaSignPrecision) => void): void {
  const saved = getCudaSignPrecision();
  try {
    for (const p of ['fp32', 'tf32x3'] as const) {
      setCudaSignPrecision(p);
      fn(p);
    }
  } finally {
    setCudaSignPrecision(saved);
  }
}

/** Runs fn with each Hamming GEMM algorithm of the CUDA backend, restoring the setting. */
function forEachAlgo(fn: (algo: CudaHammingAlgo) => void): void {
  const saved = getCudaHammingAlgo();
  try {
    for (const algo of ['popc', 'mma'] as const) {
      setCudaHammingAlgo(algo);
      fn(algo);
    }
  } finally {
    setCudaHammingAlgo(saved);
  }
}

test('without a usable device the cuda backend says why, and selecting it fails with that reason', { skip: HAS_CUDA && 'a device is present' }, () => {
  const why = backendStatus('cuda').reason;
  assert.match(why, /CUDA unavailable: \S/);
  assert.throws(() => setBackend('cuda'), (e: Error) => e.message.includes(loadCuda().error!));
  assert.throws(() => signProject(t(new Float32Array(4), [1, 4]), t(new Float32Array(4), [1, 4]), { backend: 'cuda' }), /CUDA unavailable/);
  const i = info();
  assert.equal(i.backends.cuda.available, false);
  assert.equal(i.cuda?.available, false);
  assert.match(String(i.cuda?.reason), /\S/);
});

test('info() reports the device', gpu, () => {
  const c = info().cuda as { available: boolean; devices: Array<Record<string, unknown>>; driverVersion: number; runtimeVersion: number };
  assert.equal(c.available, true);
  assert.ok(c.devices.length > 0);
  for (const key of ['name', 'computeCapability', 'multiprocessors', 'memoryBytes', 'l2Bytes']) assert.ok(key in c.devices[0], key);
  assert.ok(c.driverVersion > 0 && c.runtimeVersion > 0);
});

test('signProject on cuda: bits exact on integer data (odd sizes, tails), norms within float32 rounding', gpu, () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 150 }), fc.integer({ min: 1, max: 170 }), fc.integer({ min: 1, max: 260 }), fc.integer(),
    (M, D, K, seed) => {
      const x = t(randomInts(M * D, seed), [M, D]);
      const proj = t(randomInts(K * D, seed + 1), [K, D]);
      const want = signProject(x, proj, { backend: 'js' });
      forEachPrecision((p) => {
        const got = signProject(x, proj, { backend: 'cuda' });
        assert.deepEqual(got.codes, want.codes, p);
        assertClose(got.norms, want.norms, 0, 2e-6, `norms (${p})`);
      });
    }), { numRuns: 40 });
});

test('signProject on cuda, real-valued data: bits agree wherever |z| exceeds 1e-4 of sum |x p| (SPEC margin)', gpu, () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 130 }), fc.integer(),
    (M, D, K, seed) => {
      const x = t(randomFloats(M * D, seed, 3), [M, D]);
      const proj = t(randomFloats(K * D, seed + 7), [K, D]);
      const want = signProject(x, proj, { backend: 'js' });
      forEachPrecision((p) => {
        const got = signProject(x, proj, { backend: 'cuda' });
        for (let m = 0; m < M; m++) {
          for (let k = 0; k < K; k++) {
            let z = 0, scale = 0;
            for (let d = 0; d < D; d++) {
              z += x.data[m * D + d] * proj.data[k * D + d];
              scale += Math.abs(x.data[m * D + d] * proj.data[k * D + d]);
            }
            if (Math.abs(z) <= 1e-4 * scale) continue;
            const bit = (c: PackedBits) => (c.data[m * c.stride + (k >> 3)] >> (k & 7)) & 1;
            assert.equal(bit(got.codes), bit(want.codes), `row ${m} bit ${k} (${p})`);
          }
        }
      });
    }), { numRuns: 20 });
});

test('hammingGemm on cuda equals the reference exactly, with both algorithms, any bit length and stride', gpu, () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 140 }), fc.integer({ min: 1, max: 140 }), fc.integer({ min: 1, max: 1100 }),
    fc.constantFrom('dense', 'aligned', 'wide'), fc.integer(),
    (M, N, bits, strideKind, seed) => {
      const stride = strideKind === 'dense' ? denseStride(bits) : strideKind === 'aligned' ? Math.ceil(bits / 64) * 8 : denseStride(bits) + 13;
      const a = randomCodes(M, bits, seed, stride), b = randomCodes(N, bits, seed + 1, stride);
      const want = hammingGemm(a, b, { backend: 'js' }).data;
      forEachAlgo((algo) => assert.deepEqual(hammingGemm(a, b, { backend: 'cuda' }).data, want, algo));
    }), { numRuns: 40 });
});

test('hammingGemm on cuda with uint16 results (narrowed on the host) equals the reference; hammingKnn is not on cuda', gpu, async () => {
  const a = randomCodes(70, 300, 1), b = randomCodes(90, 300, 2);
  const want = Uint16Array.from(hammingGemm(a, b, { backend: 'js' }).data);
  assert.deepEqual(hammingGemm(a, b, { backend: 'cuda', resultType: 'uint16' }).data, want);
  assert.deepEqual((await hammingGemmAsync(a, b, { backend: 'cuda', out: new Uint16Array(70 * 90) })).data, want);
  assert.throws(() => hammingKnn(a, b, 3, { backend: 'cuda' }), /hammingKnn: not implemented on backend 'cuda'/);
});

test('encodeWeights + hashLinear on cuda equal the reference (exact codes), both estimators', gpu, () => {
  fc.assert(fc.property(hashLayerCase(70), (c) => {
    forEachPrecision((p) => checkHashLayer(c, 'cuda', p));
  }), { numRuns: 30 });
});

test('device-resident weights give the same results without copies, and release restores host use', gpu, () => {
  const weight = t(randomFloats(50 * 96, 1), [50, 96]);
  const proj = t(randomFloats(3 * 4 * 128 * 32, 2), [3, 4, 128, 32]);
  const config = { inputTileSize: 32, outputTileSize: 16, hashLength: 128 };
  const w = encodeWeights(weight, proj, config, { backend: 'cuda' });
  const x = t(randomFloats(7 * 96, 3), [7, 96]);
  const want = hashLinear(x, w, { backend: 'cuda' }).data;
  const stream = new DeviceStream();
  for (const a of [w.codes.data, w.norms, w.proj.data]) toDevice(a, { stream });
  // The host copies no longer matter: the GPU copies are used.
  const saved = w.norms.slice();
  w.norms.fill(0);
  assert.deepEqual(hashLinear(x, w, { backend: 'cuda' }).data, want);
  fromDevice(w.norms);
  assert.deepEqual(w.norms, saved);
  for (const a of [w.codes.data, w.norms, w.proj.data]) releaseDevice(a);
  assert.deepEqual(hashLinear(x, w, { backend: 'cuda' }).data, want);
  stream.synchronize();
});

test('async cuda calls resolve with the sync results', gpu, async () => {
  const x = t(randomFloats(64 * 100, 4), [64, 100]);
  const proj = t(randomFloats(256 * 100, 5), [256, 100]);
  const sync = signProject(x, proj, { backend: 'cuda' });
  const [r1, r2] = await Promise.all([signProjectAsync(x, proj, { backend: 'cuda' }), signProjectAsync(x, proj, { backend: 'cuda' })]);
  assert.deepEqual(r1.codes, sync.codes);
  assert.deepEqual(r2.codes, sync.codes);
  const d = await hammingGemmAsync(r1.codes, sync.codes, { backend: 'cuda' });
  assert.deepEqual(d.data, hammingGemm(r1.codes, sync.codes, { backend: 'js' }).data);
  const w = encodeWeights(t(randomFloats(40 * 100, 6), [40, 100]), t(randomFloats(4 * 3 * 64 * 32, 7), [4, 3, 64, 32]),
    { inputTileSize: 32, outputTileSize: 16, hashLength: 64 }, { backend: 'cuda' });
  assert.deepEqual((await hashLinearAsync(x, w, { backend: 'cuda' })).data, hashLinear(x, w, { backend: 'cuda' }).data);
});

test('addon errors are JS exceptions: bad lengths are RangeErrors, a freed buffer is refused', gpu, () => {
  const addon = loadCuda().addon!;
  const f = (n: number) => new Float32Array(n);
  assert.throws(() => addon.signProject({ x: f(3), proj: f(4), codes: new Uint8Array(8), M: 1, D: 4, K: 1, stride: 8 }), RangeError);
  const buf = new addon.DeviceBuffer(16);
  buf.free();
  assert.throws(() => addon.rotary({ x: buf, positions: new Int32Array(1), angle: f(2), y: f(4), batch: 1, steps: 1, heads: 1, headDim: 4 }), /freed/);
  assert.throws(() => addon.rglruStep({ h: f(4), x: f(4), gateX: f(4), gateA: f(4), a: f(4), slots: Int32Array.of(5), out: f(4),
    poolSize: 1, width: 4, batch: 1, steps: 1, c: 8, aParam: 'direct' }), /outside the pool/);
});
