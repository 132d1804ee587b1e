/**
 * Fuzz specs of the RetNet kernels (SPEC §6, §7): rotary and the retention step, over padded and shuffled
 * slots, pools larger than the batch, 1-3 time steps and the optional inputs.
 */
import * as fc from 'fast-check';
import { ints, input, lead, maybe, poolState, scaledTolerance, stateShape, withSlots } from '../arbitraries.js';
import type { FuzzCase, FuzzSpec } from '../types.js';

const rotary: FuzzSpec = {
  kernel: 'rotary',
  arbitrary: () =>
    fc.record({ s: stateShape(), H: fc.integer({ min: 1, max: 4 }), half: fc.integer({ min: 1, max: 20 }) }).chain(({ s, H, half }) =>
      fc.record({ x: input([...lead(s), H, 2 * half], -3, 3), positions: ints(lead(s), 0, 1 << 20), angle: input([2 * half], 0, 1) })
        .map((inp): FuzzCase => ({ inputs: inp, params: {} })),
    ),
  tolerance: (_c, want) => scaledTolerance(want, 2e-4, 2e-5),
};

const retentionStep: FuzzSpec = {
  kernel: 'retention_step',
  arbitrary: () =>
    fc.record({ s: stateShape(), H: fc.integer({ min: 1, max: 3 }), halfK: fc.integer({ min: 1, max: 10 }), Dv: fc.integer({ min: 1, max: 20 }), kScale: fc.boolean() })
      .chain(({ s, H, halfK, Dv, kScale }) => {
        const Dk = 2 * halfK;
        return fc.record({
          S: poolState([s.S, H, Dk, Dv], -2, 2, 0), scales: poolState([s.S, H], 0, 10, 0), offsets: ints([s.S], 0, 5000),
          q: input([...lead(s), H, Dk], -2, 2), k: input([...lead(s), H, Dk], -2, 2), v: input([...lead(s), H, Dv], -2, 2),
          decay: input([H], 0.5, 0.999), angle: maybe(input([Dk], 0, 1)),
        }).map((inp): FuzzCase => ({ inputs: withSlots(s, inp), params: kScale ? { k_scale: 1 / Math.sqrt(Dk) } : {} }));
      }),
  tolerance: (_c, want) => scaledTolerance(want, 5e-4, 5e-5),
};

export const specs: FuzzSpec[] = [rotary, retentionStep];
