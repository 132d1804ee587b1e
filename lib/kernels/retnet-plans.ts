/**
 * Validated argument bundles ("plans") of the RetNet kernels: rotary and retention (SPEC §6, §7). Inputs
 * with a time axis are laid out [B, T, ...]; single-step calls use T = 1 (the same memory layout).
 */

export interface RotaryPlan {
  x: Float32Array; // [B, T, H, Dh]
  positions: Int32Array; // [B, T]
  angle: Float32Array; // [Dh]
  B: number;
  T: number;
  H: number;
  Dh: number;
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
  B: number;
  T: number;
  H: number;
  Dk: number;
  Dv: number;
  o: Float32Array; // [B, T, H, Dv]
}
