/** Golden adapters of the recurrent-a kernels (SPEC §4, §5, §10, §11): case inputs → public API. */
import { blockLinear, causalConv1dUpdate, rglruStep, selectiveStateUpdate } from '../kernels/recurrent-a.js';
import { f32, i32, opt, u8, type GoldenAdapter } from './adapters.js';

export const recurrentAAdapters: Record<string, GoldenAdapter> = {
  selective_state_update: {
    run(inp, params, backend) {
      const state = f32(inp.state);
      const out = selectiveStateUpdate({
        state, x: f32(inp.x), dt: f32(inp.dt), A: f32(inp.A), B: f32(inp.B), C: f32(inp.C), D: opt(inp.D, f32),
        z: opt(inp.z, f32), dtBias: opt(inp.dt_bias, f32), dtSoftplus: params.dt_softplus ?? false,
        slots: opt(inp.slots, i32), backend,
      });
      return { out, state };
    },
  },
  causal_conv1d_update: {
    run(inp, params, backend) {
      const convState = f32(inp.conv_state);
      const out = causalConv1dUpdate({
        x: f32(inp.x), convState, weight: f32(inp.weight), bias: opt(inp.bias, f32),
        activation: params.activation ?? 'none', slots: opt(inp.slots, i32), backend,
      });
      return { out, conv_state: convState };
    },
  },
  rglru_step: {
    run(inp, params, backend) {
      const h = f32(inp.h);
      const y = rglruStep({
        h, x: f32(inp.x), gateX: f32(inp.gate_x), gateA: f32(inp.gate_a), a: f32(inp.a), c: params.c,
        aParam: params.a_param, reset: opt(inp.reset, u8), slots: opt(inp.slots, i32), backend,
      });
      return { y, h };
    },
  },
  block_linear: {
    run(inp, _params, backend) {
      return { y: blockLinear(f32(inp.x), f32(inp.weight), { bias: opt(inp.bias, f32), backend }) };
    },
  },
};
