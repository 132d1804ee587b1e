/** Random cases of the Hawk kernels for the property tests (see state-kernels.ts). */
import fc from 'fast-check';
import type { BlockLinearOptions, RglruStepArgs } from '../lib/kernels/hawk.js';
import type { Tensor } from '../lib/tensor.js';
import { randomSlots, randomTensor, rng } from './helpers.js';
import { copy, finish, lead, type Case, type Drawn } from './state-kernels.js';

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
