/**
 * The MultiTowerModel forward over B symbols × T steps. Each tower: Linear → ReLU → Linear, then
 * `depth` pre-norm blocks (x += layer(RMSNorm(x)); x += MLP(RMSNorm(x))), then the shared output_proj.
 * Steps of one symbol go through each layer together (the state kernels' time axis), so every
 * request sees exactly the state its predecessor left and each state moves once per layer per call.
 * Symbols with different request counts share one call: only the state kernels run per group.
 */
import type { Tensor } from '../tensor.js';
import { deriveDims, FLOAT32_EPSILON, TOWERS, type Dims, type StreamModelConfig, type TowerKind } from './config.js';
import { linear, relu, rmsNorm } from './kernels.js';
import { flat, layerState, type StepContext } from './layers/context.js';
import { hawkStep, prepareHawk } from './layers/hawk.js';
import { mamba2Step, prepareMamba2 } from './layers/mamba2.js';
import { prepareRetNet, retnetStep } from './layers/retnet.js';
import { prepareXlstm, xlstmStep } from './layers/xlstm.js';
import { addInPlace } from './rows.js';
import { statePrefix } from './state-layout.js';
import type { StatePool } from './state-pool.js';
import { param, type Weights } from './weights.js';

export interface LinearWeights {
  weight: Tensor;
  bias?: Float32Array;
}

export interface BlockWeights {
  norm1: Float32Array;
  layer: unknown;
  norm2: Float32Array;
  fc1: LinearWeights;
  fc2: LinearWeights;
}

export interface TowerWeights {
  kind: TowerKind;
  up: LinearWeights;
  down: LinearWeights;
  blocks: BlockWeights[];
}

type LayerStep = (wt: any, st: any, x: Float32Array, ctx: StepContext, d: Dims) => Float32Array;
const LAYERS: Record<TowerKind, { prepare: (w: Weights, p: string, d: Dims) => unknown; step: LayerStep }> = {
  xlstm: { prepare: prepareXlstm, step: xlstmStep },
  mamba2: { prepare: prepareMamba2, step: mamba2Step },
  retnet: { prepare: prepareRetNet, step: retnetStep },
  hawk: { prepare: prepareHawk, step: hawkStep },
};

function lin(w: Weights, name: string, bias = true): LinearWeights {
  return { weight: param(w, `${name}.weight`), bias: bias ? param(w, `${name}.bias`).data : undefined };
}

export class StreamModel {
  readonly dims: Dims;
  /** The prepared weights (read by the native executor, lib/stream/executor.ts). */
  readonly towers: TowerWeights[];
  readonly outputProj: LinearWeights;

  /**
   * `consume`: drop each block's entries from `weights` once prepared, so the originals of fused
   * projections can be freed while the next block is built (the full preset's peak memory).
   */
  constructor(readonly config: StreamModelConfig, weights: Weights, { consume = false } = {}) {
    this.dims = deriveDims(config);
    this.towers = TOWERS.map((kind, t) => ({
      kind,
      up: lin(weights, `towers.${t}.input_up`),
      down: lin(weights, `towers.${t}.input_down`),
      blocks: Array.from({ length: config.towerDepth }, (_, b) => {
        const p = `towers.${t}.blocks.${b}`;
        const block = {
          norm1: param(weights, `${p}.norm1.weight`).data,
          layer: LAYERS[kind].prepare(weights, `${p}.layer`, this.dims),
          norm2: param(weights, `${p}.norm2.weight`).data,
          fc1: lin(weights, `${p}.mlp.fc1`),
          fc2: lin(weights, `${p}.mlp.fc2`),
        };
        if (consume) for (const name of [...weights.keys()]) if (name.startsWith(`${p}.`)) weights.delete(name);
        return block;
      }),
    }));
    this.outputProj = lin(weights, 'output_proj');
  }

  private linear(ctx: StepContext, x: Float32Array, width: number, l: LinearWeights): Float32Array {
    return linear(flat(ctx, x, width), l.weight, { bias: l.bias, backend: ctx.backend }).data;
  }

  private tower(tw: TowerWeights, t: number, pool: StatePool, features: Float32Array, ctx: StepContext): Float32Array {
    const d = this.dims, opt = { backend: ctx.backend };
    const up = relu(flat(ctx, this.linear(ctx, features, d.features, tw.up), d.proj), opt).data;
    const x = this.linear(ctx, up, d.proj, tw.down);
    tw.blocks.forEach((bw, b) => {
      const n1 = rmsNorm(flat(ctx, x, d.hidden), { weight: bw.norm1, eps: FLOAT32_EPSILON, ...opt }).data;
      addInPlace(x, LAYERS[tw.kind].step(bw.layer, layerState(pool.block(statePrefix(t, b))), n1, ctx, d));
      const n2 = rmsNorm(flat(ctx, x, d.hidden), { weight: bw.norm2, eps: FLOAT32_EPSILON, ...opt }).data;
      const hid = relu(flat(ctx, this.linear(ctx, n2, d.hidden, bw.fc1), d.proj), opt).data;
      addInPlace(x, this.linear(ctx, hid, d.proj, bw.fc2));
    });
    return this.linear(ctx, x, d.hidden, this.outputProj);
  }

  /**
   * Runs every group of `ctx` (B_g symbols × T_g steps each): `features` is [tokens, numFeatures], the
   * token rows of each group contiguous from `row0`, symbol-major then step. Returns predictions
   * [tokens, 4] (one per tower, in tower order) and updates the slots' states.
   */
  forward(pool: StatePool, features: Float32Array, ctx: StepContext): Float32Array {
    const n = ctx.tokens;
    if (features.length !== n * this.dims.features) {
      throw new RangeError(`StreamModel.forward: features: expected [${n}, ${this.dims.features}] (${n * this.dims.features} values), got ${features.length}`);
    }
    let row = 0;
    for (const g of ctx.groups) {
      if (g.row0 !== row || g.slots.length !== g.B) throw new RangeError(`StreamModel.forward: groups must cover the tokens in order, each with B slots`);
      row += g.B * g.T;
    }
    if (row !== n) throw new RangeError(`StreamModel.forward: groups cover ${row} tokens, features have ${n}`);
    const out = new Float32Array(n * TOWERS.length);
    this.towers.forEach((tw, t) => {
      const y = this.tower(tw, t, pool, features, ctx);
      for (let i = 0; i < n; i++) out[i * TOWERS.length + t] = y[i];
    });
    return out;
  }
}
