/**
 * Stand-in for the `linear` kernel the ops family is adding (same signature): y = x · weightᵀ + bias.
 * Replace the import with the real kernel once it lands on main.
 */
import type { BackendName } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { checkArray, Shapes } from '../validate.js';

export interface LinearOptions {
  bias?: Float32Array | Tensor;
  out?: Float32Array;
  backend?: BackendName;
}

export function linear(x: Tensor, weight: Tensor, opts: LinearOptions = {}): Tensor {
  const s = new Shapes('linear');
  const xt = s.tensor('x', x, 'float32', ['B', 'Din']);
  const wt = s.tensor('weight', weight, 'float32', ['Dout', 'Din']);
  const B = s.dim('B'), D = s.dim('Din'), N = s.dim('Dout');
  const bias = opts.bias === undefined ? undefined
    : s.tensor('options.bias', ArrayBuffer.isView(opts.bias) ? { data: opts.bias, shape: [opts.bias.length] } : opts.bias, 'float32', ['Dout']).data;
  const y = opts.out === undefined ? new Float32Array(B * N) : checkArray('linear: options.out', opts.out, 'float32');
  if (y.length !== B * N) throw new RangeError(`linear: options.out: expected [B, Dout] = [${B}, ${N}], got ${y.length} elements`);
  const xd = xt.data, wd = wt.data;
  for (let b = 0; b < B; b++) {
    const xo = b * D;
    let n = 0;
    // Four output rows per pass share each load of x.
    for (; n + 4 <= N; n += 4) {
      const w0 = n * D, w1 = w0 + D, w2 = w1 + D, w3 = w2 + D;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
      for (let d = 0; d < D; d++) {
        const v = xd[xo + d];
        a0 += v * wd[w0 + d];
        a1 += v * wd[w1 + d];
        a2 += v * wd[w2 + d];
        a3 += v * wd[w3 + d];
      }
      y[b * N + n] = a0 + (bias ? bias[n] : 0);
      y[b * N + n + 1] = a1 + (bias ? bias[n + 1] : 0);
      y[b * N + n + 2] = a2 + (bias ? bias[n + 2] : 0);
      y[b * N + n + 3] = a3 + (bias ? bias[n + 3] : 0);
    }
    for (; n < N; n++) {
      const wo = n * D;
      let acc = 0;
      for (let d = 0; d < D; d++) acc += xd[xo + d] * wd[wo + d];
      y[b * N + n] = acc + (bias ? bias[n] : 0);
    }
  }
  return { data: y, shape: [B, N] };
}
