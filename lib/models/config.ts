/**
 * Per-layer hash configuration in the "Bit by Bit" scaffold's vocabulary: a JSON object keyed by module
 * path (`conv1`, `layer1.0.conv1`, `layer2.0.downsample.0`, `fc`) whose values name the kernel type, the
 * tile sizes and the hash length. Missing keys take the scaffold's defaults; a layer absent from the
 * config, or with `hash_kernel_type` null / 'none', stays exact.
 */
import { checkEnum, checkInt, checkObject } from '../validate.js';

export const KERNEL_TYPES = ['random_projection', 'learned_projection'] as const;
export type HashKernelType = (typeof KERNEL_TYPES)[number];

export interface LayerHashConfig {
  /** null: an exact (dense) layer. */
  hash_kernel_type: HashKernelType | null;
  input_tile_size: number;
  output_tile_size: number;
  hash_length: number;
}

/** The scaffold's defaults (HashLinear / HashConv2d constructor arguments). */
export const SCAFFOLD_DEFAULTS: Readonly<LayerHashConfig> = Object.freeze({
  hash_kernel_type: 'random_projection',
  input_tile_size: 128,
  output_tile_size: 128,
  hash_length: 4096,
});

export const EXACT: Readonly<LayerHashConfig> = Object.freeze({ ...SCAFFOLD_DEFAULTS, hash_kernel_type: null });

export type ModelHashConfig = Record<string, LayerHashConfig>;

/** One layer's entry with the scaffold's defaults filled in. */
export function resolveLayerConfig(path: string, raw: unknown): LayerHashConfig {
  const name = `config['${path}']`;
  const o = checkObject(name, raw);
  for (const key of Object.keys(o)) {
    if (!(key in SCAFFOLD_DEFAULTS)) throw new RangeError(`${name}: unknown key '${key}' (expected ${Object.keys(SCAFFOLD_DEFAULTS).join(', ')})`);
  }
  const type = o.hash_kernel_type === undefined ? SCAFFOLD_DEFAULTS.hash_kernel_type
    : o.hash_kernel_type === null || o.hash_kernel_type === 'none' ? null
      : checkEnum(`${name}.hash_kernel_type`, o.hash_kernel_type, KERNEL_TYPES);
  const int = (key: 'input_tile_size' | 'output_tile_size' | 'hash_length', max?: number) =>
    o[key] === undefined ? SCAFFOLD_DEFAULTS[key] : checkInt(`${name}.${key}`, o[key], 1, max);
  return {
    hash_kernel_type: type,
    input_tile_size: int('input_tile_size'),
    output_tile_size: int('output_tile_size'),
    hash_length: int('hash_length', 1 << 20),
  };
}

/** Parses a whole config (JSON text or object). */
export function parseHashConfig(source: string | Record<string, unknown>): ModelHashConfig {
  let raw: unknown = source;
  if (typeof source === 'string') {
    try {
      raw = JSON.parse(source);
    } catch (e) {
      throw new RangeError(`hash config: not JSON (${(e as Error).message})`);
    }
  }
  const o = checkObject('hash config', raw);
  return Object.fromEntries(Object.entries(o).map(([path, entry]) => [path, resolveLayerConfig(path, entry)]));
}

/** The same config for every given layer (e.g. a uniform K and tile size). */
export function uniformConfig(paths: readonly string[], entry: Partial<LayerHashConfig> = {}): ModelHashConfig {
  return Object.fromEntries(paths.map((p) => [p, resolveLayerConfig(p, entry)]));
}

/** The config of one layer: exact when the layer has no entry. */
export function layerConfig(config: ModelHashConfig | undefined, path: string): LayerHashConfig {
  return config?.[path] ?? EXACT;
}
