/**
 * Public API of the Mamba2 kernels: the selective state update (SPEC §4) and the causal conv1d step (§5).
 * The state kernels take one options object each, update their pool in place, and accept an optional
 * time axis after the batch axis (the rank of `x` decides). Every argument is checked before any backend
 * runs.
 */
import type { CallOptions } from '../backend-contract.js';
import type { Tensor } from '../tensor.js';
import { asVector, checkBool, checkEnum, checkOutput, checkSlots, Shapes } from '../validate.js';
import { defineKernel } from './define.js';
import type { CausalConv1dUpdatePlan, ConvActivation, SelectiveStateUpdatePlan } from './mamba2-plans.js';
import { argsObject, checkStateAlias, timeAxis, type StateCallOptions } from './step-args.js';

export type { ConvActivation } from './mamba2-plans.js';

// ---------------------------------------------------------------------------------------------------
export interface SelectiveStateUpdateArgs extends StateCallOptions {
  /** Pool [S, H, P, N], updated in place. */
  state: Tensor;
  /** [B, H, P] or [B, T, H, P]. */
  x: Tensor;
  /** [B, (T,) H] (tied over P) or [B, (T,) H, P]. */
  dt: Tensor;
  /** [H] or [H, P, N]. */
  A: Tensor;
  /** [B, (T,) G, N]; head h uses group h / (H / G). */
  B: Tensor;
  C: Tensor;
  /** Skip connection, [H] or [H, P]. */
  D?: Tensor;
  /** Gate [B, (T,) H, P]: out *= z * sigmoid(z). */
  z?: Tensor;
  /** [H] or [H, P], added to dt (before the softplus). */
  dtBias?: Tensor;
  dtSoftplus?: boolean;
}

const SSU_KEYS = ['state', 'x', 'dt', 'A', 'B', 'C', 'D', 'z', 'dtBias', 'dtSoftplus', 'slots', 'out', 'backend'] as const;

const selectiveStateUpdateKernel = defineKernel('selectiveStateUpdate', (args: SelectiveStateUpdateArgs) => {
  const fn = 'selectiveStateUpdate';
  const a = argsObject(fn, args, SSU_KEYS);
  const s = new Shapes(fn);
  const state = s.tensor('state', a.state, 'float32', ['S', 'H', 'P', 'N']);
  const lead = timeAxis(s, fn, a.x, ['H', 'P']);
  const x = s.tensor('x', a.x, 'float32', [...lead, 'H', 'P']);
  const dtPerDim = s.rank('dt', a.dt) === lead.length + 2;
  const dt = s.tensor('dt', a.dt, 'float32', dtPerDim ? [...lead, 'H', 'P'] : [...lead, 'H']);
  const aFull = s.rank('A', a.A) !== 1;
  const A = s.tensor('A', a.A, 'float32', aFull ? ['H', 'P', 'N'] : ['H']);
  const B = s.tensor('B', a.B, 'float32', [...lead, 'G', 'N']);
  const C = s.tensor('C', a.C, 'float32', [...lead, 'G', 'N']);
  const H = s.dim('H'), G = s.dim('G');
  if (H % G !== 0) throw new RangeError(`${fn}: B: groups G = ${G} must divide the heads H = ${H}`);
  const dPerDim = a.D !== undefined && s.rank('D', a.D) !== 1;
  const D = s.optional('D', a.D, 'float32', dPerDim ? ['H', 'P'] : ['H']);
  const biasPerDim = a.dtBias !== undefined && s.rank('dtBias', a.dtBias) !== 1;
  const dtBias = s.optional('dtBias', a.dtBias, 'float32', biasPerDim ? ['H', 'P'] : ['H']);
  const z = s.optional('z', a.z, 'float32', [...lead, 'H', 'P']);
  const dtSoftplus = a.dtSoftplus === undefined ? false : checkBool(`${fn}: dtSoftplus`, a.dtSoftplus);
  const batch = s.dim('B');
  const slots = checkSlots(fn, a.slots, batch, s.dim('S'));
  const inputs = { x: x.data, dt: dt.data, A: A.data, B: B.data, C: C.data, D: D?.data, z: z?.data, dtBias: dtBias?.data, slots };
  checkStateAlias(fn, { state: state.data }, inputs);
  const out = checkOutput(fn, 'out', a.out, x.shape, { tensor: true, disjointFrom: { state: state.data, ...inputs } });
  const plan: SelectiveStateUpdatePlan = {
    state: state.data, poolSize: s.dim('S'), heads: H, headDim: s.dim('P'), dState: s.dim('N'), groups: G,
    batch, steps: s.dim('T'), x: x.data, dt: dt.data, dtPerDim, A: A.data, aFull, B: B.data, C: C.data,
    D: D?.data, dPerDim, z: z?.data, dtBias: dtBias?.data, biasPerDim, dtSoftplus, slots, out: out.data,
  };
  return { plan, result: out, backend: a.backend as CallOptions['backend'] };
});

/**
 * Mamba2 recurrent step (SPEC §4): `state = state*exp(A*dt) + dt*B*x`, `out = state·C + D*x`, gated by z.
 * Returns the output (shape of x); `state` is updated in place for the slots named.
 */
export const selectiveStateUpdate = selectiveStateUpdateKernel.sync;
export const selectiveStateUpdateAsync = selectiveStateUpdateKernel.async;

// ---------------------------------------------------------------------------------------------------
export interface CausalConv1dUpdateArgs extends StateCallOptions {
  /** [B, C] or [B, T, C]. */
  x: Tensor;
  /** Pool [S, C, L], oldest first, L >= W - 1; updated in place. */
  convState: Tensor;
  /** [C, W]. */
  weight: Tensor;
  bias?: Tensor | Float32Array;
  activation?: ConvActivation;
}

const CONV_KEYS = ['x', 'convState', 'weight', 'bias', 'activation', 'slots', 'out', 'backend'] as const;

const causalConv1dUpdateKernel = defineKernel('causalConv1dUpdate', (args: CausalConv1dUpdateArgs) => {
  const fn = 'causalConv1dUpdate';
  const a = argsObject(fn, args, CONV_KEYS);
  const s = new Shapes(fn);
  const convState = s.tensor('convState', a.convState, 'float32', ['S', 'C', 'L']);
  const lead = timeAxis(s, fn, a.x, ['C']);
  const x = s.tensor('x', a.x, 'float32', [...lead, 'C']);
  const weight = s.tensor('weight', a.weight, 'float32', ['C', 'W']);
  const L = s.dim('L'), W = s.dim('W');
  if (W > L + 1) throw new RangeError(`${fn}: weight: width W = ${W} needs convState length L >= W - 1 = ${W - 1}, got L = ${L}`);
  const bias = s.optional('bias', asVector(a.bias), 'float32', ['C']);
  const activation = a.activation === undefined ? 'none' : checkEnum(`${fn}: activation`, a.activation, ['none', 'silu'] as const);
  const batch = s.dim('B');
  const slots = checkSlots(fn, a.slots, batch, s.dim('S'));
  const inputs = { x: x.data, weight: weight.data, bias: bias?.data, slots };
  checkStateAlias(fn, { convState: convState.data }, inputs);
  const out = checkOutput(fn, 'out', a.out, x.shape, { tensor: true, disjointFrom: { convState: convState.data, ...inputs } });
  const plan: CausalConv1dUpdatePlan = {
    convState: convState.data, poolSize: s.dim('S'), channels: s.dim('C'), length: L, width: W, batch, steps: s.dim('T'),
    x: x.data, weight: weight.data, bias: bias?.data, activation, slots, out: out.data,
  };
  return { plan, result: out, backend: a.backend as CallOptions['backend'] };
});

/**
 * One (or T) steps of a causal depthwise conv1d over a rolling window (SPEC §5). Returns the output
 * (shape of x); `convState` shifts left by one entry per step for the slots named.
 */
export const causalConv1dUpdate = causalConv1dUpdateKernel.sync;
export const causalConv1dUpdateAsync = causalConv1dUpdateKernel.async;
