/**
 * Public API of the RetNet kernels: the rotary theta shift (SPEC §6) and the fused retention step (§7).
 * The retention step updates a slot-indexed pool in place and accepts either one step ([B, ...]) or T
 * steps ([B, T, ...]) per call.
 */
import type { CallOptions } from '../backend-contract.js';
import type { Tensor } from '../tensor.js';
import { asVector, checkFinite, checkInt, checkOutput, checkSlots, Shapes } from '../validate.js';
import { defineKernel } from './define.js';
import type { RetentionState } from './retnet-pools.js';
import type { RetentionStepPlan, RotaryPlan } from './retnet-plans.js';
import { argsObject, backendOf, checkStateAlias, dims, timeForm, type PoolStepOptions } from './step-args.js';

const ROTARY_KEYS = ['x', 'positions', 'angle', 'out', 'backend'] as const;
const RETENTION_KEYS = ['S', 'scales', 'offsets', 'q', 'k', 'v', 'decay', 'angle', 'kScale', 'slots', 'out', 'backend'] as const;

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
  const o = argsObject(fn, opts, ROTARY_KEYS);
  const s = new Shapes(fn);
  const timed = timeForm(fn, s, 'x', o.x, 3);
  const x = s.tensor('x', o.x, 'float32', dims(timed, ['H', 'Dh']));
  if (s.dim('Dh') % 2) throw new RangeError(`${fn}: x: the head size Dh must be even (rotation pairs), got ${s.dim('Dh')}`);
  const positions = s.tensor('positions', o.positions, 'int32', dims(timed, []));
  const angle = s.tensor('angle', asVector(o.angle), 'float32', ['Dh']);
  const B = s.dim('B'), T = timed ? s.dim('T') : 1, H = s.dim('H'), Dh = s.dim('Dh');
  const y = checkOutput(fn, 'options.out', o.out, [...x.shape], { disjointFrom: { x: x.data, positions: positions.data, angle: angle.data } });
  const plan: RotaryPlan = {
    x: x.data, positions: positions.data, angle: angle.data, batch: B, steps: T, heads: H, headDim: Dh, y: y.data,
  };
  return { plan, result: y, backend: backendOf(o) };
});

/** RetNet's theta shift (SPEC §6): y = x*cos(pos*angle) + rotate_every_two(x)*sin(pos*angle). */
export const rotary = rotaryKernel.sync;
export const rotaryAsync = rotaryKernel.async;

// ---------------------------------------------------------------------------------------------------
/** The output is o [B, (T,) H, Dv]. */
export interface RetentionStepOptions extends PoolStepOptions, RetentionState {
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
}

const retentionStepKernel = defineKernel('retentionStep', (opts: RetentionStepOptions) => {
  const fn = 'retentionStep';
  const o = argsObject(fn, opts, RETENTION_KEYS);
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
    angle: angle?.data, kScale, slots, poolSize, batch: B, steps: T, heads: H, keyDim: Dk, valueDim: Dv, o: out.data,
  };
  return { plan, result: out, backend: backendOf(o) };
});

/** One (or T) RetNet recurrent steps with rotary fused (SPEC §7); returns o [B, (T,) H, Dv]. */
export const retentionStep = retentionStepKernel.sync;
export const retentionStepAsync = retentionStepKernel.async;
