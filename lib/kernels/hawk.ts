/**
 * Public API of the Hawk / Griffin kernels: the RG-LRU step (SPEC §10) and the block-diagonal linear layer
 * (§11). The RG-LRU takes one options object, updates its pool in place, and accepts an optional time
 * axis after the batch axis (the rank of `x` decides). Every argument is checked before any backend runs.
 */
import type { CallOptions } from '../backend-contract.js';
import type { Tensor } from '../tensor.js';
import { asVector, checkEnum, checkFinite, checkOutput, checkSlots, Shapes } from '../validate.js';
import { defineKernel } from './define.js';
import type { BlockLinearPlan, RglruAParam, RglruStepPlan } from './hawk-plans.js';
import { argsObject, checkStateAlias, timeAxis, type StateCallOptions } from './step-args.js';

export type { RglruAParam } from './hawk-plans.js';

// ---------------------------------------------------------------------------------------------------
export interface RglruStepArgs extends StateCallOptions {
  /** Pool [S, W], updated in place. */
  h: Tensor;
  /** [B, W] or [B, T, W], and the gate pre-activations of the same shape. */
  x: Tensor;
  gateX: Tensor;
  gateA: Tensor;
  /** [W]: a itself ('direct', in (0, 1]) or its softplus parameter ('softplus'). */
  a: Tensor | Float32Array;
  /** Default 8. */
  c?: number;
  aParam?: RglruAParam;
  /** [B] or [B, T] (uint8): where set, the step starts from h = 0. */
  reset?: Tensor<Uint8Array> | Uint8Array;
}

const RGLRU_KEYS = ['h', 'x', 'gateX', 'gateA', 'a', 'c', 'aParam', 'reset', 'slots', 'out', 'backend'] as const;

const rglruStepKernel = defineKernel('rglruStep', (args: RglruStepArgs) => {
  const fn = 'rglruStep';
  const a = argsObject(fn, args, RGLRU_KEYS);
  const s = new Shapes(fn);
  const h = s.tensor('h', a.h, 'float32', ['S', 'W']);
  const lead = timeAxis(s, fn, a.x, ['W']);
  const x = s.tensor('x', a.x, 'float32', [...lead, 'W']);
  const gateX = s.tensor('gateX', a.gateX, 'float32', [...lead, 'W']);
  const gateA = s.tensor('gateA', a.gateA, 'float32', [...lead, 'W']);
  const aw = s.tensor('a', asVector(a.a), 'float32', ['W']);
  const reset = s.optional('reset', asVector(a.reset), 'uint8', lead);
  const c = a.c === undefined ? 8 : checkFinite(`${fn}: c`, a.c);
  const aParam = a.aParam === undefined ? 'direct' : checkEnum(`${fn}: aParam`, a.aParam, ['direct', 'softplus'] as const);
  const batch = s.dim('B');
  const slots = checkSlots(fn, a.slots, batch, s.dim('S'));
  const inputs = { x: x.data, gateX: gateX.data, gateA: gateA.data, a: aw.data, reset: reset?.data, slots };
  checkStateAlias(fn, { h: h.data }, inputs);
  const out = checkOutput(fn, 'out', a.out, x.shape, { tensor: true, disjointFrom: { h: h.data, ...inputs } });
  const plan: RglruStepPlan = {
    h: h.data, poolSize: s.dim('S'), width: s.dim('W'), batch, steps: s.dim('T'), x: x.data, gateX: gateX.data,
    gateA: gateA.data, a: aw.data, c, aParam, reset: reset?.data, slots, out: out.data,
  };
  return { plan, result: out, backend: a.backend as CallOptions['backend'] };
});

/**
 * Hawk / Griffin RG-LRU step (SPEC §10): `h = a_t*h + sqrt(1 - a_t²)*(sigmoid(gateX)*x)`. Returns the
 * new h of every step (shape of x); the pool `h` is updated in place for the slots named.
 */
export const rglruStep = rglruStepKernel.sync;
export const rglruStepAsync = rglruStepKernel.async;

// ---------------------------------------------------------------------------------------------------
export interface BlockLinearOptions extends CallOptions {
  /** [nb * bo]. */
  bias?: Tensor | Float32Array;
  /** Caller-provided output [..., nb * bo]. */
  out?: Float32Array | Tensor;
}

const blockLinearKernel = defineKernel('blockLinear', (x: Tensor, weight: Tensor, opts?: BlockLinearOptions) => {
  const fn = 'blockLinear';
  const o = opts === undefined ? {} : argsObject(fn, opts, ['bias', 'out', 'backend']);
  const s = new Shapes(fn);
  const w = s.tensor('weight', weight, 'float32', ['nb', 'bo', 'bi']);
  const nb = s.dim('nb'), bo = s.dim('bo'), bi = s.dim('bi');
  const rank = s.rank('x', x);
  if (rank < 1) throw new RangeError(`${fn}: x: expected shape [..., nb * bi] = [..., ${nb * bi}], got a scalar`);
  const leading = Array.from({ length: rank - 1 }, (_, i) => `batch${i}`);
  const xt = s.tensor('x', x, 'float32', [...leading, nb * bi]);
  const rows = xt.data.length / (nb * bi);
  const bias = s.optional('options.bias', asVector(o.bias), 'float32', [nb * bo]);
  const out = checkOutput(fn, 'out', o.out, [...xt.shape.slice(0, -1), nb * bo], {
    tensor: true,
    disjointFrom: { x: xt.data, weight: w.data, bias: bias?.data },
  });
  const plan: BlockLinearPlan = { x: xt.data, weight: w.data, bias: bias?.data, rows, blocks: nb, blockIn: bi, blockOut: bo, y: out.data };
  return { plan, result: out, backend: o.backend as CallOptions['backend'] };
});

/** Block-diagonal linear layer (SPEC §11): x [..., nb*bi], weight [nb, bo, bi] → y [..., nb*bo]. */
export const blockLinear = blockLinearKernel.sync;
export const blockLinearAsync = blockLinearKernel.async;
