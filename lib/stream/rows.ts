/**
 * Row-wise glue between kernel calls: splitting the columns of a fused projection, concatenating
 * along the last axis, residual adds and element-wise products. Plain loops over float32 arrays; the
 * heavy work stays in the kernels.
 */

/** Columns [start, start+width) of a row-major [rows, stride] matrix, as a contiguous copy. */
export function columns(src: Float32Array, rows: number, stride: number, start: number, width: number): Float32Array {
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) out.set(src.subarray(r * stride + start, r * stride + start + width), r * width);
  return out;
}

/** Concatenates row-major matrices with the same row count along their last axis. */
export function concatColumns(parts: readonly Float32Array[], rows: number): Float32Array {
  const widths = parts.map((p) => p.length / rows);
  const stride = widths.reduce((a, b) => a + b, 0);
  const out = new Float32Array(rows * stride);
  for (let r = 0; r < rows; r++) {
    let at = r * stride;
    parts.forEach((p, i) => {
      out.set(p.subarray(r * widths[i], (r + 1) * widths[i]), at);
      at += widths[i];
    });
  }
  return out;
}

/** Concatenates matrices along their first axis (stacking weight rows of fused projections). */
export function concatRows(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** a += b, element-wise. */
export function addInPlace(a: Float32Array, b: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] += b[i];
  return a;
}

/** a *= b, element-wise. */
export function mulInPlace(a: Float32Array, b: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] *= b[i];
  return a;
}

/** a[r, i] += scale[i] * x[r, i] for every row r (a per-channel scaled skip). */
export function addScaledRows(a: Float32Array, scale: Float32Array, x: Float32Array): Float32Array {
  const w = scale.length;
  for (let i = 0; i < a.length; i++) a[i] += scale[i % w] * x[i];
  return a;
}
