/** Golden adapters of the recurrent-b kernels: `in.*` pools and inputs onto the public API (SPEC §6-9). */
import { mlstmStep, retentionStep, rotary, slstmStep } from '../kernels/recurrent-b.js';
import { f32, i32, opt, type GoldenAdapter } from './adapters.js';

export const recurrentBAdapters: Record<string, GoldenAdapter> = {
  rotary: {
    run(inp, _params, backend) {
      return { y: rotary({ x: f32(inp.x), positions: i32(inp.positions), angle: f32(inp.angle), backend }) };
    },
  },
  retention_step: {
    run(inp, params, backend) {
      const state = { S: f32(inp.S), scales: f32(inp.scales), offsets: i32(inp.offsets) };
      const o = retentionStep({
        ...state, q: f32(inp.q), k: f32(inp.k), v: f32(inp.v), decay: f32(inp.decay), angle: opt(inp.angle, f32),
        kScale: params.k_scale, slots: opt(inp.slots, i32), backend,
      });
      return { o, ...state };
    },
  },
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
