/**
 * Fuzz specs of the recurrent-b kernels (SPEC §6-9): rotary, RetNet retention step, xLSTM sLSTM and
 * mLSTM steps, over padded and shuffled slots, pools larger than the batch, 1-3 time steps, fresh
 * states (sLSTM m = -inf, mLSTM all zero) and the optional inputs.
 */
import * as fc from 'fast-check';
import { f32, i32, input, lead, maybe, numel, scaledTolerance, stateShape, withSlots } from '../arbitraries.js';
import type { FuzzCase, FuzzSpec } from '../types.js';
import type { StoredTensor } from '../../safetensors.js';

const ints = (shape: number[], lo: number, hi: number): fc.Arbitrary<StoredTensor> =>
  fc.int32Array({ minLength: numel(shape), maxLength: numel(shape), min: lo, max: hi }).map((d) => i32(d, shape));

/** A fresh pool state (every slot at `value`) or a random one. */
const state = (shape: number[], lo: number, hi: number, fresh: number): fc.Arbitrary<StoredTensor> =>
  fc.oneof({ weight: 1, arbitrary: fc.constant(f32(new Float32Array(numel(shape)).fill(fresh), shape)) }, { weight: 3, arbitrary: input(shape, lo, hi) });

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
          S: state([s.S, H, Dk, Dv], -2, 2, 0), scales: state([s.S, H], 0, 10, 0), offsets: ints([s.S], 0, 5000),
          q: input([...lead(s), H, Dk], -2, 2), k: input([...lead(s), H, Dk], -2, 2), v: input([...lead(s), H, Dv], -2, 2),
          decay: input([H], 0.5, 0.999), angle: maybe(input([Dk], 0, 1)),
        }).map((inp): FuzzCase => ({ inputs: withSlots(s, inp), params: kScale ? { k_scale: 1 / Math.sqrt(Dk) } : {} }));
      }),
  tolerance: (_c, want) => scaledTolerance(want, 5e-4, 5e-5),
};

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
          C: state([s.S, NH, DK, DV], -2, 2, 0), n: state([s.S, NH, DK], -2, 2, 0), m: state([s.S, NH], -3, 3, 0),
          q: input([...lead(s), NH, DK], -2, 2), k: input([...lead(s), NH, DK], -2, 2), v: input([...lead(s), NH, DV], -2, 2),
          i_pre: input([...lead(s), NH], -4, 4), f_pre: input([...lead(s), NH], -4, 6),
        }).map((inp): FuzzCase => ({ inputs: withSlots(s, inp), params: { eps: 1e-6 } })),
      ),
  tolerance: (_c, want) => scaledTolerance(want, 5e-4, 5e-5),
};

export const specs: FuzzSpec[] = [rotary, retentionStep, slstmStep, mlstmStep];
