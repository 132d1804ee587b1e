/**
 * The hackathon's Hawk layer for B symbols × T steps: fused gate|recurrent projection, exact-GELU gate,
 * causal conv with bias (no activation), RG-LRU with block-diagonal input/recurrence gates (no bias,
 * a^(8·r), no reset), gate product and out_proj.
 */
import { HAWK_C, type Dims } from '../config.js';
import { blockLinear, causalConv1dUpdate, gelu, linear, rglruStep } from '../kernels.js';
import { columns, concatRows, mulInPlace } from '../rows.js';
import { convWeight, param, type Weights } from '../weights.js';
import { flat, perGroup, type LayerState, type Param, type StepContext } from './context.js';

export interface HawkWeights {
  gateRec: Param;
  convWeight: Param;
  convBias: Float32Array;
  inputGate: Param;
  recurrenceGate: Param;
  a: Float32Array;
  outProj: Param;
}

export function prepareHawk(w: Weights, p: string, d: Dims): HawkWeights {
  return {
    gateRec: { data: concatRows([param(w, `${p}.gate_proj.weight`).data, param(w, `${p}.recurrent_proj.weight`).data]), shape: [2 * d.hidden, d.hidden] },
    convWeight: convWeight(w, `${p}.conv`),
    convBias: param(w, `${p}.conv.conv.bias`).data,
    inputGate: param(w, `${p}.rglru.input_gate.weight`),
    recurrenceGate: param(w, `${p}.rglru.recurrence_gate.weight`),
    a: param(w, `${p}.rglru.a`).data,
    outProj: param(w, `${p}.out_proj.weight`),
  };
}

export function hawkStep(wt: HawkWeights, st: LayerState, x: Float32Array, ctx: StepContext, d: Dims): Float32Array {
  const h = d.hidden, n = ctx.tokens;
  const opt = { backend: ctx.backend };
  const proj = linear(flat(ctx, x, h), wt.gateRec, opt).data;
  const gate = gelu(flat(ctx, columns(proj, n, 2 * h, 0, h), h), opt).data;
  const rec = columns(proj, n, 2 * h, h, h);
  const conv = perGroup(ctx, [h], (g, view, out) =>
    causalConv1dUpdate({ x: view(rec, h), convState: st.conv, weight: wt.convWeight, bias: wt.convBias, activation: 'none', slots: g.slots, out, ...opt }),
  );
  const gateX = blockLinear(flat(ctx, conv, h), wt.inputGate, opt).data;
  const gateA = blockLinear(flat(ctx, conv, h), wt.recurrenceGate, opt).data;
  const hNew = perGroup(ctx, [h], (g, view, out) =>
    rglruStep({ h: st.h, x: view(conv, h), gateX: view(gateX, h), gateA: view(gateA, h), a: wt.a, c: HAWK_C, aParam: 'direct', slots: g.slots, out, ...opt }),
  );
  return linear(flat(ctx, mulInPlace(gate, hNew), h), wt.outProj, opt).data;
}
