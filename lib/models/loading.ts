/**
 * Checkpoints in the scaffold's vocabulary: PyTorch state_dict weights, projection matrices under
 * `<layer>.hash_kernels.<i>.<j>._random_projection_matrix` (or `._learnable_projection_matrix`), one
 * [K, width of input tile i] matrix per tile pair, and the per-layer config as JSON in the metadata.
 */
import { writeSafetensors, type SafetensorsFile, type StoredTensor } from '../safetensors.js';
import { readTensorFile } from '../torch/index.js';
import type { AnyArray, Tensor } from '../tensor.js';
import { parseHashConfig, type HashKernelType, type ModelHashConfig } from './config.js';
import type { HashModel, BuildOptions } from './model.js';
import { Mlp } from './mlp.js';
import { emptyProjection, getTile, inputTileWidth, setTile, tileGrid, type TileGeometry } from './projections.js';
import { CifarResNet } from './resnet.js';

const MATRIX_NAMES: Record<HashKernelType, string> = {
  random_projection: '_random_projection_matrix',
  learned_projection: '_learnable_projection_matrix',
};

export const projectionName = (path: string, i: number, j: number, type: HashKernelType) =>
  `${path}.hash_kernels.${i}.${j}.${MATRIX_NAMES[type]}`;

/** Finds a layer's tile matrices in a checkpoint (either name); undefined when it holds none of them. */
export function projectionLookup(file: SafetensorsFile, source = 'projections'): (path: string, g: TileGeometry) => Tensor | undefined {
  return (path, g) => {
    const { nI, nJ } = tileGrid(g);
    const find = (i: number, j: number) =>
      file.tensors.get(projectionName(path, i, j, 'learned_projection')) ?? file.tensors.get(projectionName(path, i, j, 'random_projection'));
    if (!file.tensors.has(projectionName(path, 0, 0, 'random_projection')) && !file.tensors.has(projectionName(path, 0, 0, 'learned_projection'))) return undefined;
    const proj = emptyProjection(g);
    for (let i = 0; i < nI; i++) {
      for (let j = 0; j < nJ; j++) {
        const t = find(i, j);
        const w = inputTileWidth(g, i);
        if (!t) throw new RangeError(`${source}: '${path}' has tile (0, 0) but not tile (${i}, ${j}) (grid ${nI} x ${nJ} for its config)`);
        if (t.shape.length !== 2 || t.shape[0] !== g.hashLength || t.shape[1] !== w || !(t.data instanceof Float32Array)) {
          throw new RangeError(`${source}: '${path}' tile (${i}, ${j}): expected F32 [K, width] = [${g.hashLength}, ${w}], got ${t.dtype} [${t.shape.join(', ')}]`);
        }
        setTile(g, proj, i, j, t.data);
      }
    }
    return proj;
  };
}

/** The per-layer config stored in a checkpoint's metadata (key `config`), if any. */
export function configFromMetadata(file: SafetensorsFile): ModelHashConfig | undefined {
  return file.metadata.config === undefined ? undefined : parseHashConfig(file.metadata.config);
}

export interface LoadOptions extends Omit<BuildOptions, 'projection'> {
  /** 'resnet' (CIFAR layout), 'mlp', or 'auto': a ResNet when the weights have `conv1.weight`. */
  arch?: 'resnet' | 'mlp' | 'auto';
  /** Image side for ResNets (32 for CIFAR). */
  imageSize?: number;
  /** A checkpoint with projection matrices (may be the weights file itself). */
  projections?: SafetensorsFile;
}

export function buildModel(weights: SafetensorsFile, o: LoadOptions = {}): HashModel {
  const sd = weights.tensors;
  const arch = o.arch === undefined || o.arch === 'auto' ? (sd.has('conv1.weight') ? 'resnet' : 'mlp') : o.arch;
  const build: BuildOptions = { ...o, projection: projectionLookup(o.projections ?? weights) };
  if (arch === 'mlp') return new Mlp(sd, build);
  return new CifarResNet(sd, o.imageSize ?? 32, build);
}

/** Weights and projections by file path; the config defaults to the projection file's metadata. */
export function loadModel(weightsPath: string, o: LoadOptions & { projectionsPath?: string } = {}): HashModel {
  const weights = readTensorFile(weightsPath);
  const projections = o.projectionsPath ? readTensorFile(o.projectionsPath) : undefined;
  const config = o.config ?? (projections && configFromMetadata(projections)) ?? configFromMetadata(weights);
  return buildModel(weights, { ...o, config, projections });
}

/** The hashed model as one checkpoint: weights, every projection tile under scaffold names, config. */
export function saveHashedModel(path: string, model: HashModel, metadata: Record<string, string> = {}): void {
  const tensors: Record<string, Tensor<AnyArray> | StoredTensor> = {};
  for (const [name, t] of model.stateDict) if (!name.includes('.hash_kernels.') && !name.startsWith('expected.')) tensors[name] = t;
  const config: ModelHashConfig = {};
  for (const layer of model.layers()) {
    config[layer.path] = layer.config;
    if (!layer.proj) continue;
    const g = layer.geometry;
    const { nI, nJ } = tileGrid(g);
    for (let i = 0; i < nI; i++) {
      for (let j = 0; j < nJ; j++) {
        tensors[projectionName(layer.path, i, j, layer.config.hash_kernel_type!)] = { data: getTile(g, layer.proj, i, j), shape: [g.hashLength, inputTileWidth(g, i)] };
      }
    }
  }
  writeSafetensors(path, tensors, { ...metadata, arch: model.arch, config: JSON.stringify(config) });
}
