/**
 * Sizes of the hackathon's MultiTowerModel and the quantities every layer derives from them.
 * The four towers run in the model's order: xLSTM, Mamba2, RetNet, Hawk.
 */
import { checkInt } from '../validate.js';

export interface StreamModelConfig {
  hiddenSize: number;
  projSize: number;
  towerDepth: number;
  numHeads: number;
  numFeatures: number;
}

export const TOWERS = ['xlstm', 'mamba2', 'retnet', 'hawk'] as const;
export type TowerKind = (typeof TOWERS)[number];
export const TOWER_NAMES: Record<TowerKind, string> = { xlstm: 'XLSTM', mamba2: 'Mamba2', retnet: 'RetNet', hawk: 'Hawk' };

export const PRESETS = {
  /** The hackathon's configuration (~2B parameters). */
  full: { hiddenSize: 2048, projSize: 4096, towerDepth: 12, numHeads: 8, numFeatures: 79 },
  /** A small model with every structural feature of the full one, fast enough for tests and demos. */
  small: { hiddenSize: 64, projSize: 128, towerDepth: 2, numHeads: 4, numFeatures: 79 },
} as const satisfies Record<string, StreamModelConfig>;
export type PresetName = keyof typeof PRESETS;

/** Fixed structure of the hackathon layers (not configurable there either). */
export const MAMBA_HEAD_SIZE = 64;
export const MAMBA_STATE_SIZE = 128;
export const CONV_KERNEL = 4;
export const HAWK_BLOCKS = 4;
export const HAWK_C = 8;
export const MLSTM_QKV_BLOCK = 4;
/** torch.finfo(float32).eps: nn.RMSNorm's default eps. */
export const FLOAT32_EPSILON = 2 ** -23;
/** nn.LayerNorm / nn.GroupNorm default eps. */
export const TORCH_NORM_EPS = 1e-5;

/** Derived sizes of one layer kind. */
export interface Dims {
  hidden: number;
  proj: number;
  features: number;
  mambaInner: number;
  mambaHeads: number;
  retHeads: number;
  retHeadSize: number;
  slstmHeads: number;
  slstmHeadSize: number;
  mlstmInner: number;
  mlstmHeads: number;
  mlstmHeadSize: number;
  hawkBlockSize: number;
}

/** Checks a configuration against every divisibility the layers need and returns the derived sizes. */
export function deriveDims(config: StreamModelConfig): Dims {
  const fn = 'stream model config';
  const hidden = checkInt(`${fn}: hiddenSize`, config.hiddenSize);
  const proj = checkInt(`${fn}: projSize`, config.projSize);
  checkInt(`${fn}: towerDepth`, config.towerDepth);
  const heads = checkInt(`${fn}: numHeads`, config.numHeads);
  const features = checkInt(`${fn}: numFeatures`, config.numFeatures);
  const need = (ok: boolean, what: string) => {
    if (!ok) throw new RangeError(`${fn}: ${what} (hiddenSize ${hidden}, numHeads ${heads})`);
  };
  need((2 * hidden) % MAMBA_HEAD_SIZE === 0, `Mamba2 needs 2*hiddenSize divisible by ${MAMBA_HEAD_SIZE}`);
  need(heads % 2 === 0 && hidden % (heads / 2) === 0, 'sLSTM needs numHeads even and hiddenSize divisible by numHeads/2');
  need(hidden % heads === 0 && (hidden / heads) % 2 === 0, 'RetNet needs an even head size hiddenSize/numHeads');
  need(hidden % HAWK_BLOCKS === 0, `Hawk needs hiddenSize divisible by ${HAWK_BLOCKS}`);
  need((2 * hidden) % MLSTM_QKV_BLOCK === 0 && (2 * hidden) % heads === 0, 'mLSTM needs 2*hiddenSize divisible by numHeads');
  return {
    hidden,
    proj,
    features,
    mambaInner: 2 * hidden,
    mambaHeads: (2 * hidden) / MAMBA_HEAD_SIZE,
    retHeads: heads,
    retHeadSize: hidden / heads,
    slstmHeads: heads / 2,
    slstmHeadSize: hidden / (heads / 2),
    mlstmInner: 2 * hidden,
    mlstmHeads: heads,
    mlstmHeadSize: (2 * hidden) / heads,
    hawkBlockSize: hidden / HAWK_BLOCKS,
  };
}

export function resolveConfig(preset: PresetName | StreamModelConfig): StreamModelConfig {
  if (typeof preset !== 'string') return { ...preset };
  const p = PRESETS[preset];
  if (!p) throw new RangeError(`stream: unknown preset '${String(preset)}' (expected ${Object.keys(PRESETS).join(', ')})`);
  return { ...p };
}
