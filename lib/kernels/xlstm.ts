/**
 * Public API of the xLSTM kernels: the sLSTM (SPEC §8) and mLSTM (§9) cells. Each updates a slot-indexed
 * pool in place and accepts either one step ([B, ...]) or T steps ([B, T, ...]) per call.
 */
import type { Tensor } from '../tensor.js';
import { checkFinite, checkOutput, checkSlots, Shapes } from '../validate.js';
import { defineKernel } from './define.js';
import type { MlstmState, SlstmState } from './xlstm-pools.js';
import type { MlstmStepPlan, SlstmStepPlan } from './xlstm-plans.js';
import { argsObject, backendOf, checkStateAlias, dims, timeForm, type PoolStepOptions } from './step-args.js';

const SLSTM_KEYS = ['y', 'c', 'n', 'm', 'wx', 'R', 'rBias', 'eps', 'slots', 'out', 'backend'] as const;
const MLSTM_KEYS = ['C', 'n', 'm', 'q', 'k', 'v', 'iPre', 'fPre', 'eps', 'slots', 'out', 'backend'] as const;

/** The output is h [B, (T,) NH*DH]. */
export interface SlstmStepOptions extends PoolStepOptions, SlstmState {
  /** [B, 4, NH*DH] or [B, T, 4, NH*DH]: input parts of the gates i, f, z, o. */
  wx: Tensor;
  /** [4, NH, DH, DH], nn.Linear orientation. */
  R: Tensor;
  /** [4, NH*DH] */
  rBias?: Tensor;
  /** Default 1e-6. */
  eps?: number;
}

const slstmStepKernel = defineKernel('slstmStep', (opts: SlstmStepOptions) => {
  const fn = 'slstmStep';
  const o = argsObject(fn, opts, SLSTM_KEYS);
  const s = new Shapes(fn);
  const R = s.tensor('R', o.R, 'float32', [4, 'NH', 'DH', 'DH']);
  const NH = s.dim('NH'), DH = s.dim('DH');
  s.bind('W', NH * DH);
  const y = s.tensor('y', o.y, 'float32', ['S', 'W']);
  const c = s.tensor('c', o.c, 'float32', ['S', 'W']);
  const n = s.tensor('n', o.n, 'float32', ['S', 'W']);
  const m = s.tensor('m', o.m, 'float32', ['S', 'W']);
  const timed = timeForm(fn, s, 'wx', o.wx, 3);
  const wx = s.tensor('wx', o.wx, 'float32', dims(timed, [4, 'W']));
  const rBias = s.optional('rBias', o.rBias, 'float32', [4, 'W']);
  const eps = o.eps === undefined ? 1e-6 : checkFinite(`${fn}: options.eps`, o.eps);
  const B = s.dim('B'), T = timed ? s.dim('T') : 1, poolSize = s.dim('S');
  const slots = checkSlots(fn, o.slots, B, poolSize);
  const inputs = { wx: wx.data, R: R.data, rBias: rBias?.data, slots };
  const states = { y: y.data, c: c.data, n: n.data, m: m.data };
  checkStateAlias(fn, states, inputs);
  const out = checkOutput(fn, 'options.out', o.out, timed ? [B, T, NH * DH] : [B, NH * DH], { disjointFrom: { ...inputs, ...states } });
  const plan: SlstmStepPlan = {
    ...states, wx: wx.data, R: R.data, rBias: rBias?.data, eps, slots, poolSize, batch: B, steps: T, heads: NH, headDim: DH, h: out.data,
  };
  return { plan, result: out, backend: backendOf(o) };
});

/** One (or T) sLSTM steps with the block-diagonal recurrence fused (SPEC §8); returns h [B, (T,) NH*DH]. */
export const slstmStep = slstmStepKernel.sync;
export const slstmStepAsync = slstmStepKernel.async;

// ---------------------------------------------------------------------------------------------------
/** The output is h [B, (T,) NH, DV]. */
export interface MlstmStepOptions extends PoolStepOptions, MlstmState {
  /** [B, NH, DK] or [B, T, NH, DK] */
  q: Tensor;
  k: Tensor;
  /** [B, NH, DV] or [B, T, NH, DV] */
  v: Tensor;
  /** Gate pre-activations [B, NH] or [B, T, NH]. */
  iPre: Tensor;
  fPre: Tensor;
  /** Default 1e-6. */
  eps?: number;
}

const mlstmStepKernel = defineKernel('mlstmStep', (opts: MlstmStepOptions) => {
  const fn = 'mlstmStep';
  const o = argsObject(fn, opts, MLSTM_KEYS);
  const s = new Shapes(fn);
  const C = s.tensor('C', o.C, 'float32', ['S', 'NH', 'DK', 'DV']);
  const n = s.tensor('n', o.n, 'float32', ['S', 'NH', 'DK']);
  const m = s.tensor('m', o.m, 'float32', ['S', 'NH']);
  const timed = timeForm(fn, s, 'q', o.q, 3);
  const q = s.tensor('q', o.q, 'float32', dims(timed, ['NH', 'DK']));
  const k = s.tensor('k', o.k, 'float32', dims(timed, ['NH', 'DK']));
  const v = s.tensor('v', o.v, 'float32', dims(timed, ['NH', 'DV']));
  const iPre = s.tensor('iPre', o.iPre, 'float32', dims(timed, ['NH']));
  const fPre = s.tensor('fPre', o.fPre, 'float32', dims(timed, ['NH']));
  const eps = o.eps === undefined ? 1e-6 : checkFinite(`${fn}: options.eps`, o.eps);
  const B = s.dim('B'), T = timed ? s.dim('T') : 1, NH = s.dim('NH'), DK = s.dim('DK'), DV = s.dim('DV'), poolSize = s.dim('S');
  const slots = checkSlots(fn, o.slots, B, poolSize);
  const inputs = { q: q.data, k: k.data, v: v.data, iPre: iPre.data, fPre: fPre.data, slots };
  const states = { C: C.data, n: n.data, m: m.data };
  checkStateAlias(fn, states, inputs);
  const out = checkOutput(fn, 'options.out', o.out, timed ? [B, T, NH, DV] : [B, NH, DV], { disjointFrom: { ...inputs, ...states } });
  const plan: MlstmStepPlan = {
    ...states, q: q.data, k: k.data, v: v.data, iPre: iPre.data, fPre: fPre.data, eps, slots, poolSize,
    batch: B, steps: T, heads: NH, keyDim: DK, valueDim: DV, h: out.data,
  };
  return { plan, result: out, backend: backendOf(o) };
});

/** One (or T) mLSTM steps (SPEC §9); returns h [B, (T,) NH, DV]. */
export const mlstmStep = mlstmStepKernel.sync;
export const mlstmStepAsync = mlstmStepKernel.async;
