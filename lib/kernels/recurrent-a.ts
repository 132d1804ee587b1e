/**
 * Public API of the recurrent-a kernels: Mamba2's selective state update (SPEC §4), the causal conv1d
 * step (§5), the RG-LRU step (§10) and the block-diagonal linear layer (§11). The state kernels take
 * one options object each, update their pool in place, and accept an optional time axis after the
 * batch axis (the rank of `x` decides). Every argument is checked before any backend runs.
 */
import type { CallOptions } from '../backend.js';
import type { AnyArray, Tensor } from '../tensor.js';
import { asVector, checkBool, checkEnum, checkFinite, checkObject, checkOutput, checkSlots, Shapes, type Dim } from '../validate.js';
import { defineKernel } from './define.js';
import type {
  BlockLinearPlan, CausalConv1dUpdatePlan, ConvActivation, RglruAParam, RglruStepPlan, SelectiveStateUpdatePlan,
} from './recurrent-a-plans.js';

export type { ConvActivation, RglruAParam } from './recurrent-a-plans.js';

/** Slots of a state kernel: int32 [B] as a typed array or tensor (negative = padding). */
type Slots = Int32Array | Tensor<Int32Array>;

interface StateCallOptions extends CallOptions {
  slots?: Slots;
  /** Caller-provided output with the shape of x (reused across calls for allocation-free loops). */
  out?: Float32Array | Tensor;
}

/** The args object, rejecting keys the kernel does not know (a misspelt `dt_bias` must not be ignored). */
function argsObject(fn: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  const a = checkObject(`${fn}: args`, value);
  for (const k of Object.keys(a)) {
    if (a[k] !== undefined && !known.includes(k)) throw new TypeError(`${fn}: unknown argument '${k}' (expected ${known.join(', ')})`);
  }
  return a;
}

/** A [B] or [B, T] style leading spec from the rank of x: `rank` counts the non-time axes of x. */
function timeAxis(s: Shapes, fn: string, x: unknown, inner: readonly Dim[]): Dim[] {
  const r = s.rank('x', x);
  if (r === inner.length + 1) {
    s.bind('T', 1);
    return ['B'];
  }
  if (r === inner.length + 2) return ['B', 'T'];
  const names = inner.join(', ');
  throw new RangeError(`${fn}: x: expected shape [B, ${names}] or [B, T, ${names}], got rank ${r}`);
}

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
  const out = checkOutput(fn, 'out', a.out, x.shape, {
    tensor: true,
    disjointFrom: { state: state.data, x: x.data, dt: dt.data, A: A.data, B: B.data, C: C.data, D: D?.data, z: z?.data, dtBias: dtBias?.data },
  });
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
  const out = checkOutput(fn, 'out', a.out, x.shape, {
    tensor: true,
    disjointFrom: { convState: convState.data, x: x.data, weight: weight.data, bias: bias?.data },
  });
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
  const out = checkOutput(fn, 'out', a.out, x.shape, {
    tensor: true,
    disjointFrom: { h: h.data, x: x.data, gateX: gateX.data, gateA: gateA.data, a: aw.data },
  });
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
