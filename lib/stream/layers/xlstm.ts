/**
 * The hackathon's xLSTM layer for B symbols × T steps: an sLSTM block (LayerNorm without bias, conv +
 * SiLU, block-diagonal gate inputs, the sLSTM cell with its block-diagonal recurrence fused, GroupNorm
 * over heads, residual), an mLSTM block (LayerNorm, fused x|gate projection, conv + SiLU, 4×4-block
 * q/k/v, i/f gates from cat(q,k,v), the mLSTM cell, GroupNorm, learnable skip, SiLU gate, proj_down,
 * residual), then a final LayerNorm.
 */
import { TORCH_NORM_EPS, type Dims } from '../config.js';
import { blockLinear, causalConv1dUpdate, groupNorm, layerNorm, linear, mlstmStep, silu, slstmStep } from '../kernels.js';
import { addInPlace, addScaledRows, columns, concatColumns, concatRows, mulInPlace } from '../rows.js';
import { convWeight, param, type Weights } from '../weights.js';
import { flat, perGroup, type LayerState, type Param, type StepContext } from './context.js';

const GATES = ['igate', 'fgate', 'zgate', 'ogate'] as const;

export interface XlstmWeights {
  sNorm: Float32Array;
  sConvWeight: Param;
  sConvBias: Float32Array;
  /** Input parts of the gates i, f, z, o, each [NH, DH, DH]. */
  sGateInput: Param[];
  R: Param;
  rBias: Param;
  sGroupNormWeight: Float32Array;
  sGroupNormBias: Float32Array;
  mNorm: Float32Array;
  xGateProj: Param;
  qProj: Param;
  kProj: Param;
  vProj: Param;
  mConvWeight: Param;
  mConvBias: Float32Array;
  ifProj: Param;
  ifBias: Float32Array;
  outNormWeight: Float32Array;
  outNormBias: Float32Array;
  skip: Float32Array;
  projDown: Param;
  finalNorm: Float32Array;
}

export function prepareXlstm(w: Weights, p: string, d: Dims): XlstmWeights {
  const s = `${p}.slstm`, m = `${p}.mlstm`, c = `${m}.mlstm_cell`, h = d.hidden, inner = d.mlstmInner;
  return {
    sNorm: param(w, `${s}.norm.weight`).data,
    sConvWeight: convWeight(w, `${s}.conv1d`),
    sConvBias: param(w, `${s}.conv1d.conv.bias`).data,
    sGateInput: GATES.map((g) => param(w, `${s}.${g}_input.weight`)),
    R: { data: concatRows(GATES.map((g) => param(w, `${s}.${g}_state.weight`).data)), shape: [4, d.slstmHeads, d.slstmHeadSize, d.slstmHeadSize] },
    rBias: { data: concatRows(GATES.map((g) => param(w, `${s}.${g}_state.bias`).data)), shape: [4, h] },
    sGroupNormWeight: param(w, `${s}.group_norm.weight`).data,
    sGroupNormBias: param(w, `${s}.group_norm.bias`).data,
    mNorm: param(w, `${m}.norm.weight`).data,
    xGateProj: { data: concatRows([param(w, `${m}.x_proj.weight`).data, param(w, `${m}.gate_proj.weight`).data]), shape: [2 * inner, h] },
    qProj: param(w, `${m}.q_proj.weight`),
    kProj: param(w, `${m}.k_proj.weight`),
    vProj: param(w, `${m}.v_proj.weight`),
    mConvWeight: convWeight(w, `${m}.conv1d`),
    mConvBias: param(w, `${m}.conv1d.conv.bias`).data,
    ifProj: { data: concatRows([param(w, `${c}.igate_proj.weight`).data, param(w, `${c}.fgate_proj.weight`).data]), shape: [2 * d.mlstmHeads, 3 * inner] },
    ifBias: concatRows([param(w, `${c}.igate_proj.bias`).data, param(w, `${c}.fgate_proj.bias`).data]),
    outNormWeight: param(w, `${c}.outnorm.weight`).data,
    outNormBias: param(w, `${c}.outnorm.bias`).data,
    skip: param(w, `${m}.learnable_skip`).data,
    projDown: param(w, `${m}.proj_down.weight`),
    finalNorm: param(w, `${p}.final_norm.weight`).data,
  };
}

function slstmBlock(wt: XlstmWeights, st: LayerState, x: Float32Array, ctx: StepContext, d: Dims): Float32Array {
  const h = d.hidden, n = ctx.tokens;
  const opt = { backend: ctx.backend };
  const xn = layerNorm(flat(ctx, x, h), { weight: wt.sNorm, eps: TORCH_NORM_EPS, ...opt }).data;
  const xc = perGroup(ctx, [h], (g, view, out) =>
    causalConv1dUpdate({ x: view(xn, h), convState: st['slstm.conv'], weight: wt.sConvWeight, bias: wt.sConvBias, activation: 'silu', slots: g.slots, out, ...opt }),
  );
  // Gates i and f read the conv output, z and o the normalised input.
  const wx = concatColumns([xc, xc, xn, xn].map((src, g) => blockLinear(flat(ctx, src, h), wt.sGateInput[g], opt).data), n);
  const y = perGroup(ctx, [h], (g, view, out) =>
    slstmStep({
      y: st['slstm.y'], c: st['slstm.c'], n: st['slstm.n'], m: st['slstm.m'], wx: view(wx, 4, h), R: wt.R, rBias: wt.rBias, eps: 1e-6, slots: g.slots, out, ...opt,
    }),
  );
  const out = groupNorm(flat(ctx, y, h), { groups: d.slstmHeads, weight: wt.sGroupNormWeight, bias: wt.sGroupNormBias, eps: TORCH_NORM_EPS, ...opt }).data;
  return addInPlace(out, x);
}

function mlstmBlock(wt: XlstmWeights, st: LayerState, x: Float32Array, ctx: StepContext, d: Dims): Float32Array {
  const h = d.hidden, inner = d.mlstmInner, NH = d.mlstmHeads, DH = d.mlstmHeadSize, n = ctx.tokens;
  const opt = { backend: ctx.backend };
  const xn = layerNorm(flat(ctx, x, h), { weight: wt.mNorm, eps: TORCH_NORM_EPS, ...opt }).data;
  const proj = linear(flat(ctx, xn, h), wt.xGateProj, opt).data;
  const xm = columns(proj, n, 2 * inner, 0, inner);
  const xGate = columns(proj, n, 2 * inner, inner, inner);
  const xc = perGroup(ctx, [inner], (g, view, out) =>
    causalConv1dUpdate({ x: view(xm, inner), convState: st['mlstm.conv'], weight: wt.mConvWeight, bias: wt.mConvBias, activation: 'silu', slots: g.slots, out, ...opt }),
  );
  const q = blockLinear(flat(ctx, xc, inner), wt.qProj, opt).data;
  const k = blockLinear(flat(ctx, xc, inner), wt.kProj, opt).data;
  const v = blockLinear(flat(ctx, xm, inner), wt.vProj, opt).data;
  const gates = linear(flat(ctx, concatColumns([q, k, v], n), 3 * inner), wt.ifProj, { bias: wt.ifBias, ...opt }).data;
  const iPre = columns(gates, n, 2 * NH, 0, NH);
  const fPre = columns(gates, n, 2 * NH, NH, NH);
  const hs = perGroup(ctx, [NH, DH], (g, view, out) =>
    mlstmStep({
      C: st['mlstm.C'], n: st['mlstm.n'], m: st['mlstm.m'], q: view(q, NH, DH), k: view(k, NH, DH), v: view(v, NH, DH),
      iPre: view(iPre, NH), fPre: view(fPre, NH), eps: 1e-6, slots: g.slots, out, ...opt,
    }),
  );
  const normed = groupNorm(flat(ctx, hs, inner), { groups: NH, weight: wt.outNormWeight, bias: wt.outNormBias, eps: TORCH_NORM_EPS, ...opt }).data;
  const gated = mulInPlace(addScaledRows(normed, wt.skip, xc), silu(flat(ctx, xGate, inner), opt).data);
  return addInPlace(linear(flat(ctx, gated, inner), wt.projDown, opt).data, x);
}

export function xlstmStep(wt: XlstmWeights, st: LayerState, x: Float32Array, ctx: StepContext, d: Dims): Float32Array {
  const afterS = slstmBlock(wt, st, x, ctx, d);
  const afterM = mlstmBlock(wt, st, afterS, ctx, d);
  return layerNorm(flat(ctx, afterM, d.hidden), { weight: wt.finalNorm, eps: TORCH_NORM_EPS, backend: ctx.backend }).data;
}

