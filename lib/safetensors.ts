/**
 * safetensors reader and writer: a little-endian u64 header length, a JSON header
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {string: string}}`, then raw data.
 * Tensors come back as typed-array views (copied only when the source is misaligned).
 */
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
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

function fail(source: string, msg: string): never {
  throw new RangeError(`safetensors ${source}: ${msg}`);
}

/** Parses a safetensors buffer. `source` names it in error messages. */
export function parseSafetensors(buf: Uint8Array, source = '<buffer>'): SafetensorsFile {
  if (buf.byteLength < 8) fail(source, 'shorter than its 8-byte header length');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > buf.byteLength - 8) fail(source, `header length ${headerLen} exceeds the file`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(source, `header is not JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const tensors = new Map<string, StoredTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = entry as Record<string, string>;
      continue;
    }
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    const info = DTYPES[e.dtype as SafetensorsDType];
    if (!info) fail(source, `tensor ${name} has unsupported dtype ${e.dtype}`);
    const [begin, end] = e.data_offsets;
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * info.size || dataStart + end > buf.byteLength || begin < 0) {
      fail(source, `tensor ${name} has data_offsets [${begin}, ${end}] inconsistent with ${e.dtype}[${e.shape}]`);
    }
    const offset = buf.byteOffset + dataStart + begin;
    let data: StoredArray;
    if (offset % info.size === 0) {
      data = new info.ctor(buf.buffer as ArrayBuffer, offset, count);
    } else {
      const copy = new Uint8Array(end - begin);
      copy.set(buf.subarray(dataStart + begin, dataStart + end));
      data = new info.ctor(copy.buffer, 0, count);
    }
    tensors.set(name, { dtype: e.dtype as SafetensorsDType, shape: e.shape, data });
  }
  return { tensors, metadata };
}

export function readSafetensors(path: string): SafetensorsFile {
  return parseSafetensors(readFileSync(path), path);
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

/** Serialises tensors (typed-array tensors or StoredTensors) and string metadata. */
export function serializeSafetensors(
  input: Record<string, Tensor<AnyArray> | StoredTensor> | ReadonlyMap<string, Tensor<AnyArray> | StoredTensor>,
  metadata: Record<string, string> = {},
): Uint8Array {
  // readSafetensors returns a Map: accept it as it comes instead of writing a file with no tensors.
  const tensors: Record<string, Tensor<AnyArray> | StoredTensor> = input instanceof Map ? Object.fromEntries(input) : input as Record<string, Tensor<AnyArray> | StoredTensor>;
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const names = Object.keys(tensors).sort();
  for (const name of names) {
    const t = tensors[name];
    const dtype = 'dtype' in t ? t.dtype : dtypeOfArray(t.data);
    const bytes = t.data.byteLength;
    header[name] = { dtype, shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data section starts 8-byte aligned (views need no copy).
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let pos = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors[name].data;
    out.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), pos);
    pos += d.byteLength;
  }
  return out;
}

/** Writes atomically: a temporary file renamed over the target, so readers never see half a file. */
export function writeSafetensors(
  path: string,
  tensors: Record<string, Tensor<AnyArray> | StoredTensor> | ReadonlyMap<string, Tensor<AnyArray> | StoredTensor>,
  metadata: Record<string, string> = {},
): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, serializeSafetensors(tensors, metadata));
  renameSync(tmp, path);
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
