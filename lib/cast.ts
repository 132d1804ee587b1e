/**
 * Float tensor dtype casts (F32, F64, F16, BF16 in any direction), rounding to nearest-even, bit for bit
 * what torch's `.to(dtype)` gives — including its double rounding of float64 → half types, which torch
 * takes through float32 (scripts/torch-roundtrip-check.py checks this against PyTorch). Integer tensors
 * are not floats and are never cast.
 */
import { toFloat32, type StoredTensor } from './safetensors.js';

export const FLOAT_DTYPES = ['F32', 'F64', 'F16', 'BF16'] as const;
export type FloatDType = (typeof FLOAT_DTYPES)[number];
export const isFloatDType = (d: string): d is FloatDType => (FLOAT_DTYPES as readonly string[]).includes(d);

/** Rounds half to even (v is a finite non-negative double). */
function roundEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

/**
 * The bits of `x` in a binary format with `mant` fraction bits and exponent bias `bias` (exponent field
 * width `expBits`): F16 = (10, 5, 15), BF16 = (7, 8, 127). Overflow gives infinity, NaN a quiet NaN.
 */
function toSmallFloatBits(x: number, mant: number, expBits: number, bias: number): number {
  const signBit = 1 << (mant + expBits);
  const maxExpField = (1 << expBits) - 1;
  const sign = x < 0 || Object.is(x, -0) ? signBit : 0;
  if (Number.isNaN(x)) return (maxExpField << mant) | (1 << (mant - 1));
  const a = Math.abs(x);
  const minNormal = 2 ** (1 - bias);
  if (a < minNormal) return sign | roundEven(a / 2 ** (1 - bias - mant)); // subnormal (may round up to the smallest normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2 rounding near powers of two
  else if (2 ** (e + 1) <= a) e++;
  let m = roundEven(a / 2 ** (e - mant));
  if (m === 1 << (mant + 1)) (m >>= 1), e++;
  if (e + bias >= maxExpField) return sign | (maxExpField << mant); // infinity
  return sign | ((e + bias) << mant) | (m - (1 << mant));
}

/** Exact float64 values of a float tensor (every F16/BF16/F32 value is a double). */
function float64Values(t: StoredTensor): Float64Array {
  return t.data instanceof Float64Array ? t.data : Float64Array.from(toFloat32(t));
}

/** A float tensor converted to `to`; other tensors, and tensors already of that dtype, unchanged. */
export function castFloat(t: StoredTensor, to: FloatDType): StoredTensor {
  if (!isFloatDType(t.dtype) || t.dtype === to) return t;
  const src = float64Values(t);
  const shape = [...t.shape];
  if (to === 'F64') return { dtype: to, shape, data: src };
  if (to === 'F32') return { dtype: to, shape, data: Float32Array.from(src) };
  const bits = to === 'F16' ? [10, 5, 15] : [7, 8, 127];
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = toSmallFloatBits(Math.fround(src[i]), bits[0], bits[1], bits[2]);
  return { dtype: to, shape, data: out };
}
