/**
 * State pools: named tensors whose leading axis is the slot (one row per stream). Kernels update them
 * in place; these helpers create fresh pools and save or restore one slot (e.g. per symbol).
 */
import { numel, type Tensor } from './tensor.js';
import { checkInt } from './validate.js';

export type PoolArray = Float32Array | Int32Array;

/** A pool: every tensor has the same leading (slot) axis; float32, or int32 for counters (positions). */
export type StatePool = Record<string, Tensor<PoolArray>>;

/** Per-tensor layout of a pool: the shape of one slot, its fresh value (default 0) and dtype. */
export type PoolSpec = Record<string, { shape: readonly number[]; fill?: number; dtype?: 'float32' | 'int32' }>;

export function createPool(spec: PoolSpec, slots: number): Record<string, Tensor<any>> {
  checkInt('createPool: slots', slots, 1);
  const pool: StatePool = {};
  for (const [name, s] of Object.entries(spec)) {
    for (const d of s.shape) checkInt(`createPool: ${name} shape`, d, 1);
    const n = slots * numel(s.shape);
    const data = s.dtype === 'int32' ? new Int32Array(n) : new Float32Array(n);
    if (s.fill) data.fill(s.fill);
    pool[name] = { data, shape: [slots, ...s.shape] };
  }
  return pool;
}

/** The slot count shared by every tensor of the pool. */
function poolSize(fn: string, pool: object): number {
  let S: number | undefined;
  for (const [name, t] of Object.entries(pool) as [string, Tensor<PoolArray>][]) {
    if (!(t?.data instanceof Float32Array || t?.data instanceof Int32Array) || !Array.isArray(t.shape) || t.shape.length < 1) {
      throw new TypeError(`${fn}: pool.${name}: expected a float32 or int32 tensor [slots, ...]`);
    }
    if (numel(t.shape) !== t.data.length) throw new RangeError(`${fn}: pool.${name}: shape [${t.shape}] does not match ${t.data.length} elements`);
    if (S !== undefined && t.shape[0] !== S) throw new RangeError(`${fn}: pool.${name}: has ${t.shape[0]} slots, expected ${S}`);
    S = t.shape[0];
  }
  if (S === undefined) throw new RangeError(`${fn}: pool: has no tensors`);
  return S;
}

/** Copies of one slot's tensors (shape without the slot axis). */
export function readSlot<P extends object>(pool: P, slot: number): { [K in keyof P]: PoolArray } {
  const S = poolSize('readSlot', pool);
  checkInt('readSlot: slot', slot, 0, S - 1);
  const out: Record<string, PoolArray> = {};
  for (const [name, t] of entries(pool)) {
    const n = t.data.length / S;
    out[name] = t.data.slice(slot * n, (slot + 1) * n);
  }
  return out as { [K in keyof P]: PoolArray };
}

const entries = (pool: object) => Object.entries(pool) as [string, Tensor<PoolArray>][];

/** Writes one slot from saved values (all tensors are checked before any is written). */
export function writeSlot<P extends object>(pool: P, slot: number, values: { [K in keyof P]: PoolArray }): void {
  const S = poolSize('writeSlot', pool);
  checkInt('writeSlot: slot', slot, 0, S - 1);
  const vals = values as Record<string, PoolArray>;
  for (const [name, t] of entries(pool)) {
    const v = vals[name];
    const n = t.data.length / S;
    if (!(v instanceof t.data.constructor) || v.length !== n) {
      throw new RangeError(`writeSlot: values.${name}: expected a ${t.data.constructor.name} of ${n} elements (shape [${t.shape.slice(1)}])`);
    }
  }
  for (const [name, t] of entries(pool)) t.data.set(vals[name], slot * (t.data.length / S));
}

/** Resets one slot to the pool's fresh values. */
export function resetSlot(pool: object, spec: PoolSpec, slot: number): void {
  const S = poolSize('resetSlot', pool);
  checkInt('resetSlot: slot', slot, 0, S - 1);
  for (const [name, t] of entries(pool)) {
    const n = t.data.length / S;
    t.data.fill(spec[name]?.fill ?? 0, slot * n, (slot + 1) * n);
  }
}
