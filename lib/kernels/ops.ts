/**
 * Public API of the small dense ops a network block needs around the hashed and recurrent kernels:
 * `linear` (y = x·Wᵀ + b), RMS/layer/group normalisation over the last axis, and SiLU/GELU/ReLU.
 * Every input is seen as rows of its last axis: leading axes (any number) are flattened.
 */
import type { CallOptions } from '../backend-contract.js';
import type { Tensor } from '../tensor.js';
import { asVector, checkFinite, checkInt, checkNoAlias, checkOptions, checkOutput, Shapes } from '../validate.js';
import { defineKernel } from './define.js';
import type { ActivationPlan, LinearPlan, NormPlan } from './ops-plans.js';

/** Checks x [..., feature] (rank >= 1) and returns it with its row count (the product of the leading axes). */
function checkRows(fn: string, s: Shapes, name: string, value: unknown, feature: string): { t: Tensor; rows: number } {
  const rank = s.rank(name, value);
  if (rank < 1) throw new RangeError(`${fn}: ${name}: expected shape [..., ${feature}] (rank >= 1), got []`);
  const leading = rank === 2 ? ['B'] : Array.from({ length: rank - 1 }, (_, i) => `B${i}`);
  const t = s.tensor(name, value, 'float32', [...leading, feature]);
  return { t, rows: t.data.length / s.dim(feature) };
}

/** A [n] vector argument: a Float32Array or a rank-1 tensor. */
function checkVector(s: Shapes, name: string, value: unknown, dim: string): Float32Array | undefined {
  if (value === undefined) return undefined;
  return s.tensor(name, asVector(value), 'float32', [dim]).data;
}

/** Row-wise and elementwise ops may write over their input exactly; any other overlap is rejected. */
function checkInPlaceOrDisjoint(fn: string, y: Float32Array, x: Float32Array): void {
  const same = y.buffer === x.buffer && y.byteOffset === x.byteOffset && y.length === x.length;
  if (!same) checkNoAlias(fn, 'options.out', y, { x });
}

// ---------------------------------------------------------------------------------------------------
export interface LinearOptions extends CallOptions {
  /** Bias [Dout], added in the GEMM's epilogue. */
  bias?: Float32Array | Tensor;
  /** Caller-provided output [..., Dout]; must not overlap x, weight or bias. */
  out?: Float32Array | Tensor;
}

const linearKernel = defineKernel('linear', (x: Tensor, weight: Tensor, opts?: LinearOptions) => {
  const fn = 'linear';
  const o = checkOptions(fn, opts, ['bias', 'out', 'backend']);
  const s = new Shapes(fn);
  const w = s.tensor('weight', weight, 'float32', ['Dout', 'Din']);
  const { t: xt, rows } = checkRows(fn, s, 'x', x, 'Din');
  const N = s.dim('Dout'), K = s.dim('Din');
  const bias = checkVector(s, 'options.bias', o.bias, 'Dout');
  const shape = [...xt.shape.slice(0, -1), N];
  const out = checkOutput(fn, 'options.out', o.out, shape, { tensor: true, disjointFrom: { x: xt.data, weight: w.data, bias } });
  const plan: LinearPlan = { x: xt.data, weight: w.data, bias, y: out.data, M: rows, K, N };
  return { plan, result: out, backend: o.backend as CallOptions['backend'] };
});

/** y [..., Dout] = x [..., Din] · weightᵀ + bias, with weight [Dout, Din] in nn.Linear orientation. */
export const linear = linearKernel.sync;
export const linearAsync = linearKernel.async;

// ---------------------------------------------------------------------------------------------------
export interface NormOptions extends CallOptions {
  /** Added to the variance (or mean square) before the square root. Required: models differ. */
  eps: number;
  /** Per-channel scale [D]. */
  weight?: Float32Array | Tensor;
  /** Caller-provided output [..., D]; may be x.data itself (in place). */
  out?: Float32Array | Tensor;
}

export interface LayerNormOptions extends NormOptions {
  /** Per-channel shift [D]. */
  bias?: Float32Array | Tensor;
}

export interface GroupNormOptions extends LayerNormOptions {
  /** Number of groups: D / groups contiguous channels are normalised together. Must divide D. */
  groups: number;
}

const NORM_KEYS = {
  rms: ['eps', 'weight', 'bias', 'out', 'backend'],
  layer: ['eps', 'weight', 'bias', 'out', 'backend'],
  group: ['eps', 'weight', 'bias', 'groups', 'out', 'backend'],
} as const;

function prepareNorm(fn: string, x: Tensor, opts: unknown, kind: 'rms' | 'layer' | 'group') {
  if (opts === undefined) throw new TypeError(`${fn}: options: expected an options object with eps, got undefined`);
  // No default eps: models use 1e-5 or 1e-6 and a silent default would change results. A weight passed
  // where the options go is the likely mistake; say so.
  if (ArrayBuffer.isView(opts) || (typeof opts === 'object' && opts !== null && 'shape' in opts && 'data' in opts)) {
    throw new TypeError(`${fn}: options: expected { eps, weight? }, got a tensor: call ${fn}(x, { eps: 1e-5, weight }) (eps has no default: models use 1e-5 or 1e-6)`);
  }
  const o = checkOptions(fn, opts, NORM_KEYS[kind]);
  const eps = checkFinite(`${fn}: options.eps`, o.eps);
  if (eps < 0) throw new RangeError(`${fn}: options.eps: expected a finite number >= 0, got ${eps}`);
  const s = new Shapes(fn);
  const { t: xt, rows } = checkRows(fn, s, 'x', x, 'D');
  const D = s.dim('D');
  let groups = 1;
  if (kind === 'group') {
    groups = checkInt(`${fn}: options.groups`, o.groups, 1);
    if (D % groups !== 0) throw new RangeError(`${fn}: options.groups: expected a divisor of the channel count D = ${D}, got ${groups}`);
  }
  const weight = checkVector(s, 'options.weight', o.weight, 'D');
  if (kind === 'rms' && o.bias !== undefined) throw new TypeError(`${fn}: options.bias: RMS norm has no bias`);
  const bias = checkVector(s, 'options.bias', o.bias, 'D');
  const out = checkOutput(fn, 'options.out', o.out, xt.shape, { tensor: true });
  checkInPlaceOrDisjoint(fn, out.data, xt.data);
  checkNoAlias(fn, 'options.out', out.data, { weight, bias });
  const plan: NormPlan = { x: xt.data, y: out.data, weight, bias, rows, D, groups, eps, center: kind !== 'rms' };
  return { plan, result: out, backend: o.backend as CallOptions['backend'] };
}

const rmsNormKernel = defineKernel('rmsNorm', (x: Tensor, opts: NormOptions) => prepareNorm('rmsNorm', x, opts, 'rms'));
const layerNormKernel = defineKernel('layerNorm', (x: Tensor, opts: LayerNormOptions) => prepareNorm('layerNorm', x, opts, 'layer'));
const groupNormKernel = defineKernel('groupNorm', (x: Tensor, opts: GroupNormOptions) => prepareNorm('groupNorm', x, opts, 'group'));

/** y = x / sqrt(mean(x²) + eps) · weight over the last axis. */
export const rmsNorm = rmsNormKernel.sync;
export const rmsNormAsync = rmsNormKernel.async;
/** y = (x − mean) / sqrt(var + eps) · weight + bias over the last axis (biased variance, as PyTorch). */
export const layerNorm = layerNormKernel.sync;
export const layerNormAsync = layerNormKernel.async;
/**
 * Layer norm of each group of D / groups contiguous channels of every row (x [..., D]), then the
 * per-channel weight and bias: xLSTM's multi-head norm on [B, heads·dh].
 */
export const groupNorm = groupNormKernel.sync;
export const groupNormAsync = groupNormKernel.async;

// ---------------------------------------------------------------------------------------------------
export interface ActivationOptions extends CallOptions {
  /** Caller-provided output with as many elements as x; may be x's data itself (in place). */
  out?: Float32Array | Tensor;
}

function activationKernel(fn: 'silu' | 'gelu' | 'relu') {
  return defineKernel(fn, (x: Tensor | Float32Array, opts?: ActivationOptions) => {
    const o = checkOptions(fn, opts, ['out', 'backend']);
    const s = new Shapes(fn);
    const { t: xt } = checkRows(fn, s, 'x', asVector(x), 'D');
    const out = checkOutput(fn, 'options.out', o.out, xt.shape, { tensor: true });
    checkInPlaceOrDisjoint(fn, out.data, xt.data);
    const plan: ActivationPlan = { x: xt.data, y: out.data, n: xt.data.length, kind: fn };
    return { plan, result: out, backend: o.backend as CallOptions['backend'] };
  });
}

const siluKernel = activationKernel('silu');
const geluKernel = activationKernel('gelu');
const reluKernel = activationKernel('relu');

/** silu(x) = x · sigmoid(x), elementwise. */
export const silu = siluKernel.sync;
export const siluAsync = siluKernel.async;
/** gelu(x) = x/2 · (1 + erf(x/√2)), the exact (erf) form, elementwise. */
export const gelu = geluKernel.sync;
export const geluAsync = geluKernel.async;
/** relu(x) = max(x, 0), elementwise (NaN stays NaN). */
export const relu = reluKernel.sync;
export const reluAsync = reluKernel.async;
