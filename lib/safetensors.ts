/**
 * safetensors reader and writer: a little-endian u64 header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}`, then raw data.
 * The format's rules are checked in safetensors-header.ts. Parsed buffers give typed-array views (copied
 * only when misaligned); files are read tensor by tensor with positional reads.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { readFullyAt } from './byte-source.js';
import { atomicWrite, writeAll } from './atomic-file.js';
import { buildHeader, DTYPE_SIZES, headerLength, parseHeader, SafetensorsError, type HeaderEntry } from './safetensors-header.js';
import type { AnyArray, Tensor } from './tensor.js';

const DTYPES = {
  F32: { ctor: Float32Array, size: 4 },
  F64: { ctor: Float64Array, size: 8 },
  I32: { ctor: Int32Array, size: 4 },
  I64: { ctor: BigInt64Array, size: 8 },
  U8: { ctor: Uint8Array, size: 1 },
  I8: { ctor: Int8Array, size: 1 },
  I16: { ctor: Int16Array, size: 2 },
  BOOL: { ctor: Uint8Array, size: 1 },
  F16: { ctor: Uint16Array, size: 2 },
  BF16: { ctor: Uint16Array, size: 2 },
} as const;

export { SafetensorsError, type HeaderEntry };
export type SafetensorsDType = keyof typeof DTYPES;
export type StoredArray = AnyArray | Float64Array | BigInt64Array | Int8Array | Int16Array | Uint16Array;

export interface StoredTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: StoredArray;
}

export interface SafetensorsFile {
  tensors: Map<string, StoredTensor>;
  metadata: Record<string, string>;
}

/** An array of `count` elements of a supported dtype, viewing `bytes` when aligned, else a copy. */
function arrayOf(source: string, e: HeaderEntry, bytes: Uint8Array): StoredArray {
  const info = supported(source, e);
  const count = (e.end - e.begin) / info.size;
  if (bytes.byteOffset % info.size === 0) return new info.ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  return new info.ctor(bytes.slice().buffer, 0, count);
}

function supported(source: string, e: HeaderEntry) {
  if (!Object.prototype.hasOwnProperty.call(DTYPES, e.dtype)) throw new SafetensorsError(source, `tensor ${JSON.stringify(e.name)}: dtype ${e.dtype} is not supported by this reader (${Object.keys(DTYPES).join(', ')})`);
  return DTYPES[e.dtype as SafetensorsDType];
}

function toFile(entries: HeaderEntry[], metadata: Record<string, string>, data: (e: HeaderEntry) => StoredArray): SafetensorsFile {
  const tensors = new Map<string, StoredTensor>();
  for (const e of entries) tensors.set(e.name, { dtype: e.dtype as SafetensorsDType, shape: e.shape, data: data(e) });
  return { tensors, metadata };
}

/** Parses a safetensors buffer (every format rule checked, see safetensors-header.ts). `source` names it in errors. */
export function parseSafetensors(buf: Uint8Array, source = '<buffer>'): SafetensorsFile {
  const n = headerLength(buf, buf.byteLength, source);
  const h = parseHeader(buf.subarray(8, 8 + n), buf.byteLength - 8 - n, source);
  for (const e of h.entries) supported(source, e);
  return toFile(h.entries, h.metadata, (e) => arrayOf(source, e, buf.subarray(h.dataStart + e.begin, h.dataStart + e.end)));
}

/**
 * An open safetensors file whose header has been checked; tensor data is read on demand with
 * positional reads, so files larger than one buffer (or than memory) can be read tensor by tensor.
 */
export class SafetensorsReader {
  readonly entries: HeaderEntry[];
  readonly metadata: Record<string, string>;
  private readonly dataStart: number;
  private fd: number | undefined;

  constructor(readonly path: string) {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const first = new Uint8Array(8);
      readFully(fd, first, 0, path);
      const n = headerLength(first, size, path);
      const headerBytes = new Uint8Array(n);
      readFully(fd, headerBytes, 8, path);
      const h = parseHeader(headerBytes, size - 8 - n, path);
      this.entries = h.entries;
      this.metadata = h.metadata;
      this.dataStart = h.dataStart;
      this.fd = fd;
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  entry(name: string): HeaderEntry | undefined {
    return this.entries.find((e) => e.name === name);
  }

  /** Reads the first `target.byteLength` bytes of a tensor's data into `target` (no other buffer). */
  readInto(e: HeaderEntry, target: Uint8Array): void {
    if (this.fd === undefined) throw new Error(`safetensors ${this.path}: reader is closed`);
    if (target.byteLength > e.end - e.begin) throw new RangeError(`safetensors ${this.path}: tensor ${e.name}: ${target.byteLength} bytes asked, it has ${e.end - e.begin}`);
    readFully(this.fd, target, this.dataStart + e.begin, this.path);
  }

  /** One tensor, in a new array of its own. */
  read(e: HeaderEntry): StoredArray {
    const info = supported(this.path, e);
    const data = new info.ctor((e.end - e.begin) / info.size);
    this.readInto(e, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return data;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Fills `target` from `position`; a short file is an error. */
function readFully(fd: number, target: Uint8Array, position: number, path: string): void {
  const n = readFullyAt(fd, target, position);
  if (n < target.byteLength) throw new SafetensorsError(path, `file ended at byte ${position + n} (truncated while reading?)`);
}

/** Reads a safetensors file tensor by tensor (no whole-file buffer, so files over 2 GiB work). */
export function readSafetensors(path: string): SafetensorsFile {
  const r = new SafetensorsReader(path);
  try {
    for (const e of r.entries) supported(path, e);
    return toFile(r.entries, r.metadata, (e) => r.read(e));
  } finally {
    r.close();
  }
}

function dtypeOfArray(a: StoredArray): SafetensorsDType {
  if (a instanceof Float32Array) return 'F32';
  if (a instanceof Float64Array) return 'F64';
  if (a instanceof Int32Array) return 'I32';
  if (a instanceof BigInt64Array) return 'I64';
  if (a instanceof Int8Array) return 'I8';
  if (a instanceof Int16Array) return 'I16';
  if (a instanceof Uint16Array) throw new TypeError('safetensors: a Uint16Array is ambiguous (F16 or BF16); pass a StoredTensor');
  return 'U8';
}

type Tensors = Record<string, Tensor<AnyArray> | StoredTensor> | ReadonlyMap<string, Tensor<AnyArray> | StoredTensor>;

/** The tensors in file order (by name), each checked so that the file written is one we would read back. */
function layout(input: Tensors, what: string) {
  // readSafetensors returns a Map: accept it as it comes instead of writing a file with no tensors.
  const tensors: Record<string, Tensor<AnyArray> | StoredTensor> = input instanceof Map ? Object.fromEntries(input) : input as Record<string, Tensor<AnyArray> | StoredTensor>;
  return Object.keys(tensors).sort().map((name) => {
    const t = tensors[name];
    if (name === '' || name === '__metadata__') throw new RangeError(`${what}: tensor name ${JSON.stringify(name)} is reserved`);
    const dtype = 'dtype' in t ? t.dtype : dtypeOfArray(t.data);
    const size = DTYPE_SIZES[dtype];
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (!t.shape.every((d) => Number.isSafeInteger(d) && d >= 0) || count * size !== t.data.byteLength) {
      throw new RangeError(`${what}: tensor ${name}: shape [${t.shape}] of ${dtype} does not match its ${t.data.byteLength} bytes`);
    }
    const d = t.data;
    return { name, dtype, shape: t.shape, bytes: d.byteLength, view: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) };
  });
}

function checkMetadata(metadata: Record<string, string>, what: string): void {
  for (const [k, v] of Object.entries(metadata)) if (typeof v !== 'string') throw new TypeError(`${what}: metadata ${k} must be a string`);
}

/** Serialises tensors (typed-array tensors or StoredTensors) and string metadata into one buffer. */
export function serializeSafetensors(tensors: Tensors, metadata: Record<string, string> = {}): Uint8Array {
  checkMetadata(metadata, 'serializeSafetensors');
  const items = layout(tensors, 'serializeSafetensors');
  const { header, dataBytes } = buildHeader(items, metadata);
  const out = new Uint8Array(header.length + dataBytes);
  out.set(header, 0);
  let pos = header.length;
  for (const t of items) {
    out.set(t.view, pos);
    pos += t.bytes;
  }
  return out;
}

/**
 * Writes atomically (temporary file, fsync, rename, directory fsync: see atomic-file.ts), streaming each
 * tensor from its own array, so the extra memory is the header whatever the file size.
 */
export function writeSafetensors(path: string, tensors: Tensors, metadata: Record<string, string> = {}): void {
  checkMetadata(metadata, `writeSafetensors ${path}`);
  const items = layout(tensors, `writeSafetensors ${path}`);
  const { header } = buildHeader(items, metadata);
  atomicWrite(path, (fd) => {
    writeAll(fd, header);
    for (const t of items) writeAll(fd, t.view);
  });
}

/** Reads one tensor as float32 (converting F64 and integer types), for weights stored in any float format. */
export function toFloat32(t: StoredTensor): Float32Array {
  if (t.data instanceof Float32Array) return t.data;
  if (t.dtype === 'F16' || t.dtype === 'BF16') {
    const src = t.data as Uint16Array;
    const out = new Float32Array(src.length);
    const u32 = new Uint32Array(out.buffer);
    for (let i = 0; i < src.length; i++) u32[i] = t.dtype === 'BF16' ? src[i] << 16 : halfToFloatBits(src[i]);
    return out;
  }
  if (t.data instanceof BigInt64Array) return Float32Array.from(t.data, (v) => Number(v));
  return Float32Array.from(t.data as ArrayLike<number>);
}

function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) {
    if (mant === 0) return sign;
    const f = new Float32Array([mant * 2 ** -24]);
    return (sign | new Uint32Array(f.buffer)[0]) >>> 0;
  }
  if (exp === 31) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  return (sign | ((exp - 15 + 127) << 23) | (mant << 13)) >>> 0;
}
