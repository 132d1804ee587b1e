/**
 * Public API of the recurrent-b kernels (SPEC §6-9): RetNet's rotary theta shift and fused retention
 * step, and the xLSTM sLSTM and mLSTM cells. Each state kernel updates a slot-indexed pool in place and
 * accepts either one step ([B, ...]) or T steps ([B, T, ...]) per call.
 */
import type { BackendName, CallOptions } from '../backend.js';
import { createPool } from '../pool.js';
import type { AnyArray, Tensor } from '../tensor.js';
import { asVector, checkFinite, checkInt, checkNoAlias, checkObject, checkOutput, checkSlots, Shapes } from '../validate.js';
import { defineKernel } from './define.js';
import type { MlstmStepPlan, RetentionStepPlan, RotaryPlan, SlstmStepPlan } from './recurrent-b-plans.js';

function options(fn: string, value: unknown): Record<string, unknown> {
  return checkObject(`${fn}: options`, value);
}

/** The time axis is optional: a tensor of rank `base` is one step, rank `base + 1` carries [B, T, ...]. */
function timeForm(fn: string, s: Shapes, name: string, value: unknown, base: number): boolean {
  const rank = s.rank(name, value);
  if (rank !== base && rank !== base + 1) {
    throw new RangeError(`${fn}: ${name}: expected rank ${base} (one step) or ${base + 1} (with a time axis [B, T, ...]), got rank ${rank}`);
  }
  return rank === base + 1;
}

/** A symbolic spec with the time axis inserted after the batch axis when `timed`. */
const dims = (timed: boolean, rest: (string | number)[]): (string | number)[] => (timed ? ['B', 'T', ...rest] : ['B', ...rest]);

/** State tensors are written in place: none may overlap another argument. */
function checkStateAlias(fn: string, states: Record<string, AnyArray>, inputs: Record<string, AnyArray | undefined>): void {
  const names = Object.keys(states);
  names.forEach((name, i) => {
    const rest = Object.fromEntries(names.slice(i + 1).map((n) => [n, states[n]]));
    checkNoAlias(fn, name, states[name], { ...inputs, ...rest });
  });
}

const backendOf = (o: Record<string, unknown>) => o.backend as BackendName | undefined;

// ---------------------------------------------------------------------------------------------------
/** torchscale's RetNet angle: 1 / 10000^linspace(0, 1, Dh/2), each value repeated twice (float32). */
export function retnetAngle(headDim: number): Float32Array {
  const Dh = checkInt('retnetAngle: headDim', headDim, 2);
  if (Dh % 2) throw new RangeError(`retnetAngle: headDim: expected an even size, got ${Dh}`);
  const half = Dh / 2;
  const angle = new Float32Array(Dh);
  // Computed in float64 and rounded once, as the golden cases' angles are.
  for (let i = 0; i < half; i++) {
    const x = half === 1 ? 0 : i / (half - 1);
    angle[2 * i] = angle[2 * i + 1] = Math.fround(1 / 10000 ** x);
  }
  return angle;
}

export interface RotaryOptions extends CallOptions {
  /** x [B, H, Dh] or [B, T, H, Dh]. */
  x: Tensor;
  /** int32 [B] (or [B, T] with a time axis): the position of each row (step). */
  positions: Tensor<Int32Array>;
  /** [Dh], e.g. retnetAngle(Dh). */
  angle: Tensor | Float32Array;
  /** Caller-provided output, same shape as x. */
  out?: Float32Array;
}

const rotaryKernel = defineKernel('rotary', (opts: RotaryOptions) => {
  const fn = 'rotary';
  const o = options(fn, opts);
  const s = new Shapes(fn);
  const timed = timeForm(fn, s, 'x', o.x, 3);
  const x = s.tensor('x', o.x, 'float32', dims(timed, ['H', 'Dh']));
  if (s.dim('Dh') % 2) throw new RangeError(`${fn}: x: the head size Dh must be even (rotation pairs), got ${s.dim('Dh')}`);
  const positions = s.tensor('positions', o.positions, 'int32', dims(timed, []));
  const angle = s.tensor('angle', asVector(o.angle), 'float32', ['Dh']);
  const B = s.dim('B'), T = timed ? s.dim('T') : 1, H = s.dim('H'), Dh = s.dim('Dh');
  const y = checkOutput(fn, 'options.out', o.out, [...x.shape], { disjointFrom: { x: x.data, positions: positions.data, angle: angle.data } });
  const plan: RotaryPlan = { x: x.data, positions: positions.data, angle: angle.data, B, T, H, Dh, y: y.data };
  return { plan, result: y, backend: backendOf(o) };
});

/** RetNet's theta shift (SPEC §6): y = x*cos(pos*angle) + rotate_every_two(x)*sin(pos*angle). */
export const rotary = rotaryKernel.sync;
export const rotaryAsync = rotaryKernel.async;

// ---------------------------------------------------------------------------------------------------
export interface RetentionState {
  /** [S, H, Dk, Dv] */
  S: Tensor;
  /** [S, H] */
  scales: Tensor;
  /** int32 [S]: the position of each slot's next step. */
  offsets: Tensor<Int32Array>;
}

/** A fresh retention pool: S, scales and offsets zero. */
export function createRetentionState(poolSize: number, dims: { heads: number; keyDim: number; valueDim: number }): RetentionState {
  const d = checkObject('createRetentionState: dims', dims);
  const H = checkInt('createRetentionState: dims.heads', d.heads);
  const Dk = checkInt('createRetentionState: dims.keyDim', d.keyDim);
  const Dv = checkInt('createRetentionState: dims.valueDim', d.valueDim);
  const pool = createPool({ S: { shape: [H, Dk, Dv] }, scales: { shape: [H] }, offsets: { shape: [], dtype: 'int32' } }, poolSize);
  return { S: pool.S, scales: pool.scales, offsets: pool.offsets };
}

export interface RetentionStepOptions extends CallOptions, RetentionState {
  /** [B, H, Dk] or [B, T, H, Dk] */
  q: Tensor;
  k: Tensor;
  /** [B, H, Dv] or [B, T, H, Dv] */
  v: Tensor;
  /** [H]: the decay gamma of each head (not its log). */
  decay: Tensor | Float32Array;
  /** [Dk]: rotary angle; without it q and k are not rotated. */
  angle?: Tensor | Float32Array;
  /** Scale of k (default 1/sqrt(Dk)). */
  kScale?: number;
  /** int32 [B]: pool row of each batch row (negative = padding). */
  slots?: Int32Array | Tensor<Int32Array>;
  /** Caller-provided output [B, (T,) H, Dv]. */
  out?: Float32Array;
}

const retentionStepKernel = defineKernel('retentionStep', (opts: RetentionStepOptions) => {
  const fn = 'retentionStep';
  const o = options(fn, opts);
  const s = new Shapes(fn);
  const S = s.tensor('S', o.S, 'float32', ['Sl', 'H', 'Dk', 'Dv']);
  const scales = s.tensor('scales', o.scales, 'float32', ['Sl', 'H']);
  const offsets = s.tensor('offsets', o.offsets, 'int32', ['Sl']);
  const timed = timeForm(fn, s, 'q', o.q, 3);
  const q = s.tensor('q', o.q, 'float32', dims(timed, ['H', 'Dk']));
  const k = s.tensor('k', o.k, 'float32', dims(timed, ['H', 'Dk']));
  const v = s.tensor('v', o.v, 'float32', dims(timed, ['H', 'Dv']));
  const decay = s.tensor('decay', asVector(o.decay), 'float32', ['H']);
  const angle = s.optional('angle', asVector(o.angle), 'float32', ['Dk']);
  if (angle && s.dim('Dk') % 2) throw new RangeError(`${fn}: angle: rotary needs an even key size Dk, got ${s.dim('Dk')}`);
  const Dk = s.dim('Dk');
  const kScale = o.kScale === undefined ? 1 / Math.sqrt(Dk) : checkFinite(`${fn}: options.kScale`, o.kScale);
  const B = s.dim('B'), T = timed ? s.dim('T') : 1, H = s.dim('H'), Dv = s.dim('Dv'), poolSize = s.dim('Sl');
  const slots = checkSlots(fn, o.slots, B, poolSize);
  const inputs = { q: q.data, k: k.data, v: v.data, decay: decay.data, angle: angle?.data, slots };
  checkStateAlias(fn, { S: S.data, scales: scales.data, offsets: offsets.data }, inputs);
  const out = checkOutput(fn, 'options.out', o.out, timed ? [B, T, H, Dv] : [B, H, Dv], {
    disjointFrom: { ...inputs, S: S.data, scales: scales.data, offsets: offsets.data },
  });
  const plan: RetentionStepPlan = {
    S: S.data, scales: scales.data, offsets: offsets.data, q: q.data, k: k.data, v: v.data, decay: decay.data,
    angle: angle?.data, kScale, slots, poolSize, B, T, H, Dk, Dv, o: out.data,
  };
  return { plan, result: out, backend: backendOf(o) };
});

/** One (or T) RetNet recurrent steps with rotary fused (SPEC §7); returns o [B, (T,) H, Dv]. */
export const retentionStep = retentionStepKernel.sync;
export const retentionStepAsync = retentionStepKernel.async;

// ---------------------------------------------------------------------------------------------------
export interface SlstmState {
  /** Each [S, NH*DH]. */
  y: Tensor;
  c: Tensor;
  n: Tensor;
  m: Tensor;
}

/** A fresh sLSTM pool: y = c = n = 0, m = -inf. */
export function createSlstmState(poolSize: number, dims: { heads: number; headDim: number }): SlstmState {
  const d = checkObject('createSlstmState: dims', dims);
  const width = checkInt('createSlstmState: dims.heads', d.heads) * checkInt('createSlstmState: dims.headDim', d.headDim);
  const pool = createPool({ y: { shape: [width] }, c: { shape: [width] }, n: { shape: [width] }, m: { shape: [width], fill: -Infinity } }, poolSize);
  return { y: pool.y, c: pool.c, n: pool.n, m: pool.m };
}

export interface SlstmStepOptions extends CallOptions, SlstmState {
  /** [B, 4, NH*DH] or [B, T, 4, NH*DH]: input parts of the gates i, f, z, o. */
  wx: Tensor;
  /** [4, NH, DH, DH], nn.Linear orientation. */
  R: Tensor;
  /** [4, NH*DH] */
  rBias?: Tensor;
  /** Default 1e-6. */
  eps?: number;
  slots?: Int32Array | Tensor<Int32Array>;
  /** Caller-provided output [B, (T,) NH*DH]. */
  out?: Float32Array;
}

const slstmStepKernel = defineKernel('slstmStep', (opts: SlstmStepOptions) => {
  const fn = 'slstmStep';
  const o = options(fn, opts);
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
    ...states, wx: wx.data, R: R.data, rBias: rBias?.data, eps, slots, poolSize, B, T, NH, DH, h: out.data,
  };
  return { plan, result: out, backend: backendOf(o) };
});

/** One (or T) sLSTM steps with the block-diagonal recurrence fused (SPEC §8); returns h [B, (T,) NH*DH]. */
export const slstmStep = slstmStepKernel.sync;
export const slstmStepAsync = slstmStepKernel.async;

// ---------------------------------------------------------------------------------------------------
export interface MlstmState {
  /** [S, NH, DK, DV] */
  C: Tensor;
  /** [S, NH, DK] */
  n: Tensor;
  /** [S, NH] */
  m: Tensor;
}

/** A fresh mLSTM pool: all zeros. */
export function createMlstmState(poolSize: number, dims: { heads: number; keyDim: number; valueDim: number }): MlstmState {
  const d = checkObject('createMlstmState: dims', dims);
  const NH = checkInt('createMlstmState: dims.heads', d.heads);
  const DK = checkInt('createMlstmState: dims.keyDim', d.keyDim);
  const DV = checkInt('createMlstmState: dims.valueDim', d.valueDim);
  const pool = createPool({ C: { shape: [NH, DK, DV] }, n: { shape: [NH, DK] }, m: { shape: [NH] } }, poolSize);
  return { C: pool.C, n: pool.n, m: pool.m };
}

export interface MlstmStepOptions extends CallOptions, MlstmState {
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
  slots?: Int32Array | Tensor<Int32Array>;
  /** Caller-provided output [B, (T,) NH, DV]. */
  out?: Float32Array;
}

const mlstmStepKernel = defineKernel('mlstmStep', (opts: MlstmStepOptions) => {
  const fn = 'mlstmStep';
  const o = options(fn, opts);
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
    ...states, q: q.data, k: k.data, v: v.data, iPre: iPre.data, fPre: fPre.data, eps, slots, poolSize, B, T, NH, DK, DV, h: out.data,
  };
  return { plan, result: out, backend: backendOf(o) };
});

/** One (or T) mLSTM steps (SPEC §9); returns h [B, (T,) NH, DV]. */
export const mlstmStep = mlstmStepKernel.sync;
export const mlstmStepAsync = mlstmStepKernel.async;
