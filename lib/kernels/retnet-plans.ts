/**
 * Validated argument bundles ("plans") of the RetNet kernels: rotary and retention (SPEC §6, §7). Inputs
 * with a time axis are laid out [batch, steps, ...]; single-step calls use steps = 1 (the same memory layout).
 * Size fields are words (batch, steps, heads, headDim, keyDim, valueDim); the comments' shapes use SPEC's
 * letters B, T, H, Dh, Dk, Dv for them.
 */

export interface RotaryPlan {
  x: Float32Array; // [B, T, H, Dh]
  positions: Int32Array; // [B, T]
  angle: Float32Array; // [Dh]
  batch: number;
  steps: number;
  heads: number;
  headDim: number;
  y: Float32Array; // [B, T, H, Dh]
}

export interface RetentionStepPlan {
  S: Float32Array; // pool [Sl, H, Dk, Dv]
  scales: Float32Array; // pool [Sl, H]
  offsets: Int32Array; // pool [Sl]
  q: Float32Array; // [B, T, H, Dk]
  k: Float32Array; // [B, T, H, Dk]
  v: Float32Array; // [B, T, H, Dv]
  decay: Float32Array; // [H]
  angle?: Float32Array; // [Dk]
  kScale: number;
  slots: Int32Array; // [B]
  poolSize: number;
  batch: number;
  steps: number;
  heads: number;
  keyDim: number;
  valueDim: number;
  o: Float32Array; // [B, T, H, Dv]
}
