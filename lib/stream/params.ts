/**
 * The parameters of the hackathon's MultiTowerModel under their PyTorch state_dict names, with shapes
 * and the initialisation the model's constructors use. Parameters the model leaves uninitialised
 * (`torch.empty`: BlockLinear weights, RG-LRU `a`, RetNet `decay`/`angle` buffers) are only meaningful
 * from a checkpoint; for random weights we draw them as documented at each entry.
 */
import { CONV_KERNEL, deriveDims, HAWK_BLOCKS, MAMBA_STATE_SIZE, MLSTM_QKV_BLOCK, TOWERS, type Dims, type StreamModelConfig, type TowerKind } from './config.js';

export type Init =
  | { kind: 'uniform'; lo: number; hi: number }
  | { kind: 'const'; value: number }
  /** RetNet decay per head: 1 - 2^(-5-h) (torchscale). */
  | { kind: 'retnet-decay' }
  /** RetNet rotary angle: 1/10000^linspace(0,1,Dh/2), each value twice (torchscale). */
  | { kind: 'retnet-angle' };

export interface ParamSpec {
  name: string;
  shape: number[];
  init: Init;
}

const ones: Init = { kind: 'const', value: 1 };
const zeros: Init = { kind: 'const', value: 0 };
/** nn.Linear / nn.Conv1d default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias. */
const fanIn = (n: number): Init => ({ kind: 'uniform', lo: -1 / Math.sqrt(n), hi: 1 / Math.sqrt(n) });

class Collector {
  readonly specs: ParamSpec[] = [];
  add(name: string, shape: number[], init: Init): void {
    this.specs.push({ name, shape, init });
  }
  linear(name: string, inF: number, outF: number, bias: boolean): void {
    this.add(`${name}.weight`, [outF, inF], fanIn(inF));
    if (bias) this.add(`${name}.bias`, [outF], fanIn(inF));
  }
  /** CausalConv1d: a depthwise nn.Conv1d with bias under `.conv`. */
  conv(name: string, channels: number): void {
    this.add(`${name}.conv.weight`, [channels, 1, CONV_KERNEL], fanIn(CONV_KERNEL));
    this.add(`${name}.conv.bias`, [channels], fanIn(CONV_KERNEL));
  }
  /** BlockLinear(num_blocks, size): torch.empty weights; drawn like a Linear over one block. */
  blockLinear(name: string, blocks: number, size: number, bias: boolean): void {
    const b = size / blocks;
    this.add(`${name}.weight`, [blocks, b, b], fanIn(b));
    if (bias) this.add(`${name}.bias`, [size], fanIn(b));
  }
  groupNorm(name: string, channels: number): void {
    this.add(`${name}.weight`, [channels], ones);
    this.add(`${name}.bias`, [channels], zeros);
  }
}

function mamba2(c: Collector, p: string, d: Dims): void {
  const h = d.hidden, inner = d.mambaInner, H = d.mambaHeads, N = MAMBA_STATE_SIZE;
  c.linear(`${p}.input_proj`, h, inner, false);
  c.linear(`${p}.z_proj`, h, inner, false);
  c.linear(`${p}.b_proj`, h, N, false);
  c.linear(`${p}.c_proj`, h, N, false);
  c.linear(`${p}.dt_proj`, h, H, true);
  c.conv(`${p}.input_conv`, inner);
  c.conv(`${p}.b_conv`, N);
  c.conv(`${p}.c_conv`, N);
  c.add(`${p}.a`, [H], { kind: 'uniform', lo: -16, hi: -1 });
  c.add(`${p}.d`, [H], ones);
  c.add(`${p}.norm.weight`, [inner], ones);
  c.linear(`${p}.out_proj`, inner, h, false);
}

function retnet(c: Collector, p: string, d: Dims): void {
  for (const n of ['q_proj', 'k_proj', 'v_proj', 'g_proj', 'out_proj']) c.linear(`${p}.${n}`, d.hidden, d.hidden, false);
  c.add(`${p}.decay`, [d.retHeads], { kind: 'retnet-decay' });
  c.add(`${p}.angle`, [d.retHeadSize], { kind: 'retnet-angle' });
}

function hawk(c: Collector, p: string, d: Dims): void {
  c.linear(`${p}.gate_proj`, d.hidden, d.hidden, false);
  c.linear(`${p}.recurrent_proj`, d.hidden, d.hidden, false);
  c.conv(`${p}.conv`, d.hidden);
  c.blockLinear(`${p}.rglru.input_gate`, HAWK_BLOCKS, d.hidden, false);
  c.blockLinear(`${p}.rglru.recurrence_gate`, HAWK_BLOCKS, d.hidden, false);
  // torch.empty in the model; a must lie in (0, 1) for a^(8r) to be a decay.
  c.add(`${p}.rglru.a`, [d.hidden], { kind: 'uniform', lo: 0.9, hi: 0.999 });
  c.linear(`${p}.out_proj`, d.hidden, d.hidden, false);
}

function xlstm(c: Collector, p: string, d: Dims): void {
  const h = d.hidden, s = `${p}.slstm`, m = `${p}.mlstm`, inner = d.mlstmInner;
  c.add(`${s}.norm.weight`, [h], ones);
  c.conv(`${s}.conv1d`, h);
  for (const g of ['igate', 'fgate', 'zgate', 'ogate']) c.blockLinear(`${s}.${g}_input`, d.slstmHeads, h, false);
  for (const g of ['igate', 'fgate', 'zgate', 'ogate']) c.blockLinear(`${s}.${g}_state`, d.slstmHeads, h, true);
  c.groupNorm(`${s}.group_norm`, h);
  c.add(`${m}.norm.weight`, [h], ones);
  c.linear(`${m}.x_proj`, h, inner, false);
  c.linear(`${m}.gate_proj`, h, inner, false);
  for (const n of ['q_proj', 'k_proj', 'v_proj']) c.blockLinear(`${m}.${n}`, inner / MLSTM_QKV_BLOCK, inner, false);
  c.conv(`${m}.conv1d`, inner);
  c.linear(`${m}.mlstm_cell.igate_proj`, 3 * inner, d.mlstmHeads, true);
  c.linear(`${m}.mlstm_cell.fgate_proj`, 3 * inner, d.mlstmHeads, true);
  c.groupNorm(`${m}.mlstm_cell.outnorm`, inner);
  c.linear(`${m}.proj_down`, inner, h, false);
  c.add(`${m}.learnable_skip`, [inner], ones);
  c.add(`${p}.final_norm.weight`, [h], ones);
}

const LAYERS: Record<TowerKind, (c: Collector, prefix: string, d: Dims) => void> = { xlstm, mamba2, retnet, hawk };

/** Every parameter (and persistent buffer) of the model, in state_dict order. */
export function parameterSpecs(config: StreamModelConfig): ParamSpec[] {
  const d = deriveDims(config);
  const c = new Collector();
  TOWERS.forEach((kind, t) => {
    const tp = `towers.${t}`;
    c.linear(`${tp}.input_up`, d.features, d.proj, true);
    c.linear(`${tp}.input_down`, d.proj, d.hidden, true);
    for (let b = 0; b < config.towerDepth; b++) {
      const bp = `${tp}.blocks.${b}`;
      c.add(`${bp}.norm1.weight`, [d.hidden], ones);
      LAYERS[kind](c, `${bp}.layer`, d);
      c.add(`${bp}.norm2.weight`, [d.hidden], ones);
      c.linear(`${bp}.mlp.fc1`, d.hidden, d.proj, true);
      c.linear(`${bp}.mlp.fc2`, d.proj, d.hidden, true);
    }
  });
  c.linear('output_proj', d.hidden, 1, true);
  return c.specs;
}

export function parameterCount(config: StreamModelConfig): number {
  return parameterSpecs(config).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
}
