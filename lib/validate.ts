/**
 * Argument checking shared by every public function. Errors name the argument and the expected shape,
 * so a caller sees `x: expected float32 tensor [B, D] = [4, 64], got shape [4, 63]` rather than a crash.
 * Every check runs before any kernel touches memory, which is what keeps a rejected call from
 * half-updating a state pool.
 */
import { ARRAY_TYPES, type AnyArray, type ArrayOf, type DType, type Tensor } from './tensor.js';

/** Largest element count a kernel accepts (typed arrays and 32-bit-safe index math in every backend). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** A symbolic dimension (`'B'`), a fixed size, or an optional leading time axis marker. */
export type Dim = string | number;

function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an Array';
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

export function isDetached(a: AnyArray): boolean {
  const buf = a.buffer as ArrayBuffer & { detached?: boolean };
  if (typeof buf.detached === 'boolean') return buf.detached;
  if (buf.byteLength !== 0) return false;
  // Node 20 has no ArrayBuffer.prototype.detached: constructing a view is what fails on a detached buffer.
  try {
    new Uint8Array(buf, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * Why a typed array's memory cannot be handed to a kernel, if it cannot: a detached buffer has none, and
 * a resizable ArrayBuffer (or growable SharedArrayBuffer) can shrink under an async call still using it.
 */
export function bufferProblem(a: AnyArray): string | undefined {
  if (isDetached(a)) return 'its ArrayBuffer is detached';
  const buf = a.buffer as ArrayBufferLike & { resizable?: boolean; growable?: boolean };
  if (buf.resizable === true || buf.growable === true) {
    return 'its buffer is resizable (kernels need fixed-size memory: copy it into a plain ArrayBuffer)';
  }
  return undefined;
}

/** Checks a typed array of the given dtype; returns it typed. */
export function checkArray<D extends DType>(name: string, value: unknown, dtype: D): ArrayOf[D] {
  const Ctor = ARRAY_TYPES[dtype];
  if (!(value instanceof Ctor)) {
    throw new TypeError(`${name}: expected a ${Ctor.name} (${dtype}), got ${describeValue(value)}`);
  }
  const problem = bufferProblem(value as AnyArray);
  if (problem) throw new TypeError(`${name}: ${problem}`);
  return value as ArrayOf[D];
}

export function checkInt(name: string, value: unknown, min = 1, max = MAX_ELEMENTS): number {
  if (typeof value !== 'number') throw new TypeError(`${name}: expected an integer, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name}: expected an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

export function checkFinite(name: string, value: unknown, { positive = false } = {}): number {
  if (typeof value !== 'number') throw new TypeError(`${name}: expected a number, got ${describeValue(value)}`);
  if (!Number.isFinite(value) || (positive && !(value > 0))) {
    throw new RangeError(`${name}: expected a finite${positive ? ' positive' : ''} number, got ${value}`);
  }
  return value;
}

export function checkBool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${name}: expected a boolean, got ${describeValue(value)}`);
  return value;
}

export function checkEnum<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new RangeError(`${name}: expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${typeof value === 'string' ? `'${value}'` : describeValue(value)}`);
  }
  return value as T;
}

export function checkObject(name: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
    throw new TypeError(`${name}: expected an options object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/** A typed array passed where a tensor may be given, read as a rank-1 tensor; other values unchanged. */
export function asVector(value: unknown): unknown {
  return ArrayBuffer.isView(value) ? { data: value, shape: [(value as AnyArray).length] } : value;
}

/** A kernel's options argument: may be omitted (then `{}`), else must be a plain object. */
/**
 * An options object (or {} when omitted) whose keys are all in `known`: a misspelt option must not be
 * silently ignored, so every kernel rejects unknown keys the same way (argsObject in kernels/step-args.ts).
 */
export function checkOptions(fn: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  return value === undefined ? {} : checkKnownKeys(fn, checkObject(`${fn}: options`, value), known);
}

/** `o` itself, once every key it sets is in `known` (TypeError naming the first unknown one). */
export function checkKnownKeys(fn: string, o: Record<string, unknown>, known: readonly string[]): Record<string, unknown> {
  for (const k of Object.keys(o)) {
    if (o[k] !== undefined && !known.includes(k)) throw new TypeError(`${fn}: unknown argument '${k}' (expected ${known.join(', ')})`);
  }
  return o;
}

/**
 * Binds symbolic dimensions across the tensors of one call. The first tensor that mentions `B` fixes it;
 * every later mention must agree.
 */
export class Shapes {
  private readonly dims = new Map<string, number>();

  constructor(private readonly fn: string) {}

  /** Fixes a symbol to a known value (e.g. from an option). */
  bind(symbol: string, value: number): this {
    this.dims.set(symbol, value);
    return this;
  }

  dim(symbol: string): number {
    const v = this.dims.get(symbol);
    if (v === undefined) throw new Error(`${this.fn}: internal error, dimension ${symbol} never bound`);
    return v;
  }

  has(symbol: string): boolean {
    return this.dims.has(symbol);
  }

  private expected(spec: readonly Dim[]): string {
    const names = spec.map(String).join(', ');
    const known = spec.map((d) => (typeof d === 'number' ? d : this.dims.get(d) ?? '?'));
    return known.some((k) => k !== '?') ? `[${names}] = [${known.join(', ')}]` : `[${names}]`;
  }

  /** Rank of a tensor argument without binding anything (to pick between forms like [B,H] and [B,T,H]). */
  rank(name: string, value: unknown): number {
    return this.checkTensorObject(name, value).shape.length;
  }

  private checkTensorObject(name: string, value: unknown): { data: unknown; shape: readonly number[] } {
    if (typeof value !== 'object' || value === null || !('data' in value) || !('shape' in value)) {
      throw new TypeError(`${this.fn}: ${name}: expected a tensor {data, shape}, got ${describeValue(value)}`);
    }
    const t = value as { data: unknown; shape: unknown };
    if (!Array.isArray(t.shape)) throw new TypeError(`${this.fn}: ${name}.shape: expected an array of sizes`);
    return t as { data: unknown; shape: readonly number[] };
  }

  /** Checks dtype, rank, every dimension, the element count, and that the buffer is attached. */
  tensor<D extends DType>(name: string, value: unknown, dtype: D, spec: readonly Dim[]): Tensor<ArrayOf[D]> {
    const t = this.checkTensorObject(name, value);
    const where = `${this.fn}: ${name}`;
    const Ctor = ARRAY_TYPES[dtype];
    if (!(t.data instanceof Ctor)) {
      throw new TypeError(`${where}: expected ${dtype} data (${Ctor.name}) for shape ${this.expected(spec)}, got ${describeValue(t.data)}`);
    }
    const problem = bufferProblem(t.data as AnyArray);
    if (problem) throw new TypeError(`${where}: ${problem}`);
    const shape = t.shape;
    if (shape.length !== spec.length) {
      throw new RangeError(`${where}: expected shape ${this.expected(spec)} (rank ${spec.length}), got [${shape.join(', ')}]`);
    }
    let count = 1;
    for (let i = 0; i < spec.length; i++) {
      const got = shape[i];
      if (typeof got !== 'number' || !Number.isInteger(got) || got < 1 || got > MAX_ELEMENTS) {
        throw new RangeError(`${where}: shape[${i}] must be an integer >= 1, got ${String(got)} (expected ${this.expected(spec)})`);
      }
      const want = spec[i];
      const bound = typeof want === 'number' ? want : this.dims.get(want);
      if (bound !== undefined && bound !== got) {
        throw new RangeError(`${where}: expected shape ${this.expected(spec)}, got [${shape.join(', ')}]`);
      }
      if (typeof want === 'string' && bound === undefined) this.dims.set(want, got);
      count *= got;
    }
    if (count > MAX_ELEMENTS) {
      throw new RangeError(`${where}: shape [${shape.join(', ')}] has ${count} elements, more than ${MAX_ELEMENTS}`);
    }
    if ((t.data as AnyArray).length !== count) {
      throw new RangeError(`${where}: shape [${shape.join(', ')}] needs ${count} elements, data has ${(t.data as AnyArray).length}`);
    }
    return t as Tensor<ArrayOf[D]>;
  }

  /** Like `tensor`, for an argument that may be omitted (undefined). */
  optional<D extends DType>(name: string, value: unknown, dtype: D, spec: readonly Dim[]): Tensor<ArrayOf[D]> | undefined {
    return value === undefined ? undefined : this.tensor(name, value, dtype, spec);
  }
}

/** Output buffers may be caller-provided; they must not alias the inputs they are computed from. */
export function checkNoAlias(fn: string, outName: string, out: AnyArray, inputs: Record<string, AnyArray | undefined>): void {
  for (const [name, a] of Object.entries(inputs)) {
    if (a === undefined || a.buffer !== out.buffer) continue;
    const o0 = out.byteOffset, o1 = o0 + out.byteLength, a0 = a.byteOffset, a1 = a0 + a.byteLength;
    if (o0 < a1 && a0 < o1) throw new RangeError(`${fn}: ${outName} overlaps input ${name}`);
  }
}

/**
 * A float32 output of the given shape: the caller's buffer (checked for dtype and length; with `tensor`,
 * a tensor whose data receives the result, its shape not read) or a fresh one when omitted. With
 * `disjointFrom`, the buffer must not overlap any of those arrays.
 */
export function checkOutput(
  fn: string, name: string, value: unknown, shape: readonly number[],
  { tensor = false, disjointFrom }: { tensor?: boolean; disjointFrom?: Record<string, AnyArray | undefined> } = {},
): Tensor {
  const count = shape.reduce((p, d) => p * d, 1);
  if (value === undefined) return { data: new Float32Array(count), shape: [...shape] };
  const inTensor = tensor && !ArrayBuffer.isView(value);
  const data = checkArray(`${fn}: ${name}${inTensor ? '.data' : ''}`, inTensor ? checkObject(`${fn}: ${name}`, value).data : value, 'float32');
  if (data.length !== count) throw new RangeError(`${fn}: ${name}: expected [${shape.join(', ')}] (${count} elements), got ${data.length} elements`);
  if (disjointFrom) checkNoAlias(fn, name, data, disjointFrom);
  return { data, shape: [...shape] };
}

/**
 * Slots of a state kernel: int32 [B], each in [-1, poolSize) (negative = padding), no duplicates.
 * Without slots, row b uses pool row b.
 */
export function checkSlots(fn: string, value: unknown, batch: number, poolSize: number): Int32Array {
  if (value === undefined) {
    if (batch > poolSize) throw new RangeError(`${fn}: batch ${batch} exceeds the pool size ${poolSize}; pass slots`);
    const s = new Int32Array(batch);
    for (let i = 0; i < batch; i++) s[i] = i;
    return s;
  }
  const shapes = new Shapes(fn).bind('B', batch);
  const t = shapes.tensor('slots', asVector(value), 'int32', ['B']);
  const seen = new Set<number>();
  for (let i = 0; i < batch; i++) {
    const s = t.data[i];
    if (s < 0) continue;
    if (s >= poolSize) throw new RangeError(`${fn}: slots[${i}] = ${s} is outside the pool [0, ${poolSize})`);
    if (seen.has(s)) throw new RangeError(`${fn}: slots[${i}] = ${s} appears twice; each pool row may be named once per call`);
    seen.add(s);
  }
  return t.data;
}
