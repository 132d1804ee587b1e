/**
 * The stream model's sizes from a checkpoint, so a plain `state_dict.pt` of the hackathon's
 * MultiTowerModel loads without `--preset`. Each size comes from, in order: the caller's overrides (CLI
 * flags), the file's metadata (a `config` JSON or single keys, in either spelling: `hidden_size` /
 * `hiddenSize`), then the tensor shapes:
 * - features, proj: `towers.0.input_up.weight` [proj, features]
 * - hidden: `towers.0.input_down.weight` [hidden, proj]
 * - depth: the number of `towers.<t>.blocks.<n>` (the same in all four towers)
 * - heads: the mLSTM gate projection `…mlstm.mlstm_cell.igate_proj.weight` [heads, 6·hidden]; else
 *   RetNet's per-head `decay` buffer [heads]; else sLSTM's BlockLinear `igate_input.weight`
 *   [heads/2, ·, ·]. Mamba2 and Hawk have no head count of their own (Mamba2's is 2·hidden/64), so a
 *   file without the xLSTM and RetNet towers' tensors needs `--heads`.
 * Whatever is chosen, `loadWeights` then checks every tensor's shape against it.
 */
import type { SafetensorsFile } from '../safetensors.js';
import { TOWERS, type StreamModelConfig } from './config.js';

type Key = keyof StreamModelConfig;
const KEYS: Record<Key, { snake: string; flag: string }> = {
  hiddenSize: { snake: 'hidden_size', flag: '--hidden' },
  projSize: { snake: 'proj_size', flag: '--proj' },
  towerDepth: { snake: 'tower_depth', flag: '--depth' },
  numHeads: { snake: 'num_heads', flag: '--heads' },
  numFeatures: { snake: 'num_features', flag: '--features' },
};

/** Sizes the metadata states, from a `config` JSON object and/or top-level keys, either spelling. */
function fromMetadata(file: SafetensorsFile, source: string): Partial<StreamModelConfig> {
  const out: Partial<StreamModelConfig> = {};
  let config: Record<string, unknown> = {};
  if (file.metadata.config !== undefined) {
    try {
      const parsed = JSON.parse(file.metadata.config);
      if (typeof parsed === 'object' && parsed !== null) config = parsed;
    } catch {
      // A non-JSON `config` says nothing about sizes.
    }
  }
  for (const [key, { snake }] of Object.entries(KEYS) as [Key, { snake: string }][]) {
    const raw = config[key] ?? config[snake] ?? file.metadata[key] ?? file.metadata[snake];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`${source}: metadata ${snake} is '${String(raw)}', not a positive integer`);
    out[key] = n;
  }
  return out;
}

/** Sizes the tensor shapes determine (each only when its tensors are present). */
function fromShapes(file: SafetensorsFile, source: string): Partial<StreamModelConfig> {
  const shape = (name: string) => file.tensors.get(name)?.shape;
  const out: Partial<StreamModelConfig> = {};
  const up = shape('towers.0.input_up.weight');
  if (up?.length === 2) [out.projSize, out.numFeatures] = up;
  const down = shape('towers.0.input_down.weight');
  if (down?.length === 2) out.hiddenSize = down[0];
  const depths = TOWERS.map((_, t) => {
    const blocks = new Set<string>();
    const prefix = `towers.${t}.blocks.`;
    for (const name of file.tensors.keys()) if (name.startsWith(prefix)) blocks.add(name.slice(prefix.length).split('.')[0]);
    return blocks.size;
  });
  if (depths.some((d) => d > 0)) {
    if (depths.some((d) => d !== depths[0])) {
      throw new RangeError(`${source}: the towers have different depths (${TOWERS.map((k, t) => `towers.${t} (${k}): ${depths[t]}`).join(', ')})`);
    }
    out.towerDepth = depths[0];
  }
  const xlstm = TOWERS.indexOf('xlstm');
  const retnet = TOWERS.indexOf('retnet');
  const gate = shape(`towers.${xlstm}.blocks.0.layer.mlstm.mlstm_cell.igate_proj.weight`);
  const decay = shape(`towers.${retnet}.blocks.0.layer.decay`);
  const slstm = shape(`towers.${xlstm}.blocks.0.layer.slstm.igate_input.weight`);
  if (gate?.length === 2) out.numHeads = gate[0];
  else if (decay?.length === 1) out.numHeads = decay[0];
  else if (slstm?.length === 3) out.numHeads = 2 * slstm[0];
  return out;
}

/** The full config for a weights file; a size nothing determines is an error naming the flag to pass. */
export function inferStreamConfig(file: SafetensorsFile, source: string, overrides: Partial<StreamModelConfig> = {}): StreamModelConfig {
  const meta = fromMetadata(file, source);
  const shapes = fromShapes(file, source);
  const config = {} as StreamModelConfig;
  const unknown: string[] = [];
  for (const key of Object.keys(KEYS) as Key[]) {
    const v = overrides[key] ?? meta[key] ?? shapes[key];
    if (v === undefined) unknown.push(`${KEYS[key].snake} (${KEYS[key].flag})`);
    else config[key] = v;
  }
  if (unknown.length > 0) {
    throw new RangeError(`${source}: cannot infer ${unknown.join(', ')} from its metadata or tensor shapes (is it a MultiTowerModel state_dict?); pass the flag`);
  }
  return config;
}
