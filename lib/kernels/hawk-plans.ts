/**
 * Validated argument bundles ("plans") of the Hawk kernels (SPEC §10, §11). The public functions build a
 * plan once; every backend reads its inputs and updates its state pool from it.
 * Time-major inputs are [batch, steps, ...]; a single-step call has steps = 1.
 */

export type RglruAParam = 'direct' | 'softplus';

/** Hawk / Griffin RG-LRU step (SPEC §10). */
export interface RglruStepPlan {
  h: Float32Array; // [poolSize, width], updated in place
  poolSize: number;
  width: number;
  batch: number;
  steps: number;
  x: Float32Array; // [batch, steps, width]
  gateX: Float32Array;
  gateA: Float32Array;
  a: Float32Array; // [width]
  c: number;
  aParam: RglruAParam;
  reset?: Uint8Array; // [batch, steps]
  slots: Int32Array;
  out: Float32Array; // [batch, steps, width]
}

/** Block-diagonal linear layer (SPEC §11). */
export interface BlockLinearPlan {
  x: Float32Array; // [rows, blocks * blockIn]
  weight: Float32Array; // [blocks, blockOut, blockIn]
  bias?: Float32Array; // [blocks * blockOut]
  rows: number;
  blocks: number;
  blockIn: number;
  blockOut: number;
  y: Float32Array; // [rows, blocks * blockOut]
}
