/** The activations the JS reference kernels share, in float64 (SPEC §4, §8-10). */

export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));

/** torch.nn.functional.softplus with its default threshold of 20. */
export const softplus = (v: number): number => (v <= 20 ? Math.log1p(Math.exp(v)) : v);

/** log(sigmoid(x)) without overflow for large |x|. */
export function logSigmoid(x: number): number {
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}
