/**
 * State pools: named tensors whose leading axis is the slot (one row per stream). Kernels update them
 * in place; these helpers create fresh pools and save or restore one slot (e.g. per symbol).
 */
import { numel, type Tensor } from './tensor.js';
import { checkInt, Shapes } from './validate.js';

/** A pool: every tensor has the same leading (slot) axis. */
export type StatePool = Record<string, Tensor>;

/** Per-tensor layout of a pool: the shape of one slot and its fresh value (default 0). */
export type PoolSpec = Record<string, { shape: readonly number[]; fill?: number }>;

export function createPool(spec: PoolSpec, slots: number): StatePool {
  checkInt('createPool: slots', slots, 1);
  const pool: StatePool = {};
  for (const [name, s] of Object.entries(spec)) {
    for (const d of s.shape) checkInt(`createPool: ${name} shape`, d, 1);
    const data = new Float32Array(slots * numel(s.shape));
    if (s.fill) data.fill(s.fill);
    pool[name] = { data, shape: [slots, ...s.shape] };
  }
  return pool;
}

function poolSize(fn: string, pool: StatePool): number {
  const s = new Shapes(fn);
  for (const [name, t] of Object.entries(pool)) s.tensor(name, { data: t.data, shape: t.shape }, 'float32', ['S', ...t.shape.slice(1).map((_, i) => `${name}${i}`)]);
  return s.dim('S');
}

/** Copies of one slot's tensors (shape without the slot axis). */
export function readSlot(pool: StatePool, slot: number): Record<string, Float32Array> {
  const S = poolSize('readSlot', pool);
  checkInt('readSlot: slot', slot, 0, S - 1);
  const out: Record<string, Float32Array> = {};
  for (const [name, t] of Object.entries(pool)) {
    const n = t.data.length / S;
    out[name] = t.data.slice(slot * n, (slot + 1) * n);
  }
  return out;
}

/** Writes one slot from saved values (all tensors are checked before any is written). */
export function writeSlot(pool: StatePool, slot: number, values: Record<string, Float32Array>): void {
  const S = poolSize('writeSlot', pool);
  checkInt('writeSlot: slot', slot, 0, S - 1);
  for (const [name, t] of Object.entries(pool)) {
    const v = values[name];
    const n = t.data.length / S;
    if (!(v instanceof Float32Array) || v.length !== n) {
      throw new RangeError(`writeSlot: values.${name}: expected a Float32Array of ${n} elements (shape [${t.shape.slice(1)}])`);
    }
  }
  for (const [name, t] of Object.entries(pool)) t.data.set(values[name], slot * (t.data.length / S));
}

/** Resets one slot to the pool's fresh values. */
export function resetSlot(pool: StatePool, spec: PoolSpec, slot: number): void {
  const S = poolSize('resetSlot', pool);
  checkInt('resetSlot: slot', slot, 0, S - 1);
  for (const [name, t] of Object.entries(pool)) {
    const n = t.data.length / S;
    t.data.fill(spec[name]?.fill ?? 0, slot * n, (slot + 1) * n);
  }
}
