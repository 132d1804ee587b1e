/** Random cases of the Mamba2 kernels for the property tests (see state-kernels.ts). */
import fc from 'fast-check';
import type { CausalConv1dUpdateArgs, SelectiveStateUpdateArgs } from '../lib/kernels/mamba2.js';
import { randomSlots, randomTensor, rng } from './helpers.js';
import { copy, finish, lead, type Case, type Drawn } from './state-kernels.js';

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
