/** noisySignProject: determinism across backends, ISAs and thread counts; noise statistics; the functional path. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isBackendAvailable } from '../lib/backend.js';
import { loadNative } from '../lib/native/addon.js';
import { unpackBits } from '../lib/bits.js';
import { gaussian, gaussInt, GAUSS_SCALE, mix32, rowKey, streamKey } from '../lib/counter-rng.js';
import { compiledBackends } from './helpers.js';
import { data, noisyCase } from './noisy-cases.js';
import { hashLinear, encodeWeights, signProject } from '../lib/kernels/lsh.js';
import { noisySignProject, type NoisySignProjectOptions } from '../lib/kernels/noisy.js';
import { getIsa, getNumThreads, setIsa, setNumThreads, supportedIsas } from '../lib/runtime.js';
import { resolveConfig } from '../lib/sim/config.js';
import { conventionalLayer } from '../lib/sim/conventional.js';
import { runDigitsNoise } from '../lib/sim/digits.js';
import { hashedLayer, programTile } from '../lib/sim/functional.js';

const native = isBackendAvailable('native');


function withNative<T>(isa: string, threads: number, fn: () => T): T {
  const [i0, t0] = [getIsa(), getNumThreads()];
  setIsa(isa as never);
  setNumThreads(threads);
  try {
    return fn();
  } finally {
    setIsa(i0);
    setNumThreads(t0);
  }
}

for (const compiled of compiledBackends(25, 30)) {
  // Native runs every ISA at 1 and 3 threads (0: the CUDA call has no thread count); CUDA takes wider rows.
  const onCpu = compiled.backend === 'native';
  test(`noisySignProject: ${compiled.backend} equals the JS reference bit for bit (every ISA and thread count; DAC levels, noise, offsets, tails)`, { skip: compiled.skip }, () => {
    fc.assert(fc.property(noisyCase(onCpu ? 80 : 300), ({ x, w, off, o }) => {
      const want = noisySignProject(x, w, off, { ...o, backend: 'js' });
      compiled.forEachVariant((variant) => {
        for (const threads of onCpu ? [1, 3] : [0]) {
          const run = () => noisySignProject(x, w, off, { ...o, backend: compiled.backend });
          assert.deepEqual((onCpu ? withNative(getIsa(), threads, run) : run()).data, want.data, `${variant}, ${threads} threads`);
        }
      });
    }), { numRuns: compiled.runs });
  });
}

test('noisySignProject: rows drawn in chunks (rowOffset) equal one call; the seed and stream change the noise', () => {
  const M = 40, D = 24, K = 48;
  const x = data(M * D, 5), w = { data: data(K * D, 6), shape: [K, D] }, off = new Float32Array(K);
  const o = { readNoise: 1, seed: 3, stream: 2, backend: 'js' as const };
  const all = unpackBits(noisySignProject({ data: x, shape: [M, D] }, w, off, o));
  const a = unpackBits(noisySignProject({ data: x.subarray(0, 15 * D), shape: [15, D] }, w, off, o));
  const b = unpackBits(noisySignProject({ data: x.subarray(15 * D), shape: [M - 15, D] }, w, off, { ...o, rowOffset: 15 }));
  assert.deepEqual(all, Uint8Array.from([...a, ...b]));
  const other = unpackBits(noisySignProject({ data: x, shape: [M, D] }, w, off, { ...o, seed: 4 }));
  assert.notDeepEqual(all, other);
});

test('noisySignProject: without noise and DAC it is the sign projection; offsets shift the threshold', () => {
  const M = 30, D = 17, K = 40;
  const x = { data: data(M * D, 11), shape: [M, D] }, w = { data: data(K * D, 12), shape: [K, D] };
  const clean = unpackBits(signProject(x, w, { backend: 'js' }).codes);
  const noiseless = unpackBits(noisySignProject(x, w, new Float32Array(K), { dacBits: 0, backend: 'js' }));
  assert.deepEqual(noiseless, clean);
  assert.ok(unpackBits(noisySignProject(x, w, new Float32Array(K).fill(100), { backend: 'js' })).every((b) => b === 1));
  assert.ok(unpackBits(noisySignProject(x, w, new Float32Array(K).fill(-100), { backend: 'js' })).every((b) => b === 0));
});

test('noisySignProject: bad arguments are rejected before anything runs', () => {
  const x = { data: new Float32Array(12), shape: [3, 4] }, w = { data: new Float32Array(8), shape: [2, 4] }, off = new Float32Array(2);
  assert.throws(() => noisySignProject(x, { data: new Float32Array(10), shape: [2, 5] }, off), /weights.*\[K, D\]/);
  assert.throws(() => noisySignProject(x, w, new Float32Array(3)), /offsets/);
  assert.throws(() => noisySignProject(x, w, off, { dacBits: 17 }), /dacBits/);
  assert.throws(() => noisySignProject(x, w, off, { readNoise: -1 }), /readNoise/);
  assert.throws(() => noisySignProject(x, w, off, { seed: 2 ** 32 }), /seed/);
  assert.throws(() => noisySignProject(x, w, off, { rowOffset: 1.5 }), /rowOffset/);
});

test('noisySignProject: the native binding re-checks every buffer and scalar', { skip: !native && 'native addon not built' }, () => {
  const addon = loadNative().addon!;
  const M = 4, D = 8, K = 40, stride = 8;
  const ok = (): Record<string, unknown> => ({
    x: new Float32Array(M * D), weights: new Float32Array(K * D), offsets: new Float32Array(K), codes: new Uint8Array(M * stride),
    M, D, K, stride, dacBits: 8, noiseScale: 0.1, key: 1, rowOffset: 0,
  });
  assert.doesNotThrow(() => addon.noisySignProject(ok()));
  const bad: [string, unknown, RegExp][] = [
    ['x', new Float32Array(M * D - 1), /x: needs 32/], ['weights', new Float32Array(K * D - 1), /weights/], ['offsets', new Float32Array(K - 1), /offsets/],
    ['codes', new Uint8Array(M * stride - 1), /codes/], ['x', new Int32Array(M * D), /Float32Array/], ['stride', 4, /stride/],
    ['dacBits', 17, /dacBits/], ['key', 2 ** 32, /key: expected an integer in \[0, 4294967295\]/], ['M', -1, /M/],
  ];
  for (const [name, v, msg] of bad) {
    const plan = ok();
    plan[name] = v;
    assert.throws(() => addon.noisySignProject(plan), msg, name);
  }
});

test('counter RNG: unit-variance draws, stable values, independent rows', () => {
  const key = streamKey(1, 2);
  let s = 0, s2 = 0, s4 = 0;
  const n = 40000;
  for (let i = 0; i < n; i++) {
    const g = gaussian(rowKey(key, i >> 8), i & 255);
    s += g;
    s2 += g * g;
    s4 += g ** 4;
  }
  assert.ok(Math.abs(s / n) < 0.02);
  assert.ok(Math.abs(s2 / n - 1) < 0.03);
  assert.ok(Math.abs(s4 / n / (s2 / n) ** 2 - 2.85) < 0.1, 'Irwin-Hall(8) kurtosis 3 - 1.2/8');
  assert.equal(GAUSS_SCALE, Math.fround(GAUSS_SCALE));
  // Frozen values: the same on every machine and backend (the C++ twin is tested bit-exact above).
  assert.deepEqual([mix32(0), mix32(1), mix32(0xdeadbeef), gaussInt(rowKey(key, 7), 3)], [0, 1753845952, 3861431939, -184970]);
});

test('functional: noiseless hashed layer equals hashLinear; the noisy path counts bit errors', () => {
  const M = 20, D = 50, N = 12, Ti = 16, To = 5, K = 64;
  const x = data(M * D, 21), weight = data(N * D, 22);
  const nI = Math.ceil(D / Ti), nJ = Math.ceil(N / To);
  const proj = data(nI * nJ * K * Ti, 23);
  const tiles: Float32Array[] = [];
  for (let i = 0; i < nI; i++) {
    const len = Math.min(Ti, D - i * Ti);
    for (let j = 0; j < nJ; j++) {
      const t = new Float32Array(K * len);
      for (let k = 0; k < K; k++) for (let d = 0; d < len; d++) t[k * len + d] = proj[((i * nJ + j) * K + k) * Ti + d];
      tiles.push(t);
    }
  }
  const g = { inputTileSize: Ti, outputTileSize: To, hashLength: K };
  const want = hashLinear({ data: x, shape: [M, D] }, encodeWeights({ data: weight, shape: [N, D] }, { data: proj, shape: [nI, nJ, K, Ti] }, g, { backend: 'js' }), { backend: 'js' }).data;
  const r = hashedLayer({ x, M, D, weight, N, hash: g, tiles }, { backend: 'js' });
  for (let t = 0; t < want.length; t++) assert.ok(Math.abs(r.clean[t] - want[t]) <= 1e-4 * (1 + Math.abs(want[t])), `y[${t}]`);
  const quiet = resolveConfig({ device: { programmingNoise: 0, readNoise: 0, levels: 65536 }, readout: { comparatorOffset: 0 }, dac: { mode: 'parallel', bits: 0 } });
  const q = hashedLayer({ x, M, D, weight, N, hash: g, tiles }, { config: quiet, backend: 'js' });
  assert.ok(q.stats!.bitErrors / q.stats!.bits < 0.01, 'an ideal crossbar reproduces the codes (up to level rounding)');
  const loud = hashedLayer({ x, M, D, weight, N, hash: g, tiles }, { config: resolveConfig({ device: { readNoise: 0.5 } }), backend: 'js' });
  assert.ok(loud.stats!.bitErrors / loud.stats!.bits > q.stats!.bitErrors / q.stats!.bits);
  assert.ok(loud.stats!.outputError > 0);
  // The noisy layer is reproducible: same bits and outputs at any thread count and ISA.
  if (native) {
    const cfg = resolveConfig({ device: { readNoise: 0.2 } });
    const runs = supportedIsas().flatMap((isa) => [1, 3].map((t) => withNative(isa, t, () => hashedLayer({ x, M, D, weight, N, hash: g, tiles }, { config: cfg, backend: 'native' }))));
    for (const r of runs) {
      assert.deepEqual(r.noisy, runs[0].noisy);
      assert.deepEqual(r.stats, runs[0].stats);
    }
  }
});

test('conventional functional model: exact product, near-exact when ideal, worse with fewer ADC bits', () => {
  const M = 12, D = 300, N = 7;
  const x = data(M * D, 41), weight = data(N * D, 42), bias = data(N, 43);
  const l = { x, M, D, weight, N, bias };
  const { exact } = conventionalLayer(l);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = bias[n];
      for (let d = 0; d < D; d++) s += x[m * D + d] * weight[n * D + d];
      assert.ok(Math.abs(exact[m * N + n] - s) < 1e-4 * (1 + Math.abs(s)));
    }
  }
  const ideal = resolveConfig({ device: { programmingNoise: 0, readNoise: 0 }, dac: { bits: 16, mode: 'parallel' }, digital: { weightBits: 16 }, readout: { conventional: { bits: 16 }, adcRange: 4 } });
  const a = conventionalLayer(l, ideal);
  for (let t = 0; t < exact.length; t++) assert.ok(Math.abs(a.exact[t] - exact[t]) <= 1e-6 * (1 + Math.abs(exact[t])), 'the fused exact product matches the plain one');
  assert.ok(a.outputError! < 1e-3, `ideal crossbar error ${a.outputError}`);
  const coarse = conventionalLayer(l, resolveConfig({ readout: { conventional: { bits: 3 } } }));
  const fine = conventionalLayer(l, resolveConfig({ readout: { conventional: { bits: 10 } } }));
  assert.ok(coarse.outputError! > fine.outputError!);
  assert.deepEqual(conventionalLayer(l, resolveConfig(), 2).noisy, conventionalLayer(l, resolveConfig(), 2).noisy);
});

test('programTile: faults and drift act on the programmed weights deterministically', () => {
  const K = 8, len = 6;
  const proj = data(K * len, 31);
  const c = resolveConfig({ device: { programmingNoise: 0, levels: 65536 } });
  const ideal = programTile(proj, K, len, c, 0, 0, 0);
  for (let k = 0; k < K; k++) for (let d = 0; d < len; d++) assert.equal(Math.sign(ideal.weights[k * len + d]), Math.sign(proj[k * len + d]));
  const stuck = programTile(proj, K, len, resolveConfig({ device: { stuckAtGmax: 1 } }), 0, 0, 0);
  assert.ok(stuck.weights.every((v) => Math.abs(v) < 1e-6), 'both devices of every pair at gMax cancel');
  const drift = programTile(proj, K, len, resolveConfig({ device: { programmingNoise: 0, levels: 65536, driftTimeS: 2e6, driftNuSigma: 0 } }), 0, 0, 0);
  const factor = (2e6 / 20) ** -0.05;
  for (let t = 0; t < K * len; t++) assert.ok(Math.abs(drift.weights[t] - ideal.weights[t] * factor) < 1e-5);
  assert.deepEqual(programTile(proj, K, len, resolveConfig(), 3, 1, 2), programTile(proj, K, len, resolveConfig(), 3, 1, 2));
  assert.notDeepEqual(programTile(proj, K, len, resolveConfig(), 3, 1, 2).weights, programTile(proj, K, len, resolveConfig(), 4, 1, 2).weights);
});

test('digits: the hashed ResNet-20 forward reproduces the fixture and degrades under noise', { skip: !native && 'native addon not built' }, () => {
  const r = runDigitsNoise(resolveConfig({ readout: { comparatorOffset: 0.3 } }), { images: 24, floatReference: true });
  assert.equal(r.images, 24);
  assert.ok(r.floatAccuracy! >= 0.95, `the float forward classifies (${r.floatAccuracy})`);
  assert.ok(r.conventionalAccuracy >= 0.9, `the conventional crossbar stays accurate (${r.conventionalAccuracy})`);
  assert.ok(r.layers.every((l) => l.conventionalOutputError > 0 && l.conventionalOutputError < 0.5));
  assert.ok(r.logitsWithin1e3! >= 0.9, `clean logits match expected.logits (${r.logitsWithin1e3})`);
  assert.ok(r.bitErrorRate > 0.01 && r.bitErrorRate < 0.5);
  assert.equal(r.layers.length, 22);
});
