/** State pools of the RetNet kernels: named like the arguments of `retentionStep` (SPEC §7). */
import { createPool } from '../pool.js';
import type { Tensor } from '../tensor.js';
import { checkInt, checkObject } from '../validate.js';

export interface RetentionState {
  /** [S, H, Dk, Dv] */
  S: Tensor;
  /** [S, H] */
  scales: Tensor;
  /** int32 [S]: the position of each slot's next step. */
  offsets: Tensor<Int32Array>;
}

/** A fresh retention pool: S, scales and offsets zero. */
export function createRetentionState(poolSize: number, dims: { heads: number; keyDim: number; valueDim: number }): RetentionState {
  const d = checkObject('createRetentionState: dims', dims);
  const H = checkInt('createRetentionState: dims.heads', d.heads);
  const Dk = checkInt('createRetentionState: dims.keyDim', d.keyDim);
  const Dv = checkInt('createRetentionState: dims.valueDim', d.valueDim);
  const pool = createPool({ S: { shape: [H, Dk, Dv] }, scales: { shape: [H] }, offsets: { shape: [], dtype: 'int32' } }, poolSize);
  return { S: pool.S, scales: pool.scales, offsets: pool.offsets };
}
