/** Golden adapters of the RetNet kernels: `in.*` pools and inputs onto the public API (SPEC §6, §7). */
import { retentionStep, rotary } from '../kernels/retnet.js';
import { f32, i32, opt, type GoldenAdapter } from './inputs.js';

export const retnetAdapters: Record<string, GoldenAdapter> = {
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
};
