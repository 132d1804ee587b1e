/** Bad input to every public LSH function: the right error type, naming the argument, and no crash. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWeights, hammingGemm, hashLinear, packBits, packedBits, signProject, unpackBits, type BackendName } from '../lib/index.js';
import { HAS_NATIVE, randomFloats } from './helpers.js';

const t = (data: Float32Array, shape: number[]) => ({ data, shape });
const x = () => t(randomFloats(4 * 8, 1), [4, 8]);
const proj = () => t(randomFloats(16 * 8, 2), [16, 8]);
const codes = () => packedBits(3, 16);
const config = { inputTileSize: 4, outputTileSize: 2, hashLength: 16 };
const weight = () => t(randomFloats(6 * 8, 3), [6, 8]);
const lproj = () => t(randomFloats(2 * 3 * 16 * 4, 4), [2, 3, 16, 4]);

function detached(n: number): Float32Array {
  const a = new Float32Array(n);
  structuredClone(a.buffer, { transfer: [a.buffer] });
  return a;
}

type Case = [name: string, call: (backend: BackendName) => unknown, error: typeof TypeError | typeof RangeError, message: RegExp];

const cases: Case[] = [
  ['signProject x not a tensor', (b) => signProject(new Float32Array(4) as never, proj(), { backend: b }), TypeError, /signProject: x: expected a tensor/],
  ['signProject x float64', (b) => signProject({ data: new Float64Array(32), shape: [4, 8] } as never, proj(), { backend: b }), TypeError, /x: expected float32 data/],
  ['signProject x wrong length', (b) => signProject(t(new Float32Array(31), [4, 8]), proj(), { backend: b }), RangeError, /x: shape \[4, 8\] needs 32 elements, data has 31/],
  ['signProject D mismatch', (b) => signProject(x(), t(new Float32Array(16 * 7), [16, 7]), { backend: b }), RangeError, /signProject: proj: expected shape \[K, D\] = \[16, 8\], got \[16, 7\]/],
  ['signProject rank', (b) => signProject(t(new Float32Array(32), [32]), proj(), { backend: b }), RangeError, /x: expected shape \[M, D\] \(rank 2\)/],
  ['signProject zero size', (b) => signProject(t(new Float32Array(0), [0, 8]), proj(), { backend: b }), RangeError, /x: shape\[0\] must be an integer >= 1, got 0/],
  ['signProject NaN size', (b) => signProject(t(new Float32Array(32), [NaN, 8]), proj(), { backend: b }), RangeError, /x: shape\[0\] must be an integer >= 1, got NaN/],
  ['signProject huge size', (b) => signProject(t(new Float32Array(32), [2 ** 20, 2 ** 20]), proj(), { backend: b }), RangeError, /more than 2147483647/],
  ['signProject detached', (b) => signProject(t(detached(32), [4, 8]), proj(), { backend: b }), TypeError, /x: its ArrayBuffer is detached/],
  ['signProject out.codes rows', (b) => signProject(x(), proj(), { out: { codes: packedBits(3, 16) }, backend: b }), RangeError, /out.codes: expected 4 rows/],
  ['signProject out.codes bits', (b) => signProject(x(), proj(), { out: { codes: packedBits(4, 17) }, backend: b }), RangeError, /out.codes: expected 16-bit codes/],
  ['signProject out.norms length', (b) => signProject(x(), proj(), { out: { norms: new Float32Array(3) }, backend: b }), RangeError, /out.norms: expected 4 elements/],
  ['signProject out aliases x', (b) => { const xx = x(); return signProject(xx, proj(), { out: { norms: xx.data.subarray(0, 4) }, backend: b }); }, RangeError, /out.norms overlaps input x/],
  ['signProject options type', (b) => signProject(x(), proj(), 5 as never), TypeError, /signProject: options: expected an options object/],
  ['signProject unknown backend', () => signProject(x(), proj(), { backend: 'gpu' as never }), RangeError, /options.backend: expected one of js, native, cuda/],
  ['hammingGemm a not codes', (b) => hammingGemm(new Uint8Array(4) as never, codes(), { backend: b }), TypeError, /hammingGemm: a: expected packed bits/],
  ['hammingGemm bits mismatch', (b) => hammingGemm(packedBits(3, 15), codes(), { backend: b }), RangeError, /b: expected 15-bit codes like a, got 16-bit/],
  ['hammingGemm short data', (b) => hammingGemm({ data: new Uint8Array(5), rows: 3, bits: 16, stride: 2 }, codes(), { backend: b }), RangeError, /a: 3 rows x 2 bytes needs 6 bytes, data has 5/],
  ['hammingGemm stride too small', (b) => hammingGemm({ data: new Uint8Array(3), rows: 3, bits: 16, stride: 1 }, codes(), { backend: b }), RangeError, /a.stride: expected an integer in \[2,/],
  ['hammingGemm dirty padding', (b) => hammingGemm({ data: new Uint8Array([0, 0x80, 0, 0]), rows: 2, bits: 15, stride: 2 }, packedBits(1, 15), { backend: b }), RangeError, /a: row 0 has nonzero padding bits past bit 15/],
  ['hammingGemm out length', (b) => hammingGemm(codes(), codes(), { out: new Int32Array(8), backend: b }), RangeError, /options.out: expected \[M, N\] = \[3, 3\]/],
  ['hammingGemm out dtype', (b) => hammingGemm(codes(), codes(), { out: new Float32Array(9) as never, backend: b }), TypeError, /options.out: expected a Int32Array/],
  ['encodeWeights no config', (b) => encodeWeights(weight(), lproj(), undefined as never, { backend: b }), TypeError, /encodeWeights: config: expected an options object/],
  ['encodeWeights tile 0', (b) => encodeWeights(weight(), lproj(), { ...config, inputTileSize: 0 }, { backend: b }), RangeError, /config.inputTileSize: expected an integer in \[1,/],
  ['encodeWeights K NaN', (b) => encodeWeights(weight(), lproj(), { ...config, hashLength: NaN }, { backend: b }), RangeError, /config.hashLength: expected an integer/],
  ['encodeWeights estimator', (b) => encodeWeights(weight(), lproj(), { ...config, estimator: 'cosine' as never }, { backend: b }), RangeError, /config.estimator: expected one of 'angle', 'linear'/],
  ['encodeWeights eps Inf', (b) => encodeWeights(weight(), lproj(), { ...config, eps: Infinity }, { backend: b }), RangeError, /config.eps: expected a finite number/],
  ['encodeWeights proj tiles', (b) => encodeWeights(weight(), t(new Float32Array(2 * 2 * 16 * 4), [2, 2, 16, 4]), config, { backend: b }), RangeError, /proj: expected shape \[nI, nJ, 16, 4\] = \[2, 3, 16, 4\]/],
  ['hashLinear x width', (b) => hashLinear(t(new Float32Array(4 * 7), [4, 7]), encodeWeights(weight(), lproj(), config), { backend: b }), RangeError, /hashLinear: x: expected shape \[B, D\] = \[4, 8\], got \[4, 7\]/],
  ['hashLinear bias length', (b) => hashLinear(x(), encodeWeights(weight(), lproj(), config), { bias: new Float32Array(5), backend: b }), RangeError, /options.bias: shape \[5\]|options.bias: expected shape \[N\] = \[6\]/],
  ['hashLinear weights object', (b) => hashLinear(x(), {} as never, { backend: b }), TypeError, /hashLinear: weights: config.inputTileSize: expected an integer, got undefined/],
  ['hashLinear out length', (b) => hashLinear(x(), encodeWeights(weight(), lproj(), config), { out: new Float32Array(23), backend: b }), RangeError, /options.out: expected \[B, N\] = \[4, 6\]/],
];

for (const backend of HAS_NATIVE ? (['js', 'native'] as const) : (['js'] as const)) {
  for (const [name, call, error, message] of cases) {
    test(`${backend}: ${name}`, () => {
      assert.throws(() => call(backend), (e: unknown) => {
        assert.ok(e instanceof error, `expected ${error.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
        assert.match((e as Error).message, message);
        return true;
      });
    });
  }
}

test('packBits/unpackBits reject bad arguments', () => {
  assert.throws(() => packBits([1, 0, 1], 2, 2), /packBits: values: expected 2 x 2 = 4 values, got 3/);
  assert.throws(() => packBits([1, 0], 1, 2, 0), RangeError);
  assert.throws(() => unpackBits({ data: new Uint8Array(1), rows: 2, bits: 8, stride: 1 }), /unpackBits: codes: 2 rows x 1 bytes needs 2 bytes/);
});

test('the addon itself rejects short buffers instead of reading out of bounds', { skip: !HAS_NATIVE }, async () => {
  const { loadNative } = await import('../lib/native/addon.js');
  const addon = loadNative().addon!;
  const sp = (p: Record<string, unknown>) =>
    addon.signProject({ x: new Float32Array(16), proj: new Float32Array(16), codes: new Uint8Array(8), M: 4, D: 4, K: 4, stride: 1, ...p });
  assert.throws(() => sp({ x: new Float32Array(3) }), /signProject: x: needs 16 elements, has 3/);
  const hg = (p: Record<string, unknown>) => addon.hammingGemm({ a: new Uint8Array(8), b: new Uint8Array(8), dist: new Int32Array(1), M: 1, N: 1, bits: 64, strideA: 8, strideB: 8, ...p });
  assert.throws(() => hg({ bits: 128 }), /strideA/);
  assert.throws(() => hg({ a: new Float32Array(8) }), /hammingGemm: a: expected a Uint8Array/);
  assert.throws(() => sp({ M: 2 ** 40, D: 2 ** 40 }), /overflows|needs/);
});
