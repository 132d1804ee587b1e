/**
 * NumPy arrays and scalars inside pickles (CIFAR's python batches, numbers some checkpoints hold), rebuilt
 * from their pickled state without running NumPy: `_reconstruct(ndarray, (0,), b'b')` makes an empty
 * array that BUILD fills with `(version, shape, dtype, is_fortran, raw bytes)`; `dtype('u1', False, True)`
 * is BUILT with `(version, byteorder, …)`. Only plain numeric dtypes are accepted.
 */
import type { SafetensorsDType, StoredArray, StoredTensor } from '../safetensors.js';
import { byteSwapped, dtypeByCode, typedArrayOf, type DTypeInfo } from './dtypes.js';
import { describe, isTuple, Py2String, type PyBuildable, type PyCallable } from './pickle.js';

const NUMPY_CODES: Record<string, SafetensorsDType> = {
  f4: 'F32', f8: 'F64', f2: 'F16', i8: 'I64', i4: 'I32', i2: 'I16', i1: 'I8', u1: 'U8', b1: 'BOOL',
};

class NpDType implements PyBuildable {
  bigEndian = false;
  constructor(readonly info: DTypeInfo, readonly name: string) {}
  build(state: unknown): void {
    if (!isTuple(state) || state.length < 8) throw new RangeError(`numpy dtype state is a ${describe(state)}`);
    const [, raw, subarray, names] = state;
    const order = raw instanceof Py2String ? raw.toString() : raw;
    if (subarray !== null || names !== null) throw new RangeError(`structured numpy dtype '${this.name}' is not supported`);
    if (order !== '<' && order !== '>' && order !== '|' && order !== '=') throw new RangeError(`numpy byte order '${String(order)}'`);
    this.bigEndian = order === '>';
  }
}

/** A NumPy array; a StoredTensor once BUILD has given it its state (before that, empty like NumPy's). */
export class NdArray implements StoredTensor, PyBuildable {
  dtype: SafetensorsDType = 'U8';
  shape: number[] = [0];
  data: StoredArray = new Uint8Array(0);
  build(state: unknown): void {
    if (!isTuple(state)) throw new RangeError(`ndarray state is a ${describe(state)}`);
    const [shape, dtype, fortran, raw] = state.length === 5 ? state.slice(1) : state;
    if (!(dtype instanceof NpDType)) throw new RangeError(`ndarray dtype is a ${describe(dtype)}`);
    if (!isTuple(shape) || !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) throw new RangeError(`ndarray shape is a ${describe(shape)}`);
    const dims = shape as number[];
    const bytes = raw instanceof Py2String ? raw.bytes : raw instanceof Uint8Array ? raw : undefined;
    if (!bytes) throw new RangeError(`ndarray data is a ${describe(raw)} (object arrays are not supported)`);
    const numel = dims.reduce((a, b) => a * b, 1);
    if (bytes.byteLength !== numel * dtype.info.size) throw new RangeError(`ndarray ${dtype.name}[${dims}] needs ${numel * dtype.info.size} bytes, its data has ${bytes.byteLength}`);
    const ordered = dtype.bigEndian && dtype.info.size > 1 ? byteSwapped(bytes, dtype.info.size) : bytes;
    this.dtype = dtype.info.code;
    this.shape = [...dims];
    this.data = typedArrayOf(dtype.info, fortran === true ? fortranToC(ordered, dims, dtype.info.size) : ordered);
  }
}

/** Reorders a column-major array's bytes to row-major. */
function fortranToC(bytes: Uint8Array, shape: number[], size: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  const numel = bytes.length / size;
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  for (let k = 0; k < numel; k++) {
    // k walks C order; its Fortran offset puts the first index fastest.
    let f = 0;
    for (let d = rank - 1; d >= 0; d--) f = f * shape[d] + index[d];
    out.set(bytes.subarray(f * size, f * size + size), k * size);
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

function npDtype(args: readonly unknown[]): NpDType {
  const [spec] = args;
  const name = spec instanceof Py2String ? spec.toString() : spec;
  if (typeof name !== 'string') throw new RangeError(`numpy dtype of a ${describe(spec)}`);
  const code = NUMPY_CODES[name.replace(/^[<>|=]/, '')];
  const info = code && dtypeByCode(code);
  if (!info) throw new RangeError(`numpy dtype '${name}' is not supported (numeric and bool only)`);
  return new NpDType(info, name);
}

/** numpy scalar(dtype, bytes): a number (bigint beyond 2^53 for 64-bit ints; boolean for bool). */
function npScalar(args: readonly unknown[]): unknown {
  const [dtype, raw] = args;
  if (!(dtype instanceof NpDType)) throw new RangeError(`numpy scalar of a ${describe(dtype)}`);
  const bytes = raw instanceof Py2String ? raw.bytes : raw;
  if (!(bytes instanceof Uint8Array) || bytes.byteLength !== dtype.info.size) throw new RangeError(`numpy scalar '${dtype.name}' with ${describe(raw)}`);
  const ordered = dtype.bigEndian ? byteSwapped(bytes, dtype.info.size) : bytes;
  if (dtype.info.code === 'F16') throw new RangeError('half-precision numpy scalars are not supported');
  const v = typedArrayOf(dtype.info, ordered)[0];
  if (dtype.info.code === 'BOOL') return v !== 0;
  return typeof v === 'bigint' && v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

const NDARRAY: PyCallable = {
  qualname: 'numpy.ndarray',
  call() {
    throw new Error('numpy.ndarray is only accepted as _reconstruct\'s subtype');
  },
};

const RECONSTRUCT: PyCallable = {
  qualname: 'numpy.core.multiarray._reconstruct',
  call(args) {
    if (args[0] !== NDARRAY) throw new RangeError(`_reconstruct of ${describe(args[0])}, not numpy.ndarray`);
    return new NdArray();
  },
};

const NUMPY_GLOBALS: Record<string, PyCallable> = {
  'numpy.ndarray': NDARRAY,
  'numpy.dtype': { qualname: 'numpy.dtype', call: npDtype },
  'numpy.core.multiarray._reconstruct': RECONSTRUCT,
  'numpy._core.multiarray._reconstruct': RECONSTRUCT,
  'numpy.core.multiarray.scalar': { qualname: 'numpy.core.multiarray.scalar', call: npScalar },
  'numpy._core.multiarray.scalar': { qualname: 'numpy._core.multiarray.scalar', call: npScalar },
};

export function numpyGlobal(module: string, name: string): PyCallable | undefined {
  return NUMPY_GLOBALS[`${module}.${name}`];
}
