/** What every hashed model offers: its hash layers in forward order and a batched forward pass. */
import type { BackendName } from '../backend.js';
import type { StoredTensor } from '../safetensors.js';
import type { Tensor } from '../tensor.js';
import { layerConfig, type LayerHashConfig, type ModelHashConfig } from './config.js';
import { tileGeometry, type TileGeometry } from './projections.js';
import type { ForwardOptions, HashLinear, LayerInit } from './layers.js';
import type { Normalization } from './normalize.js';

export interface HashModel {
  readonly arch: string;
  /** How the architecture was read from the weights (e.g. a ResNet's shortcut variant), for reports. */
  readonly layoutNote?: string;
  /** Per-channel input normalisation the model applies itself (saved with it). */
  readonly normalization?: Normalization;
  /** Per-sample input shape ([C, H, W] for images, [D] for vectors). */
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  /** The original state_dict (weights, BatchNorm statistics), for saving. */
  readonly stateDict: ReadonlyMap<string, StoredTensor>;
  /** Re-estimates normalisation layers for the hashed forward on calibration images (models that have them). */
  calibrateBatchNorm?(images: Tensor, method: 'statistics' | 'regression', opts?: ForwardOptions): void;
  /** Weights of a layer's outputs' squared errors as the network sees them (learning), if not all equal. */
  outputWeights?(path: string): Float32Array | undefined;
  /** Tensors beyond the state_dict a saved hashed model needs (e.g. re-estimated BatchNorm statistics). */
  extraTensors?(): Map<string, Tensor>;
  /** Every conv/linear layer in forward order (convolutions as their im2col HashLinear). */
  layers(): HashLinear[];
  /** x: [B, ...inputShape] (NCHW for images) → logits [B, numClasses]. */
  forward(x: Tensor, opts?: ForwardOptions): Tensor;
}

/** How a model builder gets each layer's config and projections. */
export interface BuildOptions {
  config?: ModelHashConfig;
  /** Projections of a layer from a checkpoint, or undefined to draw seeded random ones. */
  projection?: (path: string, g: TileGeometry) => Tensor | undefined;
  seed?: number;
  backend?: BackendName;
}

/** Config and projections of layer `path` (weight [N, D]). */
export function layerInit(path: string, N: number, D: number, o: BuildOptions): { config: LayerHashConfig; init: LayerInit } {
  const config = layerConfig(o.config, path);
  const proj = config.hash_kernel_type === null ? undefined : o.projection?.(path, tileGeometry(config, N, D));
  return { config, init: { proj, seed: o.seed, backend: o.backend } };
}

/** Tensors a checkpoint may hold beside the weights: BatchNorm step counters, projections, expected outputs. */
export const isAuxiliaryTensor = (name: string) =>
  name.endsWith('.num_batches_tracked') || name.includes('.hash_kernels.') || name.startsWith('expected.');

/** A float32 tensor of a state_dict, by name, with its shape checked against `rank`. */
export function param(sd: ReadonlyMap<string, StoredTensor>, name: string, rank?: number): Tensor {
  const t = sd.get(name);
  if (!t) throw new RangeError(`weights: missing tensor '${name}'`);
  if (rank !== undefined && t.shape.length !== rank) throw new RangeError(`weights: '${name}' has shape [${t.shape.join(', ')}], expected rank ${rank}`);
  if (!(t.data instanceof Float32Array)) throw new TypeError(`weights: '${name}' is ${t.dtype}, expected F32`);
  return { data: t.data, shape: t.shape };
}

export function relu(x: Tensor): Tensor {
  const d = x.data;
  for (let i = 0; i < d.length; i++) if (!(d[i] > 0)) d[i] = 0;
  return x;
}

export function argmax(logits: Tensor): Int32Array {
  const [B, C] = logits.shape;
  const out = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (logits.data[b * C + c] > logits.data[b * C + best]) best = c;
    out[b] = best;
  }
  return out;
}
