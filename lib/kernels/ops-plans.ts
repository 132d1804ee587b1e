/**
 * Validated argument bundles ("plans") of the ops kernels: linear, the normalisations and the
 * activations. Every tensor is seen as rows of its last axis; leading axes are flattened.
 */

export interface LinearPlan {
  x: Float32Array; // [M, K]
  weight: Float32Array; // [N, K], nn.Linear orientation
  bias?: Float32Array; // [N]
  y: Float32Array; // [M, N]
  M: number;
  K: number;
  N: number;
}

/**
 * Rows of D values, each cut into `groups` runs of D / groups channels normalised on their own.
 * center: subtract the mean and divide by sqrt(biased variance + eps) (layer/group norm); otherwise
 * divide by sqrt(mean of squares + eps) (RMS norm).
 */
export interface NormPlan {
  x: Float32Array; // [rows, D]
  y: Float32Array; // [rows, D], may be x itself
  weight?: Float32Array; // [D]
  bias?: Float32Array; // [D]
  rows: number;
  D: number;
  groups: number;
  eps: number;
  center: boolean;
}

/** y = f(x) elementwise; y may be x itself. */
export interface ActivationPlan {
  x: Float32Array;
  y: Float32Array;
  /** Elements of x and y. */
  n: number;
  kind: 'silu' | 'gelu' | 'relu';
}
