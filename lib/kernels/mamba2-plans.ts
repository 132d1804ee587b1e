/**
 * Validated argument bundles ("plans") of the Mamba2 kernels (SPEC §4, §5). The public functions build a
 * plan once; every backend reads its inputs and updates its state pool from it.
 * Time-major inputs are [batch, steps, ...]; a single-step call has steps = 1.
 */

/** Mamba2 selective state update (SPEC §4). */
export interface SelectiveStateUpdatePlan {
  state: Float32Array; // [poolSize, heads, headDim, dState], updated in place
  poolSize: number;
  heads: number;
  headDim: number;
  dState: number;
  groups: number;
  batch: number;
  steps: number;
  x: Float32Array; // [batch, steps, heads, headDim]
  dt: Float32Array; // [batch, steps, heads] (tied) or [batch, steps, heads, headDim]
  dtPerDim: boolean;
  A: Float32Array; // [heads] or [heads, headDim, dState]
  aFull: boolean;
  B: Float32Array; // [batch, steps, groups, dState]
  C: Float32Array; // [batch, steps, groups, dState]
  D?: Float32Array; // [heads] or [heads, headDim]
  dPerDim: boolean;
  z?: Float32Array; // [batch, steps, heads, headDim]
  dtBias?: Float32Array; // [heads] or [heads, headDim]
  biasPerDim: boolean;
  dtSoftplus: boolean;
  slots: Int32Array; // [batch]
  out: Float32Array; // [batch, steps, heads, headDim]
}

export type ConvActivation = 'none' | 'silu';

/** Causal depthwise conv1d step over a rolling window (SPEC §5). */
export interface CausalConv1dUpdatePlan {
  convState: Float32Array; // [poolSize, channels, length], oldest first, updated in place
  poolSize: number;
  channels: number;
  length: number;
  width: number;
  batch: number;
  steps: number;
  x: Float32Array; // [batch, steps, channels]
  weight: Float32Array; // [channels, width]
  bias?: Float32Array; // [channels]
  activation: ConvActivation;
  slots: Int32Array;
  out: Float32Array; // [batch, steps, channels]
}
