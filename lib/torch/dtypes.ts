/** The tensor element types PyTorch files hold, under their safetensors codes and torch's storage names. */
import type { SafetensorsDType, StoredArray } from '../safetensors.js';

export interface DTypeInfo {
  code: SafetensorsDType;
  /** torch's legacy storage class, the name `torch.save` pickles (`torch.FloatStorage`). */
  storage: string;
  size: number;
  ctor: { new (buffer: ArrayBuffer, byteOffset: number, length: number): StoredArray; new (length: number): StoredArray };
}

export const DTYPES: readonly DTypeInfo[] = [
  { code: 'F32', storage: 'FloatStorage', size: 4, ctor: Float32Array },
  { code: 'F64', storage: 'DoubleStorage', size: 8, ctor: Float64Array },
  { code: 'F16', storage: 'HalfStorage', size: 2, ctor: Uint16Array },
  { code: 'BF16', storage: 'BFloat16Storage', size: 2, ctor: Uint16Array },
  { code: 'I64', storage: 'LongStorage', size: 8, ctor: BigInt64Array },
  { code: 'I32', storage: 'IntStorage', size: 4, ctor: Int32Array },
  { code: 'I16', storage: 'ShortStorage', size: 2, ctor: Int16Array },
  { code: 'I8', storage: 'CharStorage', size: 1, ctor: Int8Array },
  { code: 'U8', storage: 'ByteStorage', size: 1, ctor: Uint8Array },
  { code: 'BOOL', storage: 'BoolStorage', size: 1, ctor: Uint8Array },
];

export const dtypeByCode = (code: string): DTypeInfo | undefined => DTYPES.find((d) => d.code === code);
export const dtypeByStorage = (name: string): DTypeInfo | undefined => DTYPES.find((d) => d.storage === name);

/** A typed array over `bytes` (little-endian): a view when aligned, else a copy. */
export function typedArrayOf(info: DTypeInfo, bytes: Uint8Array): StoredArray {
  const n = bytes.byteLength / info.size;
  if (bytes.byteOffset % info.size === 0) return new info.ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, n);
  return new info.ctor(new Uint8Array(bytes).buffer, 0, n);
}

/** Reverses the byte order of each `size`-byte element (big-endian files), in a copy. */
export function byteSwapped(bytes: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += size) for (let b = 0; b < size; b++) out[i + b] = bytes[i + size - 1 - b];
  return out;
}
