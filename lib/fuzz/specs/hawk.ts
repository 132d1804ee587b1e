/**
 * Fuzz specs of the Hawk kernels (SPEC §10, §11): RG-LRU step and the block-diagonal linear layer, over
 * padded and shuffled slots, pools larger than the batch, 1-3 time steps and the parameter forms of each.
 */
import * as fc from 'fast-check';
import { input, lead, maybe, numel, scaledTolerance, stateShape, u8, withSlots } from '../arbitraries.js';
import type { FuzzCase, FuzzSpec } from '../types.js';

const rglruStep: FuzzSpec = {
  kernel: 'rglru_step',
  arbitrary: () =>
    fc.record({ s: stateShape(), W: fc.integer({ min: 1, max: 70 }), softplus: fc.boolean(), reset: fc.boolean() }).chain(({ s, W, softplus, reset }) =>
      fc.record({
        h: input([s.S, W], -2, 2), x: input([...lead(s), W], -3, 3), gate_x: input([...lead(s), W], -6, 6), gate_a: input([...lead(s), W], -6, 6),
        // direct: a in (0, 1]; softplus: any real (a_t = exp(-c*sigmoid(gate_a)*softplus(a))).
        a: softplus ? input([W], -4, 4) : input([W], 0.01, 1),
        reset: reset ? fc.uint8Array({ minLength: numel(lead(s)), maxLength: numel(lead(s)), max: 1 }).map((d) => u8(d, lead(s))) : fc.constant(undefined),
      }).map((inp): FuzzCase => ({ inputs: withSlots(s, inp), params: { c: 8, a_param: softplus ? 'softplus' : 'direct' } })),
    ),
  tolerance: (_c, want) => scaledTolerance(want, 2e-4, 2e-5),
};

const blockLinear: FuzzSpec = {
  kernel: 'block_linear',
  arbitrary: () =>
    fc.record({ B: fc.integer({ min: 1, max: 9 }), nb: fc.integer({ min: 1, max: 6 }), bo: fc.integer({ min: 1, max: 20 }), bi: fc.integer({ min: 1, max: 40 }) })
      .chain(({ B, nb, bo, bi }) =>
        fc.record({ x: input([B, nb * bi], -2, 2), weight: input([nb, bo, bi], -1, 1), bias: maybe(input([nb * bo], -1, 1)) })
          .map((inp): FuzzCase => ({ inputs: withSlots({ B, S: B, T: 0 }, inp), params: {} })),
      ),
  tolerance: (_c, want) => scaledTolerance(want, 2e-4, 2e-5),
};

export const specs: FuzzSpec[] = [rglruStep, blockLinear];
