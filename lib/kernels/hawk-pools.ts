/**
 * State pool of the RG-LRU (SPEC §10), named like the kernel argument it feeds, so
 * `rglruStep({ ...pool, x, ... })` works. A fresh state is all zeros; `resetSlot(pool, rglruStateSpec(d),
 * slot)` restores one slot.
 */
import { createPool, type PoolSpec, type StatePool } from '../pool.js';
import type { Tensor } from '../tensor.js';

export interface RglruDims { width: number }

export const rglruStateSpec = (d: RglruDims): PoolSpec => ({ h: { shape: [d.width] } });

/** `{ h: [poolSize, width] }` of zeros. */
export const createRglruState = (poolSize: number, d: RglruDims): StatePool & { h: Tensor } =>
  createPool(rglruStateSpec(d), poolSize) as StatePool & { h: Tensor };
