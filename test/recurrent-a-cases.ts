/**
 * Random cases of the recurrent-a kernels for the property tests: fast-check draws the shapes and a
 * seed, the seed fills the tensors. Each builder returns a function making fresh args (with their own
 * copies of the state pool), so one case can run on several backends.
 */
import fc from 'fast-check';
import type { BlockLinearOptions, CausalConv1dUpdateArgs, RglruStepArgs, SelectiveStateUpdateArgs } from '../lib/kernels/recurrent-a.js';
import type { Tensor } from '../lib/tensor.js';
import { firstMismatch, randomSlots, randomTensor, rng } from './helpers.js';

/** The values an arbitrary draws. */
export type Drawn<A> = A extends fc.Arbitrary<infer R> ? R : never;

const copy = <T extends Tensor<any>>(t: T): T => ({ ...t, data: t.data.slice() });

/** The shape of x's leading axes: [B] for a single step (when allowed), else [B, T]. */
const lead = (batch: number, steps: number, timeAxis: boolean) => (timeAxis || steps > 1 ? [batch, steps] : [batch]);

export interface Case<A> {
  /** Fresh args, each call with its own copy of the pool. */
  make(): A;
  /** Pool rows the call may change (named by a non-negative slot). */
  touched: Set<number>;
  steps: number;
  timeAxis: boolean;
}

function finish<A>(make: () => A, slots: Int32Array, steps: number, timeAxis: boolean): Case<A> {
  return { make, touched: new Set([...slots].filter((s) => s >= 0)), steps, timeAxis };
}

// ---------------------------------------------------------------------------------------------------
export const ssuShape = fc.record({
  batch: fc.integer({ min: 1, max: 4 }), extraPool: fc.integer({ min: 0, max: 3 }), steps: fc.integer({ min: 1, max: 4 }),
  timeAxis: fc.boolean(), groups: fc.integer({ min: 1, max: 3 }), headsPerGroup: fc.integer({ min: 1, max: 3 }),
  headDim: fc.integer({ min: 1, max: 9 }), dState: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 120, max: 140 })),
  dtPerDim: fc.boolean(), aFull: fc.boolean(), D: fc.constantFrom(0, 1, 2), z: fc.boolean(), dtBias: fc.constantFrom(0, 1, 2),
  dtSoftplus: fc.boolean(), padding: fc.boolean(), seed: fc.integer(),
});

export function ssuCase(s: Drawn<typeof ssuShape>): Case<SelectiveStateUpdateArgs> {
  const rand = rng(s.seed);
  const H = s.groups * s.headsPerGroup, P = s.headDim, N = s.dState, G = s.groups, pool = s.batch + s.extraPool;
  const l = lead(s.batch, s.steps, s.timeAxis);
  const state = randomTensor(rand, [pool, H, P, N]);
  const x = randomTensor(rand, [...l, H, P]);
  const dt = s.dtSoftplus ? randomTensor(rand, s.dtPerDim ? [...l, H, P] : [...l, H], -3, 3) : randomTensor(rand, s.dtPerDim ? [...l, H, P] : [...l, H], 0, 0.5);
  const A = randomTensor(rand, s.aFull ? [H, P, N] : [H], -2, -0.1);
  const B = randomTensor(rand, [...l, G, N]), C = randomTensor(rand, [...l, G, N]);
  const D = s.D ? randomTensor(rand, s.D === 1 ? [H] : [H, P]) : undefined;
  const z = s.z ? randomTensor(rand, [...l, H, P], -3, 3) : undefined;
  const dtBias = s.dtBias ? randomTensor(rand, s.dtBias === 1 ? [H] : [H, P], -0.5, 0.5) : undefined;
  const slots = randomSlots(rand, s.batch, pool, s.padding);
  return finish(() => ({ state: copy(state), x, dt, A, B, C, D, z, dtBias, dtSoftplus: s.dtSoftplus, slots }), slots, s.steps, s.timeAxis);
}

// ---------------------------------------------------------------------------------------------------
export const convShape = fc.record({
  batch: fc.integer({ min: 1, max: 4 }), extraPool: fc.integer({ min: 0, max: 3 }), steps: fc.integer({ min: 1, max: 4 }),
  timeAxis: fc.boolean(), channels: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 250, max: 300 })),
  width: fc.integer({ min: 1, max: 5 }), extraLength: fc.integer({ min: 0, max: 3 }), bias: fc.boolean(), silu: fc.boolean(),
  padding: fc.boolean(), seed: fc.integer(),
});

export function convCase(s: Drawn<typeof convShape>): Case<CausalConv1dUpdateArgs> {
  const rand = rng(s.seed);
  const Cn = s.channels, W = s.width, L = Math.max(1, W - 1 + s.extraLength), pool = s.batch + s.extraPool;
  const l = lead(s.batch, s.steps, s.timeAxis);
  const convState = randomTensor(rand, [pool, Cn, L]);
  const x = randomTensor(rand, [...l, Cn]);
  const weight = randomTensor(rand, [Cn, W]);
  const bias = s.bias ? randomTensor(rand, [Cn]) : undefined;
  const slots = randomSlots(rand, s.batch, pool, s.padding);
  const activation = s.silu ? 'silu' as const : 'none' as const;
  return finish(() => ({ convState: copy(convState), x, weight, bias, activation, slots }), slots, s.steps, s.timeAxis);
}

// ---------------------------------------------------------------------------------------------------
export const rglruShape = fc.record({
  batch: fc.integer({ min: 1, max: 4 }), extraPool: fc.integer({ min: 0, max: 3 }), steps: fc.integer({ min: 1, max: 4 }),
  timeAxis: fc.boolean(), width: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 500, max: 1100 })),
  softplus: fc.boolean(), c: fc.constantFrom(undefined, 1, 8, 12.5), reset: fc.boolean(), padding: fc.boolean(), seed: fc.integer(),
});

export function rglruCase(s: Drawn<typeof rglruShape>): Case<RglruStepArgs> {
  const rand = rng(s.seed);
  const W = s.width, pool = s.batch + s.extraPool;
  const l = lead(s.batch, s.steps, s.timeAxis);
  const h = randomTensor(rand, [pool, W]);
  const x = randomTensor(rand, [...l, W]), gateX = randomTensor(rand, [...l, W], -4, 4), gateA = randomTensor(rand, [...l, W], -4, 4);
  const a = s.softplus ? randomTensor(rand, [W], -3, 3) : randomTensor(rand, [W], 0.05, 1);
  const reset = s.reset ? { data: Uint8Array.from({ length: l[0] * (l[1] ?? 1) }, () => (rand() < 0.3 ? 1 : 0)), shape: l } : undefined;
  const slots = randomSlots(rand, s.batch, pool, s.padding);
  const aParam = s.softplus ? 'softplus' as const : 'direct' as const;
  return finish(() => ({ h: copy(h), x, gateX, gateA, a, c: s.c, aParam, reset, slots }), slots, s.steps, s.timeAxis);
}

// ---------------------------------------------------------------------------------------------------
export const blockLinearShape = fc.record({
  rows: fc.integer({ min: 1, max: 9 }), outer: fc.constantFrom(0, 1, 2), blocks: fc.integer({ min: 1, max: 4 }),
  blockIn: fc.integer({ min: 1, max: 40 }), blockOut: fc.integer({ min: 1, max: 20 }), bias: fc.boolean(), seed: fc.integer(),
});

export function blockLinearCase(s: Drawn<typeof blockLinearShape>): { x: Tensor; weight: Tensor; opts: BlockLinearOptions } {
  const rand = rng(s.seed);
  const x = randomTensor(rand, [...(s.outer ? [s.outer] : []), s.rows, s.blocks * s.blockIn]);
  const weight = randomTensor(rand, [s.blocks, s.blockOut, s.blockIn]);
  return { x, weight, opts: { bias: s.bias ? randomTensor(rand, [s.blocks * s.blockOut]) : undefined } };
}

/** The first value violating |got - want| <= atol + rtol*|want|, or undefined when all pass. */
export function closeTo(got: Float32Array, want: Float32Array, atol = 1e-4, rtol = 1e-3): string | undefined {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  const i = firstMismatch(got, want, atol, rtol);
  return i < 0 ? undefined : `at ${i}: got ${got[i]}, want ${want[i]}`;
}
