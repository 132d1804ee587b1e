/**
 * Checkpoints in the scaffold's vocabulary: PyTorch state_dict weights, projection matrices under
 * `<layer>.hash_kernels.<i>.<j>._random_projection_matrix` (or `._learnable_projection_matrix`), one
 * [K, width of input tile i] matrix per tile pair, and the per-layer config as JSON in the metadata.
 */
import { writeSafetensors, type SafetensorsFile, type StoredTensor } from '../safetensors.js';
import { readTensorFile } from '../torch/index.js';
import { outputFormat } from '../torch/convert.js';
import { writeTorchFile } from '../torch/write.js';
import type { AnyArray, Tensor } from '../tensor.js';
import { parseHashConfig, type HashKernelType, type ModelHashConfig } from './config.js';
import { isAuxiliaryTensor, type HashModel, type BuildOptions } from './model.js';
import { Mlp, nonMlpTensors } from './mlp.js';
import { parseNormalization, type Normalization } from './normalize.js';
import { emptyProjection, getTile, inputTileWidth, setTile, tileGrid, type TileGeometry } from './projections.js';
import { CifarResNet, looksLikeResNet } from './resnet.js';

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

export const ARCHS = ['auto', 'resnet', 'resnet-a', 'resnet-b', 'mlp'] as const;
export type Arch = (typeof ARCHS)[number];

export interface LoadOptions extends Omit<BuildOptions, 'projection'> {
  /**
   * 'auto' (default): a CIFAR ResNet when the weights have its stem, an MLP when they hold nothing but
   * linear layers, else an error; 'resnet' (shortcut variant from the tensors), 'resnet-a', 'resnet-b', 'mlp'.
   */
  arch?: Arch;
  /** Image side for ResNets (32 for CIFAR). */
  imageSize?: number;
  /** A checkpoint with projection matrices (may be the weights file itself). */
  projections?: SafetensorsFile;
  /** Input normalisation applied by the model (image models only). */
  normalization?: Normalization;
  /** The weights' name in errors (their file). */
  source?: string;
}

/** Names and shapes of what a file holds, for errors. */
function describeTensors(sd: ReadonlyMap<string, StoredTensor>): string {
  const names = [...sd.keys()].filter((k) => !isAuxiliaryTensor(k));
  const shown = names.slice(0, 6).map((k) => `${k} [${sd.get(k)!.shape.join(', ')}]`).join(', ');
  const prefix = names.length > 0 && names.every((k) => k.startsWith('module.')) ? ' (every name starts with DataParallel\'s \'module.\')' : '';
  return `${names.length} tensors${names.length ? `: ${shown}${names.length > 6 ? ', ...' : ''}` : ''}${prefix}`;
}

/** The architecture a state_dict holds, or an error saying what was found and what was expected. */
export function detectArch(sd: ReadonlyMap<string, StoredTensor>, source = 'weights'): 'resnet' | 'mlp' {
  if (looksLikeResNet(sd)) return 'resnet';
  if (nonMlpTensors(sd).length === 0 && [...sd.values()].some((t) => t.shape.length === 2)) return 'mlp';
  throw new RangeError(`${source}: matches no known model. Found ${describeTensors(sd)}. Expected a CIFAR ResNet ` +
    '(conv1.weight [C_out, C_in, k, k], bn1.*, layer1.0.conv1.weight ... layer3.<n>, fc.weight or linear.weight) ' +
    'or an MLP (only rank-2 <layer>.weight and rank-1 <layer>.bias)');
}

export function buildModel(weights: SafetensorsFile, o: LoadOptions = {}): HashModel {
  const sd = weights.tensors, source = o.source ?? 'weights';
  const arch = o.arch === undefined || o.arch === 'auto' ? detectArch(sd, source) : o.arch;
  const build: BuildOptions = { ...o, projection: projectionLookup(o.projections ?? weights) };
  try {
    if (arch === 'mlp') {
      if (o.normalization) throw new RangeError(`normalize '${o.normalization.spec}': applies to image models, not an MLP`);
      return new Mlp(sd, build);
    }
    if (!looksLikeResNet(sd)) throw new RangeError(`--arch ${arch}: expected conv1.weight (rank 4) and layer1.0.conv1.weight; found ${describeTensors(sd)}`);
    const shortcut = arch === 'resnet-a' ? 'A' : arch === 'resnet-b' ? 'B' : undefined;
    return new CifarResNet(sd, o.imageSize ?? 32, { ...build, shortcut, normalization: o.normalization });
  } catch (e) {
    if (e instanceof RangeError && !e.message.startsWith(source)) e.message = `${source}: ${e.message}`;
    throw e;
  }
}

/** A weights or projections file: safetensors or PyTorch (zip or legacy), wrappers and `module.` prefixes removed. */
export const readCheckpoint = (path: string): SafetensorsFile => readTensorFile(path);

/**
 * Weights and projections by file path. The config defaults to the projection file's metadata, then the
 * weights'; the normalisation is `normalize` if given, else the files' metadata, else `defaultNormalize`.
 */
export function loadModel(weightsPath: string, o: LoadOptions & { projectionsPath?: string; normalize?: string; defaultNormalize?: string } = {}): HashModel {
  const weights = readCheckpoint(weightsPath);
  const projections = o.projectionsPath ? readCheckpoint(o.projectionsPath) : undefined;
  if (projections && projections.tensors.size === 0) throw new RangeError(`${o.projectionsPath}: holds no tensors, so no projections`);
  const config = o.config ?? (projections && configFromMetadata(projections)) ?? configFromMetadata(weights);
  const fromFile = [projections, weights].map((f) => f?.metadata.normalize).find((v) => v !== undefined);
  const spec = o.normalize ?? fromFile ?? o.defaultNormalize;
  const normalization = o.normalization ?? (spec === undefined ? undefined : parseNormalization(spec, o.normalize !== undefined ? 'normalize' : `${weightsPath}: metadata normalize`));
  return buildModel(weights, { ...o, config, projections, normalization, source: o.source ?? weightsPath });
}

/**
 * The hashed model as one checkpoint: weights, every projection tile under scaffold names, config and
 * normalisation; `.safetensors`, or `.pt` / `.pth` / `.th` for PyTorch (by the path's extension).
 */
export function saveHashedModel(path: string, model: HashModel, metadata: Record<string, string> = {}): void {
  const tensors: Record<string, Tensor<AnyArray> | StoredTensor> = {};
  for (const [name, t] of model.stateDict) if (!name.includes('.hash_kernels.') && !name.startsWith('expected.')) tensors[name] = t;
  for (const [name, t] of model.extraTensors?.() ?? []) tensors[name] = t;
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
  const meta = { ...metadata, arch: model.arch, normalize: model.normalization?.spec ?? 'none', config: JSON.stringify(config) };
  // A PyTorch file ({state_dict, arch, normalize, config}, torch.load(weights_only=True) reads it) or safetensors.
  if (outputFormat(path) === 'torch') writeTorchFile(path, tensors, meta);
  else writeSafetensors(path, tensors, meta);
}
