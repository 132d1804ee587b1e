/**
 * The hackathon's RetNet layer for B symbols × T steps: one fused q|k|v|g projection, the retention
 * step (rotary at each slot's offset, k scaled by head_size^-0.5, decay gamma, scales recurrence),
 * per-head RMSNorm (eps 1e-6, no affine), SiLU(g) gate and out_proj.
 */
import type { Dims } from '../config.js';
import { linear, retentionStep, rmsNorm, silu } from '../kernels.js';
import { columns, concatRows, mulInPlace } from '../rows.js';
import { param, type Weights } from '../weights.js';
import { flat, int32State, perGroup, type LayerState, type Param, type StepContext } from './context.js';

export interface RetNetWeights {
  qkvg: Param;
  outProj: Param;
  decay: Float32Array;
  angle: Float32Array;
}

export function prepareRetNet(w: Weights, p: string, d: Dims): RetNetWeights {
  const names = ['q_proj', 'k_proj', 'v_proj', 'g_proj'];
  return {
    qkvg: { data: concatRows(names.map((n) => param(w, `${p}.${n}.weight`).data)), shape: [4 * d.hidden, d.hidden] },
    outProj: param(w, `${p}.out_proj.weight`),
    decay: param(w, `${p}.decay`).data,
    angle: param(w, `${p}.angle`).data,
  };
}

export function retnetStep(wt: RetNetWeights, st: LayerState, x: Float32Array, ctx: StepContext, d: Dims): Float32Array {
  const h = d.hidden, H = d.retHeads, Dh = d.retHeadSize, n = ctx.tokens;
  const opt = { backend: ctx.backend };
  const proj = linear(flat(ctx, x, h), wt.qkvg, opt).data;
  const [q, k, v, g] = [0, 1, 2, 3].map((i) => columns(proj, n, 4 * h, i * h, h));
  const o = perGroup(ctx, [H, Dh], (g, view, out) =>
    retentionStep({
      S: st.S, scales: st.scales, offsets: int32State(st, 'offsets'), q: view(q, H, Dh), k: view(k, H, Dh), v: view(v, H, Dh),
      decay: wt.decay, angle: wt.angle, kScale: Dh ** -0.5, slots: g.slots, out, ...opt,
    }),
  );
  const normed = rmsNorm({ data: o, shape: [n * H, Dh] }, { eps: 1e-6, ...opt }).data;
  const gated = mulInPlace(silu(flat(ctx, g, h), opt).data, normed);
  return linear(flat(ctx, gated, h), wt.outProj, opt).data;
}
