/** Helpers of the ops tests shared by the native and CUDA tests: tolerant comparison and the linear tolerance. */
import assert from 'node:assert/strict';

export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: (i: number) => number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i], e = expected[i];
    if (a === e) continue;
    if (Number.isNaN(e)) {
      assert.ok(Number.isNaN(a), `${what}[${i}]: expected NaN, got ${a}`);
      continue;
    }
    assert.ok(Math.abs(a - e) <= tol(i), `${what}[${i}]: got ${a}, expected ${e} (tolerance ${tol(i)})`);
  }
}

/** |y - ref| <= 2e-6 · Σ|x·w| + 1e-6: float32 accumulation over K terms in any order. */
export function linearTolerance(x: Float32Array, w: Float32Array, M: number, K: number, N: number) {
  return (i: number) => {
    const m = Math.floor(i / N), n = i % N;
    let s = 0;
    for (let k = 0; k < K; k++) s += Math.abs(x[m * K + k] * w[n * K + k]);
    return 2e-6 * s * Math.sqrt(K) + 1e-6;
  };
}
