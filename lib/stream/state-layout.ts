/**
 * The recurrent state one symbol carries through the model: for every tower and block, the tensors of
 * its layer (shape of one slot, dtype, fresh value). Names are `towers.<t>.blocks.<b>.<tensor>`.
 * Fresh values follow the model's init_state: zeros everywhere except sLSTM m = -inf.
 */
import type { PoolSpec } from '../pool.js';
import { CONV_KERNEL, deriveDims, MAMBA_HEAD_SIZE, MAMBA_STATE_SIZE, TOWERS, type Dims, type StreamModelConfig, type TowerKind } from './config.js';

export type StateTensorSpec = PoolSpec[string];

const f32 = (shape: number[], fill = 0): StateTensorSpec => ({ shape, dtype: 'float32', fill });
const L = CONV_KERNEL - 1;

/** Per-layer state. Mamba2 keeps one conv state over the x|B|C channels (one fused conv call). */
export function layerStateSpec(kind: TowerKind, d: Dims): Record<string, StateTensorSpec> {
  switch (kind) {
    case 'mamba2':
      return {
        conv: f32([d.mambaInner + 2 * MAMBA_STATE_SIZE, L]),
        ssm: f32([d.mambaHeads, MAMBA_HEAD_SIZE, MAMBA_STATE_SIZE]),
      };
    case 'retnet':
      return {
        offsets: { shape: [], dtype: 'int32', fill: 0 },
        scales: f32([d.retHeads]),
        S: f32([d.retHeads, d.retHeadSize, d.retHeadSize]),
      };
    case 'hawk':
      return { conv: f32([d.hidden, L]), h: f32([d.hidden]) };
    case 'xlstm':
      return {
        'slstm.conv': f32([d.hidden, L]),
        'slstm.y': f32([d.hidden]),
        'slstm.c': f32([d.hidden]),
        'slstm.n': f32([d.hidden]),
        'slstm.m': f32([d.hidden], -Infinity),
        'mlstm.conv': f32([d.mlstmInner, L]),
        'mlstm.C': f32([d.mlstmHeads, d.mlstmHeadSize, d.mlstmHeadSize]),
        'mlstm.n': f32([d.mlstmHeads, d.mlstmHeadSize]),
        'mlstm.m': f32([d.mlstmHeads]),
      };
  }
}

export const statePrefix = (tower: number, block: number) => `towers.${tower}.blocks.${block}.`;

/** Every state tensor of the model, by full name (a pool spec for lib/pool.ts). */
export function modelStateSpec(config: StreamModelConfig): PoolSpec {
  const d = deriveDims(config);
  const out: PoolSpec = {};
  TOWERS.forEach((kind, t) => {
    for (let b = 0; b < config.towerDepth; b++) {
      for (const [name, spec] of Object.entries(layerStateSpec(kind, d))) out[statePrefix(t, b) + name] = spec;
    }
  });
  return out;
}

export function stateBytesPerSymbol(config: StreamModelConfig): number {
  let n = 0;
  for (const s of Object.values(modelStateSpec(config))) n += 4 * s.shape.reduce((a, b) => a * b, 1);
  return n;
}
