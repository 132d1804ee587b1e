/**
 * The kernels the stream engine composes, in one place: dense ops, the Mamba2 family (SSM, causal conv),
 * the Hawk family (RG-LRU, block linear), RetNet's retention and the xLSTM cells (sLSTM, mLSTM).
 */
import { linear as opsLinear, type LinearOptions } from '../kernels/ops.js';
import type { Tensor } from '../tensor.js';

export { rmsNorm, layerNorm, groupNorm, silu, gelu, relu } from '../kernels/ops.js';
export { selectiveStateUpdate, causalConv1dUpdate } from '../kernels/mamba2.js';
export { rglruStep, blockLinear } from '../kernels/hawk.js';
export { retentionStep } from '../kernels/retnet.js';
export { slstmStep, mlstmStep } from '../kernels/xlstm.js';

/**
 * Rows below which the native `linear` switches to its dot-product path (kSmallBatch in
 * native/kernels/ops.cc). That path sums each output in another order than the panel paths, so a
 * symbol's prediction would depend on how many tokens shared its call.
 */
export const NATIVE_SMALL_BATCH = 8;

let invariant = false;
/**
 * Batch invariance for the stream engine: with it on, a call with fewer than NATIVE_SMALL_BATCH rows
 * is padded with zero rows so it takes the panel path like every larger call, and each row's result is
 * bit-identical however requests were batched (the cluster's replay relies on it; docs/stream.md).
 * Off by default: the padding costs the single-process engine time on one-at-a-time calls.
 */
export function setBatchInvariant(on: boolean): void {
  invariant = on;
}

/** Whether batch invariance is on (the native stream executor pads its small calls alike). */
export function isBatchInvariant(): boolean {
  return invariant;
}

/** `linear` over [rows, Din] tensors, padded to NATIVE_SMALL_BATCH rows when batch invariance is on. */
export function linear(x: Tensor, weight: Tensor, opts: LinearOptions = {}): Tensor {
  const rows = x.shape.length === 2 ? x.shape[0] : -1;
  if (!invariant || rows < 0 || rows >= NATIVE_SMALL_BATCH || opts.out !== undefined) return opsLinear(x, weight, opts);
  const K = x.shape[1];
  const padded = new Float32Array(NATIVE_SMALL_BATCH * K);
  padded.set(x.data.subarray(0, rows * K));
  const y = opsLinear({ data: padded, shape: [NATIVE_SMALL_BATCH, K] }, weight, opts);
  const N = y.shape[1];
  return { data: y.data.slice(0, rows * N), shape: [rows, N] };
}
