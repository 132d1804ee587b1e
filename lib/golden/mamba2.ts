/** Golden adapters of the Mamba2 kernels (SPEC §4, §5): case inputs → public API. */
import { causalConv1dUpdate, selectiveStateUpdate } from '../kernels/mamba2.js';
import { f32, i32, opt, type GoldenAdapter } from './inputs.js';

export const mamba2Adapters: Record<string, GoldenAdapter> = {
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
};
