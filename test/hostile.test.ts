/**
 * Hostile inputs, table-driven over every public function: wrong types, lengths and shapes, zero,
 * negative, fractional and huge sizes, size products past 32 bits, aliasing outputs, detached and
 * shared buffers. Each must be rejected with the right error type and a message naming the argument,
 * before any work: caller-provided outputs and state pools stay bit-identical. The addon's own
 * argument checks (ArgReader) are exercised directly, as a caller bypassing the TypeScript layer would.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as h from '../lib/index.js';
import { loadNative } from '../lib/native/addon.js';
import * as fc from 'fast-check';
import { allSpecs } from '../lib/fuzz/specs/index.js';
import { goldenAdapters } from '../lib/golden/adapters.js';
import type { StoredTensor } from '../lib/safetensors.js';

type Call = () => unknown;
interface Row {
  name: string;
  call: Call;
  /** The Promise-returning twin, which must reject the same way. */
  async?: Call;
  error: typeof TypeError | typeof RangeError;
  message: RegExp;
}

const t = (data: any, shape: number[]) => ({ data, shape });
const f32 = (n: number, v = 0.5) => new Float32Array(n).fill(v);
const x = t(f32(8), [2, 4]), proj = t(f32(12), [3, 4]);
const codes = h.packedBits(2, 100);
const detached = () => {
  const a = new Float32Array(8);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
};
const resizable = (n: number) => new Float32Array(new (ArrayBuffer as any)(n * 4, { maxByteLength: n * 8 }));
const geometry = { inputTileSize: 4, outputTileSize: 1, hashLength: 3 };
const layerProj = t(f32(1 * 2 * 3 * 4), [1, 2, 3, 4]);
const weights = () => h.encodeWeights(x, layerProj, geometry);

/** A sentinel-filled output that a rejected call must leave alone. */
const sentinels: { name: string; data: Float32Array | Int32Array | Uint8Array; copy: Float32Array | Int32Array | Uint8Array }[] = [];
function watched<T extends Float32Array | Int32Array | Uint8Array>(name: string, data: T): T {
  data.fill(7 as never);
  sentinels.push({ name, data, copy: data.slice() });
  return data;
}

const rows: Row[] = [
  // ---- signProject
  { name: 'signProject: no arguments', call: () => (h.signProject as any)(), async: () => (h.signProjectAsync as any)(), error: TypeError, message: /signProject: x: expected a tensor/ },
  { name: 'signProject: x a plain Array', call: () => h.signProject([1, 2] as any, proj), async: () => h.signProjectAsync([1, 2] as any, proj), error: TypeError, message: /signProject: x: expected a tensor .*got an Array/ },
  { name: 'signProject: x float64', call: () => h.signProject(t(new Float64Array(8), [2, 4]), proj), error: TypeError, message: /signProject: x: expected float32 data .*\[M, D\].*Float64Array/ },
  { name: 'signProject: D disagrees', call: () => h.signProject(x, t(f32(15), [3, 5])), async: () => h.signProjectAsync(x, t(f32(15), [3, 5])), error: RangeError, message: /signProject: proj: expected shape \[K, D\] = \[3, 4\], got \[3, 5\]/ },
  { name: 'signProject: data shorter than shape', call: () => h.signProject(t(f32(7), [2, 4]), proj), error: RangeError, message: /signProject: x: shape \[2, 4\] needs 8 elements, data has 7/ },
  { name: 'signProject: zero size', call: () => h.signProject(t(new Float32Array(0), [0, 4]), proj), error: RangeError, message: /signProject: x: shape\[0\] must be an integer >= 1, got 0/ },
  { name: 'signProject: negative size', call: () => h.signProject(t(f32(8), [-2, -4]), proj), error: RangeError, message: /signProject: x: shape\[0\] must be an integer >= 1, got -2/ },
  { name: 'signProject: fractional size', call: () => h.signProject(t(f32(8), [2.5, 4]), proj), error: RangeError, message: /got 2\.5/ },
  { name: 'signProject: NaN size', call: () => h.signProject(t(f32(8), [NaN, 4]), proj), error: RangeError, message: /signProject: x: shape\[0\]/ },
  { name: 'signProject: size product past 2^32', call: () => h.signProject(t(f32(8), [65536, 65536]), proj), error: RangeError, message: /4294967296 elements, more than 2147483647/ },
  { name: 'signProject: huge size', call: () => h.signProject(t(f32(8), [2 ** 40, 4]), proj), error: RangeError, message: /signProject: x: shape\[0\]/ },
  { name: 'signProject: detached x', call: () => h.signProject(t(detached(), [2, 4]), proj), async: () => h.signProjectAsync(t(detached(), [2, 4]), proj), error: TypeError, message: /signProject: x: its ArrayBuffer is detached/ },
  { name: 'signProject: x on a resizable ArrayBuffer', call: () => h.signProject(t(resizable(8), [2, 4]), proj), async: () => h.signProjectAsync(t(resizable(8), [2, 4]), proj), error: TypeError, message: /signProject: x: its buffer is resizable/ },
  { name: 'hammingGemm: out on a resizable ArrayBuffer (could shrink under the async call)', call: () => h.hammingGemm(codes, codes, { out: new Int32Array(new (ArrayBuffer as any)(16, { maxByteLength: 64 })) }), async: () => h.hammingGemmAsync(codes, codes, { out: new Int32Array(new (ArrayBuffer as any)(16, { maxByteLength: 64 })) }), error: TypeError, message: /hammingGemm: options\.out: its buffer is resizable/ },
  { name: 'signProject: out.norms overlaps x', call: () => { const b = f32(10); return h.signProject(t(b.subarray(0, 8), [2, 4]), proj, { out: { norms: b.subarray(7, 9) } }); }, error: RangeError, message: /signProject: out\.norms overlaps input x/ },
  { name: 'signProject: out.norms too short', call: () => h.signProject(x, proj, { out: { norms: watched('norms', f32(1)) } }), error: RangeError, message: /signProject: out\.norms: expected 2 elements, got 1/ },
  { name: 'signProject: out.codes wrong rows', call: () => h.signProject(x, proj, { out: { codes: { ...h.packedBits(3, 3), data: watched('codes', new Uint8Array(24)) } } }), error: RangeError, message: /signProject: out\.codes: expected 2 rows, got 3/ },
  { name: 'signProject: options not an object', call: () => h.signProject(x, proj, 3 as any), error: TypeError, message: /signProject: options: expected an options object, got number 3/ },
  { name: 'signProject: unknown backend', call: () => h.signProject(x, proj, { backend: 'gpu' as any }), error: RangeError, message: /options\.backend: expected one of js, native, cuda, got 'gpu'/ },
  // ---- hammingGemm
  { name: 'hammingGemm: null a', call: () => h.hammingGemm(null as any, codes), async: () => h.hammingGemmAsync(null as any, codes), error: TypeError, message: /hammingGemm: a: expected packed bits/ },
  { name: 'hammingGemm: code lengths disagree', call: () => h.hammingGemm(codes, h.packedBits(2, 64)), error: RangeError, message: /hammingGemm: b: expected 100-bit codes like a, got 64-bit/ },
  { name: 'hammingGemm: rows disagree with data', call: () => h.hammingGemm({ ...codes, rows: 3 }, codes), error: RangeError, message: /hammingGemm: a: 3 rows x 16 bytes needs 48 bytes, data has 32/ },
  { name: 'hammingGemm: stride below the code length', call: () => h.hammingGemm({ ...codes, stride: 8 }, codes), error: RangeError, message: /hammingGemm: a\.stride: expected an integer in \[13,/ },
  { name: 'hammingGemm: nonzero padding bits', call: () => { const d = h.packedBits(1, 4); d.data[0] = 0xff; return h.hammingGemm(d, d); }, error: RangeError, message: /hammingGemm: a: row 0 has nonzero padding bits past bit 4/ },
  { name: 'hammingGemm: out of the wrong length', call: () => h.hammingGemm(codes, codes, { out: watched('dist', new Int32Array(3)) }), async: () => h.hammingGemmAsync(codes, codes, { out: new Int32Array(3) }), error: RangeError, message: /hammingGemm: options\.out: expected \[M, N\] = \[2, 2\] \(4 elements\), got 3/ },
  { name: 'hammingGemm: out of the wrong type', call: () => h.hammingGemm(codes, codes, { out: new Float32Array(4) as any }), error: TypeError, message: /hammingGemm: options\.out: expected a Int32Array/ },
  { name: 'hammingGemm: rows x bytes past 2^31', call: () => { const big = { data: new Uint8Array(1), rows: 2 ** 24, bits: 8 * 256, stride: 256 }; return h.hammingGemm(big, big); }, error: RangeError, message: /hammingGemm: a: 16777216 rows of 256 bytes is too large/ },
  // ---- encodeWeights / hashLinear
  { name: 'encodeWeights: tile size 0', call: () => h.encodeWeights(x, layerProj, { ...geometry, inputTileSize: 0 }), async: () => h.encodeWeightsAsync(x, layerProj, { ...geometry, inputTileSize: 0 }), error: RangeError, message: /encodeWeights: config\.inputTileSize: expected an integer in \[1,/ },
  { name: 'encodeWeights: unknown estimator', call: () => h.encodeWeights(x, layerProj, { ...geometry, estimator: 'cos' as any }), error: RangeError, message: /encodeWeights: config\.estimator: expected one of 'angle', 'linear'/ },
  { name: 'encodeWeights: NaN eps', call: () => h.encodeWeights(x, layerProj, { ...geometry, eps: NaN }), error: RangeError, message: /encodeWeights: config\.eps: expected a finite number, got NaN/ },
  { name: 'encodeWeights: projection of the wrong tiling', call: () => h.encodeWeights(x, proj, geometry), error: RangeError, message: /encodeWeights: proj: expected shape \[nI, nJ, 3, 4\] = \[1, 2, 3, 4\]/ },
  { name: 'encodeWeights: config missing', call: () => (h.encodeWeights as any)(x, layerProj), error: TypeError, message: /encodeWeights: config: expected an options object/ },
  { name: 'hashLinear: x of the wrong width', call: () => h.hashLinear(t(f32(6), [2, 3]), weights()), async: () => h.hashLinearAsync(t(f32(6), [2, 3]), weights()), error: RangeError, message: /hashLinear: x: expected shape \[B, D\] = \[2, 4\]|hashLinear: x: .*\[B, D\]/ },
  { name: 'hashLinear: weights tampered (codes rows)', call: () => h.hashLinear(x, { ...weights(), codes: h.packedBits(1, 3) }), error: RangeError, message: /hashLinear: weights\.codes: expected nI \* N = 2 rows, got 1/ },
  { name: 'hashLinear: bias of the wrong length', call: () => h.hashLinear(x, weights(), { bias: f32(3) }), error: RangeError, message: /hashLinear: options\.bias/ },
  { name: 'hashLinear: out overlaps x', call: () => { const b = f32(12); return h.hashLinear(t(b.subarray(0, 8), [2, 4]), weights(), { out: b.subarray(6, 10) }); }, error: RangeError, message: /hashLinear: options\.out overlaps input x/ },
  { name: 'hashLinear: out too short', call: () => h.hashLinear(x, weights(), { out: watched('y', f32(3)) }), error: RangeError, message: /hashLinear: options\.out: expected \[B, N\] = \[2, 2\], got 3 elements/ },
  // ---- bits, tensors, safetensors
  { name: 'packBits: values of the wrong count', call: () => h.packBits([1, 0, 1], 2, 2), error: RangeError, message: /packBits: values: expected 2 x 2 = 4 values, got 3/ },
  { name: 'packBits: zero rows', call: () => h.packBits([], 0, 2), error: RangeError, message: /packBits: rows: expected an integer in \[1,/ },
  { name: 'restride: stride below the code length', call: () => h.restride(codes, 3), error: RangeError, message: /restride: stride: expected an integer in \[13,/ },
  { name: 'tensor: shape disagrees with data', call: () => h.tensor(f32(3), [2, 2]), error: RangeError, message: /tensor: data has 3 elements, shape \[2, 2\] needs 4/ },
  { name: 'parseSafetensors: header longer than the file', call: () => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 1n << 40n, true); return h.parseSafetensors(b); }, error: RangeError, message: /safetensors <buffer>/ },
  { name: 'parseSafetensors: truncated', call: () => h.parseSafetensors(new Uint8Array(3)), error: RangeError, message: /safetensors <buffer>/ },
  { name: 'parseSafetensors: data offsets past the end', call: () => h.parseSafetensors(safetensorsWith({ a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8)), error: RangeError, message: /safetensors <buffer>/ },
  // ---- runtime and pools
  { name: 'setIsa: unknown ISA', call: () => h.setIsa('sse' as any), error: RangeError, message: /setIsa: isa: expected one of 'scalar', 'avx2', 'avx512'/ },
  { name: 'setNumThreads: 0', call: () => h.setNumThreads(0), error: RangeError, message: /setNumThreads: n: expected an integer in \[1, 1024\], got 0/ },
  { name: 'setNumThreads: a string', call: () => h.setNumThreads('2' as any), error: TypeError, message: /setNumThreads: n: expected an integer, got string 2/ },
  { name: 'setBackend: unknown backend', call: () => h.setBackend('tpu' as any), error: RangeError, message: /setBackend: name: expected one of js, native, cuda/ },
  { name: 'createPool: zero slots', call: () => h.createPool({ s: { shape: [2] } }, 0), error: RangeError, message: /createPool: slots: expected an integer in \[1,/ },
];

/** A safetensors buffer with a given header and `dataBytes` bytes of data. */
function safetensorsWith(header: object, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

for (const row of rows) {
  test(`rejects ${row.name}`, async () => {
    const before = sentinels.length;
    assert.throws(row.call, (e: Error) => {
      assert.ok(e instanceof row.error, `expected ${row.error.name}, got ${e.constructor.name}: ${e.message}`);
      assert.match(e.message, row.message);
      return true;
    });
    if (row.async) {
      await assert.rejects(Promise.resolve().then(row.async), (e: Error) => e instanceof row.error && row.message.test(e.message));
    }
    for (const s of sentinels.slice(before)) assert.deepEqual(s.data, s.copy, `${s.name} was written by a rejected call`);
  });
}

test('pool helpers reject bad slots and leave the pool bit-identical', () => {
  const spec = { s: { shape: [3] }, m: { shape: [2], fill: -Infinity } };
  const pool = h.createPool(spec, 4);
  pool.s.data.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const snapshot = Object.fromEntries(Object.entries(pool).map(([k, v]) => [k, v.data.slice()]));
  assert.throws(() => h.readSlot(pool, 4), /readSlot: slot: expected an integer in \[0, 3\], got 4/);
  assert.throws(() => h.readSlot(pool, -1), RangeError);
  assert.throws(() => h.writeSlot(pool, 1, { s: new Float32Array(3), m: new Float32Array(3) }), /writeSlot: values\.m: expected a Float32Array of 2 elements/);
  assert.throws(() => h.writeSlot(pool, 1, { s: new Float32Array(3) } as any), /writeSlot: values\.m/);
  assert.throws(() => h.resetSlot(pool, spec, 1.5), RangeError);
  assert.throws(() => h.readSlot({ s: { data: new Float32Array(5), shape: [2, 3] } }, 0), /readSlot: pool\.s: shape \[2,3\] does not match 5 elements/);
  for (const [k, v] of Object.entries(pool)) assert.deepEqual(v.data, snapshot[k], `pool.${k} changed`);
});

test('shared (SharedArrayBuffer) inputs and outputs work and match ordinary ones', async () => {
  const shared = new Float32Array(new SharedArrayBuffer(8 * 4));
  shared.set([0.5, -1, 2, 0.25, -3, 1, 1, -0.5]);
  const plain = shared.slice();
  const p = t(Float32Array.from([1, 2, -1, 0.5, -2, 1, 0.5, 1, 0.25, -1, 1, 1]), [3, 4]);
  for (const backend of h.backendsFor('signProject')) {
    const a = h.signProject(t(shared, [2, 4]), p, { backend });
    const b = await h.signProjectAsync(t(plain, [2, 4]), p, { backend });
    assert.deepEqual(a.codes.data, b.codes.data, backend);
    assert.deepEqual(a.norms, b.norms, backend);
  }
});

const addon = loadNative().addon;
test('the addon itself re-checks every buffer and size (a caller bypassing the TypeScript layer)', { skip: !addon && 'no native addon' }, () => {
  const a = addon!;
  const dist = new Int32Array(4);
  const bytes = new Uint8Array(16);
  const hg = (p: Record<string, unknown>) => a.hammingGemm({ a: bytes, b: bytes, dist, M: 2, N: 2, bits: 64, strideA: 8, strideB: 8, ...p });
  assert.throws(() => hg({ bits: 128, strideA: 16, strideB: 16 }), /hammingGemm: a: needs 32 elements, has 16/);
  assert.throws(() => hg({ dist: new Int32Array(3) }), /hammingGemm: dist: needs 4 elements, has 3/);
  assert.throws(() => hg({ strideA: 12 }), /strides must be multiples of 8/);
  assert.throws(() => hg({ M: 1, N: 1, a: new Float32Array(4) }), /hammingGemm: a: expected a Uint8Array/);
  assert.throws(() => hg({ M: -1 }), /hammingGemm: M: expected an integer >= 1/);
  assert.throws(() => hg({ M: 2 ** 40, N: 2 ** 40 }), /size product overflows|needs/);
  assert.throws(() => hg({ M: 1.5 }), RangeError);
  assert.throws(() => hg({ M: '1' }), TypeError);
  assert.throws(() => hg({ M: undefined }), /hammingGemm: M: expected an integer/);
  assert.throws(() => a.hammingGemm(bytes, bytes, dist, 2, 2, 1, 8, 8), /hammingGemm: expected one plan object/);
  const u16 = (p: Record<string, unknown>) => a.hammingGemmU16({ a: bytes, b: bytes, dist: new Uint16Array(4), M: 2, N: 2, bits: 64, strideA: 8, strideB: 8, ...p });
  assert.throws(() => u16({ dist }), /hammingGemmU16: dist: expected a Uint16Array/);
  assert.throws(() => u16({ dist: new Uint16Array(3) }), /hammingGemmU16: dist: needs 4 elements, has 3/);
  const wide = new Uint8Array(8200);
  assert.throws(() => u16({ a: wide, b: wide, dist: new Uint16Array(1), M: 1, N: 1, bits: 65536, strideA: 8192, strideB: 8192 }), /at most 65535 bits/);
  const knn = (p: Record<string, unknown>) =>
    a.hammingKnn({ a: bytes, b: bytes, indices: new Int32Array(4), distances: new Int32Array(4), M: 2, N: 2, bits: 64, strideA: 8, strideB: 8, k: 2, maxDistance: 64, ...p });
  assert.throws(() => knn({ distances: new Int32Array(3) }), /hammingKnn: distances: needs 4 elements, has 3/);
  assert.throws(() => knn({ k: 0 }), /hammingKnn: k: expected an integer >= 1/);
  assert.throws(() => knn({ maxDistance: -1 }), /hammingKnn: maxDistance/);
  assert.throws(() => knn({ k: 2 ** 40 }), /overflows|needs|int32/);
  const sp = (p: Record<string, unknown>) => a.signProject({ x: new Float32Array(4), proj: new Float32Array(4), codes: new Uint8Array(1), M: 1, D: 4, K: 1, stride: 1, ...p });
  assert.throws(() => sp({ x: new Float32Array(3) }), /signProject: x: needs 4 elements, has 3/);
  assert.throws(() => sp({ K: 9, stride: 2 }), /signProject: proj: needs 36 elements/);
  assert.throws(() => sp({ stride: 0 }), /stride: expected an integer >= 1/);
  assert.throws(() => a.probe('nope', 0.01), /probe: name/);
  assert.throws(() => a.probe('clock', 1e9), /probe: seconds/);
});

// ---- state kernels: every kernel with slots, from a valid fuzz case made invalid in one way at a time
const stateSpecs = allSpecs().filter((s) => ['selective_state_update', 'causal_conv1d_update', 'rglru_step', 'retention_step', 'slstm_step', 'mlstm_step'].includes(s.kernel));

const clone = (inputs: Record<string, StoredTensor>): Record<string, StoredTensor> =>
  Object.fromEntries(Object.entries(inputs).map(([k, t]) => [k, { ...t, data: t.data.slice() as StoredTensor['data'] }]));

for (const spec of stateSpecs) {
  test(`${spec.kernel}: duplicate, out-of-range and mistyped slots are rejected and pools stay bit-identical`, async () => {
    const [valid] = fc.sample(spec.arbitrary().filter((c) => c.inputs.slots !== undefined && c.inputs.slots.data.length >= 2), { seed: 7, numRuns: 1 });
    const bad: [string, (s: Int32Array) => unknown, RegExp, typeof Error][] = [
      ['duplicate', (s) => { s[0] = 0; s[1] = 0; return s; }, /slots\[1\] = 0 appears twice/, RangeError],
      ['out of range', (s) => { s[0] = 1 << 30; return s; }, /slots\[0\] = 1073741824 is outside the pool/, RangeError],
      ['float32', (s) => Float32Array.from(s), /slots/, TypeError],
    ];
    for (const backend of h.backendsFor(spec.kernel.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()))) {
      for (const [what, mutate, message, type] of bad) {
        const inputs = clone(valid.inputs);
        inputs.slots = { ...inputs.slots, data: mutate(inputs.slots.data as Int32Array) as StoredTensor['data'] };
        const before = clone(inputs);
        await assert.rejects(Promise.resolve().then(() => goldenAdapters[spec.kernel].run(inputs, valid.params, backend)),
          (e: Error) => e instanceof type && message.test(e.message), `${backend}: ${what}`);
        for (const [k, t] of Object.entries(inputs)) assert.deepEqual(t.data, before[k].data, `${backend}: ${what}: ${k} changed`);
      }
    }
  });
}
