/**
 * Fuzz specs of the xLSTM kernels (SPEC §8, §9): sLSTM and mLSTM steps, over padded and shuffled slots,
 * pools larger than the batch, 1-3 time steps, fresh states (sLSTM m = -inf, mLSTM all zero) and the
 * optional inputs.
 */
import * as fc from 'fast-check';
import { f32, input, lead, maybe, poolState, scaledTolerance, stateShape, withSlots } from '../arbitraries.js';
import type { FuzzCase, FuzzSpec } from '../types.js';

const slstmStep: FuzzSpec = {
  kernel: 'slstm_step',
  arbitrary: () =>
    fc.record({ s: stateShape(), NH: fc.integer({ min: 1, max: 3 }), DH: fc.integer({ min: 1, max: 12 }), fresh: fc.boolean() }).chain(({ s, NH, DH, fresh }) => {
      const W = NH * DH;
      const st = (lo: number, hi: number, f: number) => (fresh ? fc.constant(f32(new Float32Array(s.S * W).fill(f), [s.S, W])) : input([s.S, W], lo, hi));
      return fc.record({
        y: st(-1, 1, 0), c: st(-2, 2, 0), n: st(0.1, 3, 0), m: st(-3, 3, -Infinity),
        wx: input([...lead(s), 4, W], -3, 3), R: input([4, NH, DH, DH], -0.5, 0.5), r_bias: maybe(input([4, W], -1, 1)),
      }).map((inp): FuzzCase => ({ inputs: withSlots(s, inp), params: { eps: 1e-6 } }));
    }),
  tolerance: (_c, want) => scaledTolerance(want, 5e-4, 5e-5),
};

const mlstmStep: FuzzSpec = {
  kernel: 'mlstm_step',
  arbitrary: () =>
    fc.record({ s: stateShape(), NH: fc.integer({ min: 1, max: 3 }), DK: fc.integer({ min: 1, max: 12 }), DV: fc.integer({ min: 1, max: 12 }) })
      .chain(({ s, NH, DK, DV }) =>
        fc.record({
          C: poolState([s.S, NH, DK, DV], -2, 2, 0), n: poolState([s.S, NH, DK], -2, 2, 0), m: poolState([s.S, NH], -3, 3, 0),
          q: input([...lead(s), NH, DK], -2, 2), k: input([...lead(s), NH, DK], -2, 2), v: input([...lead(s), NH, DV], -2, 2),
          i_pre: input([...lead(s), NH], -4, 4), f_pre: input([...lead(s), NH], -4, 6),
        }).map((inp): FuzzCase => ({ inputs: withSlots(s, inp), params: { eps: 1e-6 } })),
      ),
  tolerance: (_c, want) => scaledTolerance(want, 5e-4, 5e-5),
};

export const specs: FuzzSpec[] = [slstmStep, mlstmStep];
