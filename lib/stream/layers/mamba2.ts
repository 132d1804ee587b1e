/**
 * The hackathon's Mamba2 layer for B symbols × T steps: one fused projection (x | B | C | z | dt), one
 * causal conv with SiLU over the x|B|C channels (the model's three convs side by side), the selective
 * state update with dt bias + softplus, D skip and SiLU(z) gate fused, then RMSNorm (eps 1e-5) and
 * out_proj.
 */
import { MAMBA_HEAD_SIZE, MAMBA_STATE_SIZE, type Dims } from '../config.js';
import { causalConv1dUpdate, linear, rmsNorm, selectiveStateUpdate } from '../kernels.js';
import { columns, concatRows } from '../rows.js';
import { convWeight, param, type Weights } from '../weights.js';
import { flat, perGroup, type LayerState, type Param, type StepContext } from './context.js';

export interface Mamba2Weights {
  inProj: Param;
  inBias: Float32Array;
  convWeight: Param;
  convBias: Float32Array;
  A: Param;
  D: Param;
  normWeight: Float32Array;
  outProj: Param;
}

export function prepareMamba2(w: Weights, p: string, d: Dims): Mamba2Weights {
  const inner = d.mambaInner, N = MAMBA_STATE_SIZE, H = d.mambaHeads;
  const names = ['input_proj', 'b_proj', 'c_proj', 'z_proj', 'dt_proj'];
  const rows = 2 * inner + 2 * N + H;
  const inBias = new Float32Array(rows);
  inBias.set(param(w, `${p}.dt_proj.bias`).data, rows - H);
  const convs = ['input_conv', 'b_conv', 'c_conv'];
  return {
    inProj: { data: concatRows(names.map((n) => param(w, `${p}.${n}.weight`).data)), shape: [rows, d.hidden] },
    inBias,
    convWeight: { data: concatRows(convs.map((c) => convWeight(w, `${p}.${c}`).data)), shape: [inner + 2 * N, 4] },
    convBias: concatRows(convs.map((c) => param(w, `${p}.${c}.conv.bias`).data)),
    A: param(w, `${p}.a`),
    D: param(w, `${p}.d`),
    normWeight: param(w, `${p}.norm.weight`).data,
    outProj: param(w, `${p}.out_proj.weight`),
  };
}

export function mamba2Step(wt: Mamba2Weights, st: LayerState, x: Float32Array, ctx: StepContext, d: Dims): Float32Array {
  const inner = d.mambaInner, N = MAMBA_STATE_SIZE, H = d.mambaHeads, P = MAMBA_HEAD_SIZE, n = ctx.tokens;
  const opt = { backend: ctx.backend };
  const width = 2 * inner + 2 * N + H;
  const proj = linear(flat(ctx, x, d.hidden), wt.inProj, { bias: wt.inBias, ...opt }).data;
  const xbc = columns(proj, n, width, 0, inner + 2 * N);
  const z = columns(proj, n, width, inner + 2 * N, inner);
  const dt = columns(proj, n, width, 2 * inner + 2 * N, H);
  const conv = perGroup(ctx, [inner + 2 * N], (g, view, out) =>
    causalConv1dUpdate({ x: view(xbc, inner + 2 * N), convState: st.conv, weight: wt.convWeight, bias: wt.convBias, activation: 'silu', slots: g.slots, out, ...opt }),
  );
  const xs = columns(conv, n, inner + 2 * N, 0, inner);
  const Bm = columns(conv, n, inner + 2 * N, inner, N);
  const Cm = columns(conv, n, inner + 2 * N, inner + N, N);
  const y = perGroup(ctx, [H, P], (g, view, out) =>
    selectiveStateUpdate({
      state: st.ssm, x: view(xs, H, P), dt: view(dt, H), A: wt.A, B: view(Bm, 1, N), C: view(Cm, 1, N), D: wt.D, z: view(z, H, P),
      dtSoftplus: true, slots: g.slots, out, ...opt,
    }),
  );
  const normed = rmsNorm(flat(ctx, y, inner), { weight: wt.normWeight, eps: 1e-5, ...opt }).data;
  return linear(flat(ctx, normed, inner), wt.outProj, opt).data;
}
