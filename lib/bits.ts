/**
 * Packed bit codes (SPEC "Packed bit codes"): a row of `bits` bits stored LSB-first, bit j in bit
 * `j & 7` of byte `j >> 3`; padding bits past `bits` are zero. Rows sit `stride` bytes apart. Kernels
 * return rows padded to whole 64-bit words (`alignedStride`), which is the same layout read as
 * little-endian u64 words; `packBits` with its default stride gives the dense golden-file layout.
 */
import { checkArray, checkInt, MAX_ELEMENTS } from './validate.js';

export interface PackedBits {
  readonly data: Uint8Array;
  readonly rows: number;
  readonly bits: number;
  /** Bytes from one row to the next; >= ceil(bits / 8). */
  readonly stride: number;
}

export const denseStride = (bits: number): number => (bits + 7) >> 3;
export const alignedStride = (bits: number): number => ((bits + 63) >> 6) << 3;

export function packedBits(rows: number, bits: number, stride = alignedStride(bits)): PackedBits {
  return { data: new Uint8Array(rows * stride), rows, bits, stride };
}

/** Packs 0/1 (any nonzero = 1) values `[rows, bits]` into codes. */
export function packBits(values: ArrayLike<number | boolean>, rows: number, bits: number, stride = denseStride(bits)): PackedBits {
  checkInt('packBits: rows', rows, 1);
  checkInt('packBits: bits', bits, 1);
  checkInt('packBits: stride', stride, denseStride(bits));
  if (values.length !== rows * bits) {
    throw new RangeError(`packBits: values: expected ${rows} x ${bits} = ${rows * bits} values, got ${values.length}`);
  }
  if (rows * stride > MAX_ELEMENTS) throw new RangeError(`packBits: ${rows} rows of ${stride} bytes is too large`);
  const out = packedBits(rows, bits, stride);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < bits; j++) {
      if (values[r * bits + j]) out.data[r * stride + (j >> 3)] |= 1 << (j & 7);
    }
  }
  return out;
}

/** Unpacks codes into a Uint8Array of 0/1 values `[rows, bits]`. */
export function unpackBits(codes: PackedBits): Uint8Array {
  const c = checkPackedBits('unpackBits: codes', codes);
  const out = new Uint8Array(c.rows * c.bits);
  for (let r = 0; r < c.rows; r++) {
    for (let j = 0; j < c.bits; j++) out[r * c.bits + j] = (c.data[r * c.stride + (j >> 3)] >> (j & 7)) & 1;
  }
  return out;
}

/** Copies codes into another stride (e.g. aligned -> dense for files, dense -> aligned for kernels). */
export function restride(codes: PackedBits, stride: number): PackedBits {
  const c = checkPackedBits('restride: codes', codes);
  if (stride === c.stride) return c;
  checkInt('restride: stride', stride, denseStride(c.bits));
  const out = packedBits(c.rows, c.bits, stride);
  const n = denseStride(c.bits);
  for (let r = 0; r < c.rows; r++) out.data.set(c.data.subarray(r * c.stride, r * c.stride + n), r * stride);
  return out;
}

/**
 * Validates a PackedBits argument (name used in errors). Padding bits of an input must be zero; an
 * output (`asOutput`) may hold anything, since the kernel overwrites every byte.
 */
export function checkPackedBits(name: string, value: unknown, bits?: number, asOutput = false): PackedBits {
  if (typeof value !== 'object' || value === null || !('data' in value)) {
    throw new TypeError(`${name}: expected packed bits {data: Uint8Array, rows, bits, stride}`);
  }
  const v = value as PackedBits;
  checkArray(`${name}.data`, v.data, 'uint8');
  checkInt(`${name}.rows`, v.rows, 1);
  checkInt(`${name}.bits`, v.bits, 1);
  if (bits !== undefined && v.bits !== bits) throw new RangeError(`${name}: expected ${bits}-bit codes, got ${v.bits}-bit`);
  checkInt(`${name}.stride`, v.stride, denseStride(v.bits));
  if (v.rows * v.stride > MAX_ELEMENTS) throw new RangeError(`${name}: ${v.rows} rows of ${v.stride} bytes is too large`);
  if (v.data.length !== v.rows * v.stride) {
    throw new RangeError(`${name}: ${v.rows} rows x ${v.stride} bytes needs ${v.rows * v.stride} bytes, data has ${v.data.length}`);
  }
  if (!asOutput) checkPaddingZero(name, v);
  return v;
}

/** Hamming distances count every stored bit, so bits past `bits` must be zero. */
function checkPaddingZero(name: string, v: PackedBits): void {
  const full = v.bits >> 3;
  const tailMask = v.bits & 7 ? 0xff << (v.bits & 7) : 0;
  for (let r = 0; r < v.rows; r++) {
    const base = r * v.stride;
    if (tailMask && v.data[base + full] & tailMask) throw new RangeError(`${name}: row ${r} has nonzero padding bits past bit ${v.bits}`);
    for (let b = denseStride(v.bits); b < v.stride; b++) {
      if (v.data[base + b]) throw new RangeError(`${name}: row ${r} has nonzero padding bytes past bit ${v.bits}`);
    }
  }
}
