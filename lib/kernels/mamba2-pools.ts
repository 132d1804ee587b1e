/**
 * State pools of the Mamba2 kernels. Each pool's tensor is named like the kernel argument it feeds, so
 * `selectiveStateUpdate({ ...pool, x, ... })` works. A fresh state is all zeros (SPEC §4, §5);
 * `resetSlot(pool, spec, slot)` with the matching spec restores one slot.
 */
import { createPool, type PoolSpec, type StatePool } from '../pool.js';
import type { Tensor } from '../tensor.js';

export interface Mamba2Dims { heads: number; headDim: number; dState: number }
export interface ConvDims { channels: number; length: number }

export const mamba2StateSpec = (d: Mamba2Dims): PoolSpec => ({ state: { shape: [d.heads, d.headDim, d.dState] } });
export const convStateSpec = (d: ConvDims): PoolSpec => ({ convState: { shape: [d.channels, d.length] } });

/** `{ state: [poolSize, heads, headDim, dState] }` of zeros. */
export const createMamba2State = (poolSize: number, d: Mamba2Dims): StatePool & { state: Tensor } =>
  createPool(mamba2StateSpec(d), poolSize) as StatePool & { state: Tensor };

/** `{ convState: [poolSize, channels, length] }` of zeros. */
export const createConvState = (poolSize: number, d: ConvDims): StatePool & { convState: Tensor } =>
  createPool(convStateSpec(d), poolSize) as StatePool & { convState: Tensor };
