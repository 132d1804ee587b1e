/**
 * PyTorch files: every fixture read exactly (both torch.save formats, protocols 2–5, wrappers, the
 * DataParallel prefix, NumPy pickles), and hostile files refused with a message naming the problem.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, toFloat32, type StoredTensor } from '../lib/safetensors.js';
import { NdArray, parsePickle, parseTensorFile, Py2String, readPickle, readTensorFile } from '../lib/torch/index.js';
import { readZip, writeZip } from '../lib/torch/zip.js';
import { byteSwapped } from '../lib/torch/dtypes.js';
import { op, pickle, stateDictPickle, tensorOps, torchZip } from './torch-pickles.js';

const DIR = join(__dirname, 'fixtures', 'torch');
const fixture = (name: string) => join(DIR, name);
const expected = JSON.parse(readFileSync(fixture('expected.json'), 'utf8'));
const bytesOf = (t: StoredTensor) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
const sum = (t: StoredTensor) => Array.from(toFloat32(t)).reduce((a, b) => a + b, 0);

/** The fixture's expected file: every state_dict tensor contiguous; bf16 as float32 under NAME::bf16-as-f32. */
function assertKitchenSink(path: string) {
  const want = readSafetensors(fixture('kitchen-sink.expected.safetensors'));
  const got = readTensorFile(path);
  const names = [...want.tensors.keys()].map((n) => n.replace('::bf16-as-f32', '')).sort();
  assert.deepEqual([...got.tensors.keys()].sort(), names);
  for (const [name, w] of want.tensors) {
    const g = got.tensors.get(name.replace('::bf16-as-f32', ''))!;
    if (name.endsWith('::bf16-as-f32')) {
      assert.equal(g.dtype, 'BF16');
      assert.deepEqual(bytesOf({ ...g, data: toFloat32(g) }), bytesOf(w), name);
    } else {
      assert.equal(g.dtype, w.dtype, name);
      assert.deepEqual(bytesOf(g), bytesOf(w), name);
    }
    // 0-d tensors keep torch's shape []; the expected file stores them as [1].
    assert.deepEqual(g.shape.length === 0 ? [1] : g.shape, w.shape, name);
  }
  assert.deepEqual(got.tensors.get('scalar')!.shape, []);
  assert.deepEqual(got.metadata.epoch, '7');
  assert.deepEqual(got.metadata.arch, 'resnet20');
  assert.deepEqual(got.metadata.best_prec1, '91.5');
  assert.deepEqual(JSON.parse(got.metadata.history), [1, 2.5, null, true]);
  assert.deepEqual(JSON.parse(got.metadata.nested).tuple, [1, 'two', 3]);
}

test('torch reader: kitchen-sink zip and legacy files give exactly the expected tensors', () => {
  assertKitchenSink(fixture('kitchen-sink.pt'));
  assertKitchenSink(fixture('kitchen-sink-legacy.pt'));
});

test('torch reader: malicious.pt is refused, naming the global; nothing runs', () => {
  assert.throws(() => readTensorFile(fixture('malicious.pt')), /malicious\.pt.*refused global 'posix\.system'/);
});

function assertStateDict(got: ReturnType<typeof readTensorFile>, want: Record<string, { shape: number[]; sum: number }>) {
  assert.deepEqual([...got.tensors.keys()].sort(), Object.keys(want).sort());
  for (const [name, w] of Object.entries(want)) {
    const t = got.tensors.get(name)!;
    assert.deepEqual(t.shape, w.shape, name);
    assert.ok(Math.abs(sum(t) - w.sum) <= 1e-5 * (1 + Math.abs(w.sum)), `${name}: ${sum(t)} vs ${w.sum}`);
  }
}

test('torch reader: protocols 4 and 5, the legacy DataParallel prefix, wrapper dicts', () => {
  for (const f of ['proto4.pt', 'proto5.pt', 'dataparallel-legacy.pt', 'nested-wrapper.pt']) assertStateDict(readTensorFile(fixture(f)), expected.state_dict);
  const wrapped = readTensorFile(fixture('wrapped.pt'));
  assertStateDict(wrapped, expected.wrapped);
  assert.equal(wrapped.metadata.epoch, '3');
  assert.deepEqual(JSON.parse(wrapped.metadata.config), { hidden_size: 4, name: 'tiny' });
  assert.match(wrapped.metadata.optimizer_state_dict, /momentum_buffer":"<tensor F32 \[4, 3, 3, 3\]>/);
  assert.equal(readTensorFile(fixture('nested-wrapper.pt')).metadata.note, 'nested');
});

test('torch reader: ambiguous, tensor-less and bare-tensor files are refused with what they hold', () => {
  assert.throws(() => readTensorFile(fixture('ambiguous.pt')), /ambiguous\.pt: ambiguous checkpoint: tensors in more than one place \(state_dict, model\)/);
  assert.throws(() => readTensorFile(fixture('tensorless.pt')), /tensorless\.pt: no state_dict .* it holds \{ epoch: number; lr: number; arch: string \}/);
  assert.throws(() => readTensorFile(fixture('single-tensor.pt')), /single-tensor\.pt: no state_dict .* it holds tensor F32 \[6\]/);
});

test('torch reader: safetensors goes through the same entry point; unknown bytes are refused', () => {
  const st = readTensorFile(fixture('kitchen-sink.expected.safetensors'));
  assert.equal(st.tensors.get('i16')!.dtype, 'I16');
  assert.throws(() => parseTensorFile(new Uint8Array([1, 2, 3]), 'x.bin'), /x\.bin: neither safetensors nor a PyTorch file/);
  assert.throws(() => parseTensorFile(pickle(op.proto(), op.none(), op.stop()), 'plain.pkl'), /plain\.pkl: a Python pickle but not a torch\.save file/);
});

test('pickle reader: CIFAR-10 / CIFAR-100 python batches (Python 2 strs, numpy arrays)', () => {
  for (const [f, labelKey] of [['cifar10-batch.pkl', 'labels'], ['cifar100-batch.pkl', 'fine_labels']]) {
    const batch = readPickle(fixture(f)) as Map<string, unknown>;
    const data = batch.get('data') as NdArray;
    assert.ok(data instanceof NdArray);
    assert.equal(data.dtype, 'U8');
    assert.deepEqual(data.shape, [4, 3072]);
    assert.deepEqual(Array.from(data.data.subarray(0, 8) as Uint8Array), expected.cifar_first_row_head);
    assert.equal((data.data as Uint8Array).reduce((a, b) => a + b, 0), expected.cifar_data_sum);
    assert.equal((batch.get(labelKey) as number[]).length, 4);
    assert.equal(String(batch.get('batch_label') as Py2String), 'testing batch 1 of 1');
  }
  assert.deepEqual((readPickle(fixture('cifar100-batch.pkl')) as Map<string, unknown>).get('coarse_labels'), [10, 10, 0, 16]);
});

test('pickle reader: Fortran-ordered and big-endian numpy arrays, numpy scalars', () => {
  const v = readPickle(fixture('numpy-arrays.pkl')) as Map<string, unknown>;
  const fortran = v.get('fortran') as NdArray;
  assert.deepEqual(fortran.shape, [3, 4]);
  assert.deepEqual(Array.from(fortran.data as Float32Array), expected.numpy.fortran.flat());
  const big = v.get('big') as NdArray;
  assert.equal(big.dtype, 'I32');
  assert.deepEqual(Array.from(big.data as Int32Array), expected.numpy.big);
  assert.equal(v.get('f64'), 2.5);
  assert.equal(v.get('i64'), -7);
  assert.equal(v.get('flag'), true);
});

test('torch reader: a big-endian zip archive reads the same values', () => {
  const src = readFileSync(fixture('proto4.pt'));
  const { entries } = readZip(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), 'proto4.pt');
  const little = readTensorFile(fixture('proto4.pt'));
  const sizes = new Map([...little.tensors.values()].map((t) => [t.data.byteLength, t.data.BYTES_PER_ELEMENT]));
  const files = [...entries].map(([name, data]) => ({
    name: name.replace(/^[^/]+\//, 'archive/'),
    data: /\/data\/\d+$/.test(name) ? byteSwapped(data, sizes.get(data.byteLength) ?? 1) : data,
  }));
  files.push({ name: 'archive/byteorder', data: new TextEncoder().encode('big') });
  const big = parseTensorFile(writeZip(files), 'big.pt');
  for (const [name, t] of little.tensors) assert.deepEqual(bytesOf(big.tensors.get(name)!), bytesOf(t), name);
});

/** Hostile files: each must fail with a RangeError whose message matches, never crash or hang. */
const f32Storage = (n: number) => new Uint8Array(new Float32Array(n).fill(1.5).buffer);
const oneTensor = (numel: number, offset: number, size: number[], stride: number[], bytes = f32Storage(numel)) =>
  torchZip(stateDictPickle([['w', tensorOps('FloatStorage', '0', numel, offset, size, stride)]]), { 0: bytes });

test('torch reader: hostile pickles and archives are refused', () => {
  const good = oneTensor(6, 0, [2, 3], [3, 1]);
  assert.deepEqual(Array.from(parseTensorFile(good, 'good.pt').tensors.get('w')!.data as Float32Array), [1.5, 1.5, 1.5, 1.5, 1.5, 1.5]);
  const cases: [string, Uint8Array, RegExp][] = [
    ['forbidden builtins.eval', torchZip(pickle(op.proto(), op.global('builtins', 'eval'), op.mark(), op.str('1'), op.tuple(), op.reduce(), op.stop())), /refused global 'builtins\.eval'/],
    ['forbidden os.system via STACK_GLOBAL', torchZip(pickle(op.proto(4), op.str('os'), op.str('system'), [0x93], op.stop())), /refused global 'os\.system'/],
    ['forbidden torch.load', torchZip(pickle(op.proto(), op.global('torch', 'load'), op.stop())), /refused global 'torch\.load'/],
    ['unknown opcode', torchZip(pickle(op.proto(), [0xff], op.stop())), /unsupported opcode 0xff/],
    ['INST (protocol 0 object)', torchZip(pickle(op.proto(), [0x69], op.stop())), /unsupported opcode 0x69/],
    ['stack underflow', torchZip(pickle(op.proto(), op.setitem(), op.stop())), /stack underflow/],
    ['memo read before write', torchZip(pickle(op.proto(), op.get(7), op.stop())), /memo entry 7 read before/],
    ['huge BINUNICODE', torchZip(pickle(op.proto(), [0x58, 0xff, 0xff, 0xff, 0x7f], op.stop())), /truncated: 2147483647 bytes wanted/],
    ['huge BINBYTES8', torchZip(pickle(op.proto(4), [0x8e, 0, 0, 0, 0, 0, 0, 0, 0x40], op.stop())), /declared length \d+ exceeds the file/],
    ['huge LONG4', torchZip(pickle(op.proto(), [0x8b, 0, 0, 0, 0x10], op.stop())), /LONG4 of 268435456 bytes/],
    ['storage larger than its entry', oneTensor(1 << 30, 0, [2, 3], [3, 1], f32Storage(6)), /declares 1073741824 × 4 bytes but its entry holds 24/],
    ['view past its storage', oneTensor(6, 2, [2, 3], [3, 1]), /reaches element 7 of a 6-element storage/],
    ['missing storage entry', torchZip(stateDictPickle([['w', tensorOps('FloatStorage', '9', 6, 0, [6], [1])]])), /storage '9' has no entry archive\/data\/9/],
    ['unknown storage type', torchZip(stateDictPickle([['w', tensorOps('ComplexFloatStorage', '0', 1, 0, [1], [1])]]), { 0: new Uint8Array(8) }), /refused global 'torch\.ComplexFloatStorage'/],
    ['stride-0 view copied without bound', oneTensor(1, 0, [1 << 20, 1 << 20], [0, 0], f32Storage(1)), /copies of strided views exceed/],
    ['bytes after STOP', torchZip(pickle(op.proto(), op.none(), op.stop(), op.none())), /bytes after its STOP/],
    ['no data.pkl', writeZip([{ name: 'x/other', data: new Uint8Array(3) }]), /without '<archive>\/data\.pkl'/],
  ];
  // The same refusals from memory and from a file (read by positional reads, no whole-file buffer).
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-torch-hostile-'));
  try {
    const path = join(dir, 'hostile.pt');
    for (const [what, bytes, message] of cases) {
      const named = (e: Error) => e instanceof RangeError && /hostile\.pt/.test(e.message) && message.test(e.message);
      assert.throws(() => parseTensorFile(bytes, 'hostile.pt'), named, what);
      writeFileSync(path, bytes);
      assert.throws(() => readTensorFile(path), named, `${what} (file)`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `archive` with the 16-bit field at `offset` of the central record of entry `name` set to `value`. */
function patchCentral(archive: Uint8Array, name: string, offset: number, value: number): Uint8Array {
  const out = archive.slice();
  const v = new DataView(out.buffer);
  const enc = new TextEncoder().encode(name);
  for (let at = 0; at + 46 < out.length; at++) {
    if (v.getUint32(at, true) === 0x02014b50 && v.getUint16(at + 28, true) === enc.length && Buffer.from(out.subarray(at + 46, at + 46 + enc.length)).equals(enc)) {
      v.setUint16(at + offset, value, true);
      return out;
    }
  }
  throw new Error(`no central record for ${name}`);
}

test('torch reader: compressed and overlapping zip entries are refused by name', () => {
  const good = oneTensor(6, 0, [2, 3], [3, 1]);
  assert.throws(() => parseTensorFile(patchCentral(good, 'archive/data/0', 10, 8), 'deflated.pt'), /deflated\.pt: zip: entry 'archive\/data\/0' is compressed \(method 8\)/);
  // Two directory records naming the same bytes: reading each into its own array would multiply the file.
  const v = new DataView(good.buffer, good.byteOffset, good.byteLength);
  const locals: number[] = [];
  for (let at = 0; at + 46 < good.length; at++) if (v.getUint32(at, true) === 0x02014b50) locals.push(v.getUint32(at + 42, true));
  const twice = good.slice();
  let seen = 0;
  for (let at = 0; at + 46 < twice.length; at++) {
    if (v.getUint32(at, true) === 0x02014b50 && seen++ === 2) new DataView(twice.buffer).setUint32(at + 42, locals[1], true);
  }
  assert.throws(() => parseTensorFile(twice, 'overlap.pt'), /overlap\.pt: zip: entries .* overlap/);
});

/** A legacy-format file (torch < 1.6): magic, protocol, sys info, the object, the storage keys, the storages. */
function legacyFile(object: Uint8Array, storages: [string, Uint8Array, number][]): Uint8Array {
  const magic = pickle(op.proto(), [0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19], op.stop());
  const protocol = pickle(op.proto(), op.int(1001), op.stop());
  const sysInfo = pickle(op.proto(), op.emptyDict(), op.str('little_endian'), [0x88], op.setitem(), op.stop());
  const keys = pickle(op.proto(), op.emptyList(), ...storages.flatMap(([k]) => [op.str(k), op.append()]), op.stop());
  const data = storages.flatMap(([, bytes, numel]) => {
    const count = new Uint8Array(8);
    new DataView(count.buffer).setBigUint64(0, BigInt(numel), true);
    return [...count, ...bytes];
  });
  return Uint8Array.from([...magic, ...protocol, ...sysInfo, ...object, ...keys, ...data]);
}

test('torch reader: a legacy file whose pickles exceed the first read window loads from a file', () => {
  const meta = 'm'.repeat(3 << 20); // 3 MiB of pickle before the storages: the 1 MiB window widens twice
  const legacyTensor = [
    op.global('torch._utils', '_rebuild_tensor_v2'), op.mark(),
    op.mark(), op.str('storage'), op.global('torch', 'FloatStorage'), op.str('0'), op.str('cpu'), op.int(3), op.none(), op.tuple(), op.binpersid(),
    op.int(0), op.mark(), op.int(3), op.tuple(), op.mark(), op.int(1), op.tuple(), op.newfalse(), op.global('collections', 'OrderedDict'), op.emptyTuple(), op.reduce(),
    op.tuple(), op.reduce(),
  ];
  const object = pickle(op.proto(), op.emptyDict(), op.mark(), op.str('w'), ...legacyTensor, op.str('meta'), op.str(meta), op.setitems(), op.stop());
  const bytes = legacyFile(object, [['0', new Uint8Array(new Float32Array([1, -2, 0.5]).buffer), 3]]);
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-torch-legacy-'));
  try {
    const path = join(dir, 'legacy.th');
    writeFileSync(path, bytes);
    const file = readTensorFile(path);
    assert.deepEqual(Array.from(file.tensors.get('w')!.data as Float32Array), [1, -2, 0.5]);
    assert.equal(file.metadata.meta, meta);
    writeFileSync(path, bytes.subarray(0, 2 << 20)); // cut inside the long string
    assert.throws(() => readTensorFile(path), /legacy\.th \(legacy object\): pickle: truncated/);
    writeFileSync(path, bytes.subarray(0, bytes.length - 1)); // cut inside the last storage
    assert.throws(() => readTensorFile(path), /legacy\.th: storage '0' \(12 bytes\) runs past the end of the file/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('torch reader: every truncation and a flipped byte of a real file fail cleanly', () => {
  for (const f of ['kitchen-sink.pt', 'kitchen-sink-legacy.pt']) {
    const whole = new Uint8Array(readFileSync(fixture(f)));
    for (let n = 0; n < whole.length; n += 7) assert.throws(() => parseTensorFile(whole.subarray(0, n), f), RangeError, `${f} cut at ${n}`);
  }
  const zip = new Uint8Array(readFileSync(fixture('kitchen-sink.pt')));
  zip[200] ^= 0x55; // inside data.pkl: the CRC catches it
  assert.throws(() => parseTensorFile(zip, 'flipped.pt'), /flipped\.pt: zip: entry 'kitchen-sink\/data\.pkl' fails its CRC-32 check/);
});

test('torch reader: deep nesting, self-reference and shared-reference blow-up are bounded', () => {
  const n = 10_000;
  const nested = pickle(op.proto(), op.emptyDict(), op.str('meta'), Array(n).fill(op.emptyList()).flat(), Array(n - 1).fill(op.append()).flat(), op.setitem(),
    op.str('w'), ...tensorOps('FloatStorage', '0', 1, 0, [1], [1]), op.setitem(), op.stop());
  assert.throws(() => parseTensorFile(torchZip(nested, { 0: f32Storage(1) }), 'deep.pt'), /deep\.pt: a value is nested deeper than 64 levels/);
  // l = []; l.append(l)
  const cyclic = pickle(op.proto(), op.emptyDict(), op.str('meta'), op.emptyList(), op.put(1), op.get(1), op.append(), op.setitem(),
    op.str('w'), ...tensorOps('FloatStorage', '0', 1, 0, [1], [1]), op.setitem(), op.stop());
  assert.throws(() => parseTensorFile(torchZip(cyclic, { 0: f32Storage(1) }), 'cyclic.pt'), /nested deeper than 64 levels \(or refers to itself\)/);
  // 40 levels of [x, x]: 2^40 values if expanded.
  const levels: number[][] = [op.emptyList(), op.put(0)];
  for (let i = 1; i <= 40; i++) levels.push([0x30], op.emptyList(), op.get(i - 1), op.append(), op.get(i - 1), op.append(), op.put(i));
  const blowup = pickle(op.proto(), op.emptyDict(), op.str('meta'), ...levels, op.setitem(), op.str('w'), ...tensorOps('FloatStorage', '0', 1, 0, [1], [1]), op.setitem(), op.stop());
  assert.throws(() => parseTensorFile(torchZip(blowup, { 0: f32Storage(1) }), 'blowup.pt'), /expand to more values than the file could hold/);
});

test('pickle reader: numpy object arrays and structured dtypes are refused', () => {
  assert.throws(() => parsePickle(pickle(op.proto(), op.global('numpy', 'dtype'), op.mark(), op.str('O8'), op.tuple(), op.reduce(), op.stop()), 'obj.pkl'), /obj\.pkl: pickle: numpy\.dtype: numpy dtype 'O8' is not supported/);
});
