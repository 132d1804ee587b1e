/**
 * Validated argument bundles ("plans") of the xLSTM kernels: the sLSTM and mLSTM cells (SPEC §8, §9). Inputs
 * with a time axis are laid out [batch, steps, ...]; single-step calls use steps = 1 (the same memory layout).
 * Size fields are words (batch, steps, heads, headDim, keyDim, valueDim); the comments' shapes use SPEC's
 * letters B, T, NH, DH, DK, DV for them.
 */

export interface SlstmStepPlan {
  y: Float32Array; // pool [S, NH*DH]
  c: Float32Array;
  n: Float32Array;
  m: Float32Array;
  wx: Float32Array; // [B, T, 4, NH*DH]
  R: Float32Array; // [4, NH, DH, DH]
  rBias?: Float32Array; // [4, NH*DH]
  eps: number;
  slots: Int32Array; // [B]
  poolSize: number;
  batch: number;
  steps: number;
  heads: number;
  headDim: number;
  h: Float32Array; // [B, T, NH*DH]
}

export interface MlstmStepPlan {
  C: Float32Array; // pool [S, NH, DK, DV]
  n: Float32Array; // pool [S, NH, DK]
  m: Float32Array; // pool [S, NH]
  q: Float32Array; // [B, T, NH, DK]
  k: Float32Array; // [B, T, NH, DK]
  v: Float32Array; // [B, T, NH, DV]
  iPre: Float32Array; // [B, T, NH]
  fPre: Float32Array; // [B, T, NH]
  eps: number;
  slots: Int32Array; // [B]
  poolSize: number;
  batch: number;
  steps: number;
  heads: number;
  keyDim: number;
  valueDim: number;
  h: Float32Array; // [B, T, NH, DV]
}
