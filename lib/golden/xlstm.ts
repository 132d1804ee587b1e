/** Golden adapters of the xLSTM kernels: `in.*` pools and inputs onto the public API (SPEC §8, §9). */
import { mlstmStep, slstmStep } from '../kernels/xlstm.js';
import { f32, i32, opt, type GoldenAdapter } from './inputs.js';

export const xlstmAdapters: Record<string, GoldenAdapter> = {
  slstm_step: {
    run(inp, params, backend) {
      const state = { y: f32(inp.y), c: f32(inp.c), n: f32(inp.n), m: f32(inp.m) };
      const h = slstmStep({
        ...state, wx: f32(inp.wx), R: f32(inp.R), rBias: opt(inp.r_bias, f32), eps: params.eps, slots: opt(inp.slots, i32), backend,
      });
      return { h, ...state };
    },
  },
  mlstm_step: {
    run(inp, params, backend) {
      const state = { C: f32(inp.C), n: f32(inp.n), m: f32(inp.m) };
      const h = mlstmStep({
        ...state, q: f32(inp.q), k: f32(inp.k), v: f32(inp.v), iPre: f32(inp.i_pre), fPre: f32(inp.f_pre), eps: params.eps,
        slots: opt(inp.slots, i32), backend,
      });
      return { h, ...state };
    },
  },
};
