/** State pools of the xLSTM kernels: named like the arguments of `slstmStep` and `mlstmStep` (SPEC §8, §9). */
import { createPool } from '../pool.js';
import type { Tensor } from '../tensor.js';
import { checkInt, checkObject } from '../validate.js';

export interface SlstmState {
  /** Each [S, NH*DH]. */
  y: Tensor;
  c: Tensor;
  n: Tensor;
  m: Tensor;
}

/** A fresh sLSTM pool: y = c = n = 0, m = -inf. */
export function createSlstmState(poolSize: number, dims: { heads: number; headDim: number }): SlstmState {
  const d = checkObject('createSlstmState: dims', dims);
  const width = checkInt('createSlstmState: dims.heads', d.heads) * checkInt('createSlstmState: dims.headDim', d.headDim);
  const pool = createPool({ y: { shape: [width] }, c: { shape: [width] }, n: { shape: [width] }, m: { shape: [width], fill: -Infinity } }, poolSize);
  return { y: pool.y, c: pool.c, n: pool.n, m: pool.m };
}

export interface MlstmState {
  /** [S, NH, DK, DV] */
  C: Tensor;
  /** [S, NH, DK] */
  n: Tensor;
  /** [S, NH] */
  m: Tensor;
}

/** A fresh mLSTM pool: all zeros. */
export function createMlstmState(poolSize: number, dims: { heads: number; keyDim: number; valueDim: number }): MlstmState {
  const d = checkObject('createMlstmState: dims', dims);
  const NH = checkInt('createMlstmState: dims.heads', d.heads);
  const DK = checkInt('createMlstmState: dims.keyDim', d.keyDim);
  const DV = checkInt('createMlstmState: dims.valueDim', d.valueDim);
  const pool = createPool({ C: { shape: [NH, DK, DV] }, n: { shape: [NH, DK] }, m: { shape: [NH] } }, poolSize);
  return { C: pool.C, n: pool.n, m: pool.m };
}
