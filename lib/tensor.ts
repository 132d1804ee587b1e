/** Dense row-major tensors over typed arrays: the one data type every kernel takes and returns. */

export type DType = 'float32' | 'int32' | 'uint8' | 'uint16';

export interface ArrayOf {
  float32: Float32Array;
  int32: Int32Array;
  uint8: Uint8Array;
  uint16: Uint16Array;
}

export type AnyArray = Float32Array | Int32Array | Uint8Array | Uint16Array;

/** A view of a typed array as a tensor. Kernels never copy `data`: they read and write it in place. */
export interface Tensor<T extends AnyArray = Float32Array> {
  readonly data: T;
  readonly shape: readonly number[];
}

export const ARRAY_TYPES = {
  float32: Float32Array,
  int32: Int32Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
} as const;

export function dtypeOf(data: AnyArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint16Array) return 'uint16';
  return 'uint8';
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Wraps an existing typed array (no copy). */
export function tensor<T extends AnyArray>(data: T, shape: readonly number[]): Tensor<T> {
  if (!ArrayBuffer.isView(data) || data instanceof DataView) {
    throw new TypeError(`tensor: data: expected a typed array, got ${data === null ? 'null' : Array.isArray(data) ? 'an Array' : typeof data}`);
  }
  if (!Array.isArray(shape)) {
    throw new TypeError(`tensor: shape: expected an array of dimensions such as [${data.length}], got ${shape === undefined ? 'undefined (the shape is required)' : typeof shape}`);
  }
  const bad = shape.findIndex((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad >= 0) throw new RangeError(`tensor: shape[${bad}]: expected a non-negative integer, got ${String(shape[bad])}`);
  if (numel(shape) !== data.length) {
    throw new RangeError(`tensor: data has ${data.length} elements, shape [${shape.join(', ')}] needs ${numel(shape)}`);
  }
  return { data, shape: [...shape] };
}

/** A fresh zero-filled tensor. */
export function zeros<D extends DType = 'float32'>(shape: readonly number[], dtype?: D): Tensor<ArrayOf[D]> {
  const Ctor = ARRAY_TYPES[dtype ?? 'float32'];
  return { data: new Ctor(numel(shape)) as ArrayOf[D], shape: [...shape] };
}

/** A fresh tensor filled with one value. */
export function full(shape: readonly number[], value: number): Tensor<Float32Array> {
  return { data: new Float32Array(numel(shape)).fill(value), shape: [...shape] };
}

/** Row `index` of the leading axis, as a view sharing memory with `t`. */
export function row<T extends AnyArray>(t: Tensor<T>, index: number): Tensor<T> {
  const inner = t.shape.slice(1);
  const n = numel(inner);
  return { data: t.data.subarray(index * n, (index + 1) * n) as T, shape: inner };
}
