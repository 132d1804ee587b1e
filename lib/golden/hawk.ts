/** Golden adapters of the Hawk kernels (SPEC §10, §11): case inputs → public API. */
import { blockLinear, rglruStep } from '../kernels/hawk.js';
import { f32, i32, opt, u8, type GoldenAdapter } from './inputs.js';

export const hawkAdapters: Record<string, GoldenAdapter> = {
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
