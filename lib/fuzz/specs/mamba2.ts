/**
 * Fuzz specs of the Mamba2 kernels (SPEC §4, §5): selective state update and causal conv1d update, over
 * padded and shuffled slots, pools larger than the batch, 1-3 time steps and the optional inputs and
 * parameter forms of each.
 */
import * as fc from 'fast-check';
import { input, lead, maybe, scaledTolerance, stateShape, withSlots } from '../arbitraries.js';
import type { FuzzCase, FuzzSpec } from '../types.js';

const selectiveStateUpdate: FuzzSpec = {
  kernel: 'selective_state_update',
  arbitrary: () =>
    fc.record({
      s: stateShape(), G: fc.integer({ min: 1, max: 2 }), perGroup: fc.integer({ min: 1, max: 3 }), P: fc.integer({ min: 1, max: 9 }),
      N: fc.integer({ min: 1, max: 20 }), dtPerDim: fc.boolean(), aFull: fc.boolean(), softplus: fc.boolean(),
    }).chain(({ s, G, perGroup, P, N, dtPerDim, aFull, softplus }) => {
      const H = G * perGroup, L = lead(s);
      const dtShape = dtPerDim ? [...L, H, P] : [...L, H];
      const paramShape = dtPerDim ? [H, P] : [H];
      return fc.record({
        state: input([s.S, H, P, N], -2, 2), x: input([...L, H, P], -2, 2),
        // Without softplus, dt is the step itself and must be positive.
        dt: softplus ? input(dtShape, -4, 2) : input(dtShape, 0.001, 1),
        A: input(aFull ? [H, P, N] : [H], -3, -0.05), B: input([...L, G, N], -2, 2), C: input([...L, G, N], -2, 2),
        D: maybe(input(paramShape, -1, 1)), z: maybe(input([...L, H, P], -3, 3)), dt_bias: maybe(input(paramShape, -1, 1)),
      }).map((inp): FuzzCase => ({ inputs: withSlots(s, inp), params: { dt_softplus: softplus } }));
    }),
  tolerance: (_c, want) => scaledTolerance(want, 2e-4, 2e-5),
};

const causalConv1dUpdate: FuzzSpec = {
  kernel: 'causal_conv1d_update',
  arbitrary: () =>
    fc.record({ s: stateShape(), C: fc.integer({ min: 1, max: 40 }), W: fc.integer({ min: 1, max: 5 }), extra: fc.integer({ min: 0, max: 3 }), silu: fc.boolean() })
      .chain(({ s, C, W, extra, silu }) => {
        const Lw = Math.max(1, W - 1 + extra);
        return fc.record({
          x: input([...lead(s), C], -3, 3), conv_state: input([s.S, C, Lw], -3, 3), weight: input([C, W], -1, 1), bias: maybe(input([C], -1, 1)),
        }).map((inp): FuzzCase => ({ inputs: withSlots(s, inp), params: { activation: silu ? 'silu' : 'none' } }));
      }),
  // The new state is a shifted copy of the inputs: exact.
  tolerance: (_c, want) => scaledTolerance(want, 2e-4, 2e-5, ['conv_state']),
};

export const specs: FuzzSpec[] = [selectiveStateUpdate, causalConv1dUpdate];
