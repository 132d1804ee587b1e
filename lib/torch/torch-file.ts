/**
 * `torch.save` files, both formats, recognised by content:
 * - zip (torch ≥ 1.6): `<archive>/data.pkl` pickles the object with storages as persistent ids
 *   `('storage', torch.XStorage, key, location, numel)` whose bytes are the entry `<archive>/data/<key>`;
 *   `<archive>/byteorder` ('little' | 'big', absent = little) and `<archive>/version`.
 * - legacy: five pickles in a row — magic number, protocol version 1001, sys-info dict, the object
 *   (persistent ids `('storage', type, key, location, numel, view)`), the storage keys — then each
 *   storage's raw bytes in key order, preceded by its element count as a little-endian u64.
 *
 * Tensors come back as TorchTensor (storage + offset + sizes + strides); `materialize` turns one into a
 * contiguous StoredTensor, a view of the file where the layout allows it, counting every copy against a
 * budget proportional to the file so a hostile stride pattern cannot allocate without bound.
 */
import type { StoredTensor } from '../safetensors.js';
import { byteSwapped, dtypeByStorage, typedArrayOf, type DTypeInfo } from './dtypes.js';
import { bufferSource, type ByteSource } from '../byte-source.js';
import { describe, isTuple, pyTuple, unpickle, UnpicklingError, type PyCallable } from './pickle.js';
import { numpyGlobal } from './numpy.js';
import { looksLikeZip, readEntry, readZipDirectory } from './zip.js';

/** One storage of the file: its dtype and element count from the pickle, its bytes once located. */
export class TorchStorage {
  bytes?: Uint8Array;
  constructor(readonly key: string, readonly dtype: DTypeInfo, readonly numel: number) {}
}

export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {}
}

/** A pickled global that is only a marker (a storage class, a dtype, a module class), never called. */
class Marker implements PyCallable {
  constructor(readonly qualname: string, readonly dtype?: DTypeInfo) {}
  call(): never {
    throw new Error(`${this.qualname} is not callable here`);
  }
}

const fn = (qualname: string, call: (args: readonly unknown[]) => unknown): PyCallable => ({ qualname, call });

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

function nonNegInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new RangeError(`${what} must be a non-negative integer, got ${typeof v === 'number' ? v : describe(v)}`);
  return v;
}

function intTuple(v: unknown, what: string): number[] {
  if (!isTuple(v) && !Array.isArray(v)) throw new RangeError(`${what} must be a tuple, got ${describe(v)}`);
  if (v.length > 64) throw new RangeError(`${what} has ${v.length} dimensions (limit 64)`);
  return v.map((x, i) => nonNegInt(x, `${what}[${i}]`));
}

function rebuildTensor(args: readonly unknown[]): TorchTensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof TorchStorage)) throw new RangeError(`expected a storage, got ${describe(storage)}`);
  const shape = intTuple(size, 'size');
  const strides = intTuple(stride, 'stride');
  if (shape.length !== strides.length) throw new RangeError(`size has ${shape.length} dimensions but stride ${strides.length}`);
  const t = new TorchTensor(storage, nonNegInt(offset, 'storage offset'), shape, strides);
  checkBounds(t);
  return t;
}

/** The furthest element a view reaches must lie inside its storage. */
function checkBounds(t: TorchTensor): void {
  if (t.shape.some((d) => d === 0)) return;
  let last = t.offset;
  for (let i = 0; i < t.shape.length; i++) last += (t.shape[i] - 1) * t.stride[i];
  if (last >= t.storage.numel) {
    throw new RangeError(`view [${t.shape}] stride [${t.stride}] offset ${t.offset} reaches element ${last} of a ${t.storage.numel}-element storage`);
  }
}

/** The allow-list: containers, tensor rebuilders and storage classes. Everything else is refused. */
const TORCH_GLOBALS = new Map<string, PyCallable>();
{
  const add = (g: PyCallable) => TORCH_GLOBALS.set(g.qualname, g);
  add(fn('collections.OrderedDict', (args) => {
    if (args.length === 0) return new Map();
    const [items] = args;
    if (!Array.isArray(items)) throw new RangeError(`OrderedDict of a ${describe(items)}`);
    return new Map(items.map((kv) => {
      if (!isTuple(kv) || kv.length !== 2 || typeof kv[0] !== 'string') throw new RangeError(`OrderedDict item ${describe(kv)}`);
      return [kv[0], kv[1]];
    }));
  }));
  // _rebuild_tensor(storage, offset, size, stride) and _v2(…, requires_grad, backward_hooks[, metadata]).
  add(fn('torch._utils._rebuild_tensor', rebuildTensor));
  add(fn('torch._utils._rebuild_tensor_v2', rebuildTensor));
  // _rebuild_parameter(data, requires_grad, backward_hooks) and _with_state(…, state): the data is the tensor.
  const parameter = (args: readonly unknown[]) => {
    if (!(args[0] instanceof TorchTensor)) throw new RangeError(`a Parameter's data is a ${describe(args[0])}, not a tensor`);
    return args[0];
  };
  add(fn('torch._utils._rebuild_parameter', parameter));
  add(fn('torch._utils._rebuild_parameter_with_state', parameter));
  // Tensor subclasses (torch ≥ 1.12): _rebuild_from_type_v2(func, new_type, args, state) for plain Tensor/Parameter.
  add(fn('torch._tensor._rebuild_from_type_v2', (args) => {
    const [func, type, inner] = args;
    if (!(func instanceof Object) || !('call' in func) || !(type instanceof Marker) || !isTuple(inner)) throw new RangeError('malformed arguments');
    return (func as PyCallable).call(inner);
  }));
  add(new Marker('torch.Tensor'));
  add(new Marker('torch.nn.parameter.Parameter'));
  add(fn('torch.Size', (args) => pyTuple([...intTuple(args[0] ?? [], 'torch.Size')])));
  add(fn('builtins.set', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])));
  add(fn('builtins.frozenset', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])));
  // Protocol 2 pickles bytes as _codecs.encode(str, 'latin1').
  add(fn('_codecs.encode', (args) => {
    const [text, encoding] = args;
    if (typeof text !== 'string' || encoding !== 'latin1') throw new RangeError('only latin1-encoded text is accepted');
    return Uint8Array.from(text, (c) => c.charCodeAt(0));
  }));
  for (const d of ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'int16', 'int8', 'uint8', 'bool']) add(new Marker(`torch.${d}`));
}

/** The one allow-list of every pickle hashmac reads: torch's tensor globals, containers, NumPy arrays. */
export function allowedGlobal(module: string, name: string): PyCallable | undefined {
  const storage = module === 'torch' ? dtypeByStorage(name) : undefined;
  if (storage) return new Marker(`torch.${name}`, storage);
  return TORCH_GLOBALS.get(`${module}.${name}`) ?? numpyGlobal(module, name);
}

/** Resolves a persistent id to the file's storage under that key (one object per key: shared storages read once). */
function storageLoader(storages: Map<string, TorchStorage>, legacy: boolean) {
  return (pid: unknown): TorchStorage => {
    if (!isTuple(pid) || pid[0] !== 'storage' || pid.length !== (legacy ? 6 : 5)) throw new RangeError(`unexpected persistent id ${describe(pid)}`);
    const [, type, key, , numel, view] = pid;
    if (!(type instanceof Marker) || !type.dtype) throw new RangeError(`storage type is ${describe(type)}, not a known torch storage class`);
    if (typeof key !== 'string') throw new RangeError(`storage key is a ${describe(key)}`);
    if (legacy && view !== null) throw new RangeError('storage views of the pre-1.0 legacy format are not supported');
    const n = nonNegInt(numel, `storage '${key}' element count`);
    const seen = storages.get(key);
    if (seen) {
      if (seen.dtype !== type.dtype || seen.numel !== n) throw new RangeError(`storage '${key}' declared twice with different types or sizes`);
      return seen;
    }
    const s = new TorchStorage(key, type.dtype, n);
    storages.set(key, s);
    return s;
  };
}

export interface TorchFile {
  /** The unpickled object; tensors are TorchTensor. */
  object: unknown;
  /** Bytes of the file (the materialisation budget is proportional to it). */
  fileBytes: number;
}

/** True when the bytes start like a legacy torch file: a protocol-2 pickle of the magic number. */
export function looksLikeLegacyTorch(buf: Uint8Array): boolean {
  return buf.byteLength > 14 && buf[0] === 0x80 && buf[2] === 0x8a && buf[3] === 10 && buf[4] === 0x6c && buf[5] === 0xfc;
}

/** Parses a torch file from its bytes. Tensors stay views of `buf` where possible. */
export function parseTorchFile(buf: Uint8Array, source: string): TorchFile {
  return parseTorchSource(bufferSource(buf, source));
}

/**
 * Parses a torch file from a byte source: only the directory, the pickles and the storages are read,
 * each storage into an array of its own (for a file source), so no whole-file buffer is ever held.
 */
export function parseTorchSource(src: ByteSource): TorchFile {
  const head = src.read(0, Math.min(src.size, 16));
  if (looksLikeZip(head)) return parseZipFormat(src);
  if (looksLikeLegacyTorch(head)) return parseLegacyFormat(src);
  throw new RangeError(`${src.name}: not a PyTorch file (neither a zip archive nor a legacy torch pickle)`);
}

/**
 * The pickles of a torch file are read into one buffer (they hold the structure, not the tensor bytes):
 * larger ones are refused rather than allocated.
 */
export const MAX_PICKLE_BYTES = 1 << 30;

function parseZipFormat(src: ByteSource): TorchFile {
  const source = src.name;
  const entries = readZipDirectory(src);
  const pkl = [...entries.keys()].find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pkl) throw new RangeError(`${source}: zip archive without '<archive>/data.pkl': not a torch.save file`);
  const pklEntry = entries.get(pkl)!;
  if (pklEntry.size > MAX_PICKLE_BYTES) throw new RangeError(`${source}: ${pkl} is ${pklEntry.size} bytes; pickles over ${MAX_PICKLE_BYTES} bytes are refused`);
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const byteorderEntry = entries.get(`${prefix}byteorder`);
  if (byteorderEntry && byteorderEntry.size > 16) throw new RangeError(`${source}: byteorder record of ${byteorderEntry.size} bytes`);
  const order = byteorderEntry ? new TextDecoder().decode(readEntry(src, byteorderEntry)) : 'little';
  if (order !== 'little' && order !== 'big') throw new RangeError(`${source}: byteorder record is '${order}'`);
  const storages = new Map<string, TorchStorage>();
  const load = storageLoader(storages, false);
  const pickled = readEntry(src, pklEntry);
  const { value, end } = unpickle(pickled, {
    source: `${source} (${pkl})`,
    resolveGlobal: allowedGlobal,
    persistentLoad: (pid) => {
      const s = load(pid);
      if (s.bytes) return s;
      const entry = entries.get(`${prefix}data/${s.key}`);
      if (!entry) throw new RangeError(`storage '${s.key}' has no entry ${prefix}data/${s.key}`);
      if (entry.size !== s.numel * s.dtype.size) {
        throw new RangeError(`storage '${s.key}' declares ${s.numel} × ${s.dtype.size} bytes but its entry holds ${entry.size}`);
      }
      // Read when the pickle first names the storage, straight into the array that keeps it.
      const data = readEntry(src, entry);
      s.bytes = order === 'big' ? byteSwapped(data, s.dtype.size) : data;
      return s;
    },
  });
  if (end !== pickled.byteLength) throw new RangeError(`${source}: ${pkl} has bytes after its STOP`);
  return { object: value, fileBytes: src.size };
}

/** The legacy format's five pickles, parsed from `buf` (the start of the file); `end` is where the storages begin. */
function legacyPickles(buf: Uint8Array, source: string, storages: Map<string, TorchStorage>) {
  const header = (start: number, what: string) => unpickle(buf, { source: `${source} (legacy ${what})`, resolveGlobal: () => undefined }, start);
  const magic = header(0, 'magic number');
  if (magic.value !== LEGACY_MAGIC) throw new RangeError(`${source}: a pickle, but not a torch file (no torch magic number)`);
  const protocol = header(magic.end, 'protocol version');
  if (protocol.value !== LEGACY_PROTOCOL) throw new RangeError(`${source}: legacy torch protocol ${String(protocol.value)} (only ${LEGACY_PROTOCOL} is supported)`);
  const sysInfo = header(protocol.end, 'sys info');
  if (!(sysInfo.value instanceof Map)) throw new RangeError(`${source}: legacy sys info is a ${describe(sysInfo.value)}`);
  const littleEndian = sysInfo.value.get('little_endian') !== false;
  const object = unpickle(buf, { source: `${source} (legacy object)`, resolveGlobal: allowedGlobal, persistentLoad: storageLoader(storages, true) }, sysInfo.end);
  const keys = header(object.end, 'storage keys');
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) throw new RangeError(`${source}: legacy storage key list is a ${describe(keys.value)}`);
  return { object: object.value, littleEndian, keys: keys.value as string[], end: keys.end };
}

/**
 * The legacy format has no directory: its pickles come first, then the storages. The pickles are parsed
 * from a window of the file's start, widened (×4, up to MAX_PICKLE_BYTES) while they run past it; then
 * each storage is read at its position into an array of its own.
 */
function parseLegacyFormat(src: ByteSource): TorchFile {
  const source = src.name;
  let window = Math.min(src.size, 1 << 20);
  let parsed: ReturnType<typeof legacyPickles>;
  let storages: Map<string, TorchStorage>;
  for (;;) {
    storages = new Map();
    try {
      parsed = legacyPickles(src.read(0, window), source, storages);
      break;
    } catch (e) {
      if (!(e instanceof UnpicklingError && e.truncated) || window === src.size) throw e;
      if (window >= MAX_PICKLE_BYTES) throw new RangeError(`${source}: the legacy format's pickles run past the first ${MAX_PICKLE_BYTES} bytes; larger ones are refused`);
      window = Math.min(src.size, MAX_PICKLE_BYTES, window * 4);
    }
  }
  let at = parsed.end;
  for (const key of parsed.keys) {
    const s = storages.get(key);
    if (!s) throw new RangeError(`${source}: storage '${key}' is listed but no tensor uses it`);
    if (s.bytes) throw new RangeError(`${source}: storage '${key}' is listed twice`);
    if (at + 8 > src.size) throw new RangeError(`${source}: truncated before storage '${key}'`);
    const count = new DataView(src.read(at, 8).slice().buffer).getBigUint64(0, true);
    if (count !== BigInt(s.numel)) throw new RangeError(`${source}: storage '${key}' holds ${count} elements, its tensors declare ${s.numel}`);
    const bytes = s.numel * s.dtype.size;
    if (at + 8 + bytes > src.size) throw new RangeError(`${source}: storage '${key}' (${bytes} bytes) runs past the end of the file`);
    const data = src.read(at + 8, bytes);
    s.bytes = parsed.littleEndian ? data : byteSwapped(data, s.dtype.size);
    at += 8 + bytes;
  }
  for (const s of storages.values()) if (!s.bytes) throw new RangeError(`${source}: storage '${s.key}' is used but not in the file's key list`);
  if (at !== src.size) throw new RangeError(`${source}: ${src.size - at} bytes after the last storage`);
  return { object: parsed.object, fileBytes: src.size };
}

/** Bytes a file may make us allocate for contiguous copies of its tensors: proportional to its size. */
export const copyBudget = (fileBytes: number) => 4 * fileBytes + (16 << 20);

/**
 * A contiguous StoredTensor of `t`: a view of the storage when the tensor is contiguous, else a copy
 * (charged to `budget.left`, in bytes). `name` labels errors (the file and the tensor).
 */
export function materialize(t: TorchTensor, budget: { left: number }, name: string): StoredTensor {
  const { dtype, bytes } = t.storage;
  if (!bytes) throw new RangeError(`${name}: its storage '${t.storage.key}' was never read`);
  const numel = t.shape.reduce((a, b) => a * b, 1);
  const size = dtype.size;
  let contiguous = true;
  for (let i = t.shape.length - 1, expect = 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expect) contiguous = false;
    expect *= t.shape[i];
  }
  if (contiguous || numel === 0) {
    const slice = bytes.subarray(t.offset * size, (t.offset + numel) * size);
    if (slice.byteOffset % size !== 0) charge(budget, slice.byteLength, name);
    return { dtype: dtype.code, shape: [...t.shape], data: typedArrayOf(dtype, slice) };
  }
  charge(budget, numel * size, name);
  const out = new Uint8Array(numel * size);
  // Gather element by element in units of 1, 2 or 4 bytes (8-byte elements as two 4-byte words).
  const unit = Math.min(size, 4);
  const words = size / unit;
  const src = unitView(bytes, unit);
  const dst = unitView(out, unit);
  const rank = t.shape.length;
  const index = new Array<number>(rank).fill(0);
  let from = t.offset;
  for (let k = 0; k < numel; k++) {
    for (let w = 0; w < words; w++) dst[k * words + w] = src[from * words + w];
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      from += t.stride[d];
      if (index[d] < t.shape[d]) break;
      from -= t.stride[d] * t.shape[d];
      index[d] = 0;
    }
  }
  return { dtype: dtype.code, shape: [...t.shape], data: new dtype.ctor(out.buffer, 0, numel) };
}

function charge(budget: { left: number }, bytes: number, name: string) {
  budget.left -= bytes;
  if (budget.left < 0) throw new RangeError(`${name}: copies of strided views exceed ${copyBudget(0) >> 20} MiB + 4 × the file size`);
}

function unitView(bytes: Uint8Array, unit: number): Uint8Array | Uint16Array | Uint32Array {
  const aligned = bytes.byteOffset % unit === 0 ? bytes : new Uint8Array(bytes);
  if (unit === 1) return aligned;
  return unit === 2 ? new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 2) : new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 4);
}
