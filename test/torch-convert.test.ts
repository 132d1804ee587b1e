/**
 * The torch writer (round trip through the reader), float casts against torch's own results, and
 * `hashmac convert` / `-w` / `-p` with PyTorch files end to end.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { castFloat } from '../lib/cast.js';
import { readSafetensors, type StoredTensor } from '../lib/safetensors.js';
import { parseTensorFile, readTensorFile, serializeTorchFile } from '../lib/torch/index.js';
import { readZip } from '../lib/torch/zip.js';

const DIR = join(__dirname, 'fixtures', 'torch');
const DIGITS = join(__dirname, 'fixtures', 'digits');
const CLI = join(__dirname, '..', 'lib', 'cli.ts');
const run = (...args: string[]) => execFileSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8' });
const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8'));
const bytesOf = (t: StoredTensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);

function assertSameTensors(a: Map<string, StoredTensor>, b: Map<string, StoredTensor>) {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  for (const [name, t] of a) {
    const u = b.get(name)!;
    assert.equal(u.dtype, t.dtype, name);
    assert.deepEqual(u.shape, t.shape, name);
    assert.ok(bytesOf(u).equals(bytesOf(t)), name);
  }
}

test('torch writer: every dtype, 0-d and empty tensors round-trip; metadata makes a wrapper dict', () => {
  const ks = readTensorFile(join(DIR, 'kitchen-sink.pt'));
  const plain = serializeTorchFile(Object.fromEntries(ks.tensors));
  const back = parseTensorFile(plain, 'plain.pt');
  assertSameTensors(ks.tensors, back.tensors);
  assert.deepEqual(back.metadata, {});
  // Storages start on 64-byte boundaries, as torch lays them out (views, no copies, when read back).
  for (const [name, data] of readZip(plain, 'plain.pt').entries) if (name.includes('/data/')) assert.equal(data.byteOffset % 64, 0, name);
  const wrapped = parseTensorFile(serializeTorchFile(Object.fromEntries(ks.tensors), ks.metadata), 'wrapped.pt');
  assertSameTensors(ks.tensors, wrapped.tensors);
  assert.deepEqual(wrapped.metadata, ks.metadata);
  // Plain typed-array tensors take their dtype from the array.
  const t = parseTensorFile(serializeTorchFile({ a: { data: new Int32Array([1, -2]), shape: [2] } }), 't.pt');
  assert.equal(t.tensors.get('a')!.dtype, 'I32');
});

test('float casts: bit for bit what torch gives (ties, subnormals, overflow, float64 through float32)', () => {
  const c = expected.casts;
  const f32: StoredTensor = { dtype: 'F32', shape: [c.values.length], data: Float32Array.from(c.values) };
  const f64: StoredTensor = { dtype: 'F64', shape: [c.values.length], data: Float64Array.from(c.values) };
  const bits = (t: StoredTensor) => Array.from(new Int16Array(t.data.buffer, t.data.byteOffset, t.data.length));
  assert.deepEqual(bits(castFloat(f32, 'F16')), c.f32_to_f16);
  assert.deepEqual(bits(castFloat(f32, 'BF16')), c.f32_to_bf16);
  assert.deepEqual(bits(castFloat(f64, 'F16')), c.f64_to_f16);
  assert.deepEqual(bits(castFloat(f64, 'BF16')), c.f64_to_bf16);
  // Widening is exact; NaN stays NaN; integers are never cast.
  const half = castFloat(f32, 'F16');
  assert.deepEqual(Array.from(castFloat(castFloat(half, 'F64'), 'F16').data as Uint16Array), Array.from(half.data as Uint16Array));
  assert.ok(Number.isNaN(castFloat(castFloat({ dtype: 'F32', shape: [1], data: new Float32Array([NaN]) }, 'BF16'), 'F32').data[0] as number));
  const ints: StoredTensor = { dtype: 'I32', shape: [1], data: new Int32Array([7]) };
  assert.equal(castFloat(ints, 'F16'), ints);
});

test('hashmac convert: kitchen sink both ways, --dtype, refusals leave no file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-convert-'));
  try {
    const st = join(dir, 'ks.safetensors');
    const pt = join(dir, 'ks.pth');
    assert.match(run('convert', join(DIR, 'kitchen-sink-legacy.pt'), st), /17 tensors \(8 F32, 1 F16, 1 BF16, 1 F64, 1 I64, 1 I32, 1 I16, 1 I8, 1 U8, 1 BOOL\)/);
    run('convert', st, pt);
    const original = readTensorFile(join(DIR, 'kitchen-sink.pt'));
    assertSameTensors(original.tensors, readSafetensors(st).tensors);
    assertSameTensors(original.tensors, readTensorFile(pt).tensors);
    assert.deepEqual(readTensorFile(pt).metadata, original.metadata);
    const half = join(dir, 'half.pt');
    assert.match(run('convert', join(DIR, 'kitchen-sink.pt'), half, '--dtype', 'f16'), /11 F16/);
    const h = readTensorFile(half).tensors;
    assert.equal(h.get('f64')!.dtype, 'F16');
    assert.equal(h.get('i64.num_batches_tracked')!.dtype, 'I64');
    for (const [args, message] of [
      [[join(DIR, 'malicious.pt'), join(dir, 'm.safetensors')], /refused global 'posix\.system'/],
      [[join(DIR, 'kitchen-sink.pt'), join(dir, 'x.bin')], /cannot tell the output format of '.*x\.bin'/],
      [[join(DIR, 'tensorless.pt'), join(dir, 't.safetensors')], /no state_dict/],
    ] as const) {
      const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'convert', ...args], { encoding: 'utf8' });
      assert.equal(r.status, 2);
      assert.match(r.stderr, message);
      assert.ok(!existsSync(args[1]));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('-w / -p accept PyTorch files: the digits model scores the same from .pt as from safetensors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-pt-'));
  try {
    const weights = join(dir, 'resnet20-digits.pt');
    const projections = join(dir, 'hashed.th');
    run('convert', join(DIGITS, 'resnet20-digits.safetensors'), weights);
    run('convert', join(DIGITS, 'hashed-uniform-k256-t64.safetensors'), projections);
    const fromSt = JSON.parse(run('score', '--limit', '16', '--json'));
    const fromPt = JSON.parse(run('score', '--limit', '16', '--json', '-w', weights, '-p', projections));
    assert.equal(fromPt.hashedAccuracy, fromSt.hashedAccuracy);
    assert.equal(fromPt.denseAccuracy, fromSt.denseAccuracy);
    assert.deepEqual(fromPt.layers.map((l: { config: unknown }) => l.config), fromSt.layers.map((l: { config: unknown }) => l.config));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
