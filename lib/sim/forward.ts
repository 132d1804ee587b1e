/**
 * Any hashed model (lib/models) run through the simulated crossbars: the model's own forward pass, with
 * the product of every hash layer substituted (ForwardOptions.product) by the functional crossbar of
 * the chosen design — the hashed layer with noisy comparator codes (functional.ts) or the conventional
 * multi-bit-ADC design (conventional.ts). Each layer's noise streams are keyed by its forward index.
 */
import type { BackendName } from '../backend.js';
import type { HashLinear } from '../models/layers.js';
import type { HashModel } from '../models/model.js';
import { getTile, tileGrid } from '../models/projections.js';
import type { Tensor } from '../tensor.js';
import type { SimConfig } from './config.js';
import { conventionalLayer } from './conventional.js';
import { hashedLayer, type NoisyLayerStats } from './functional.js';

export interface CrossbarLayerStats extends Partial<NoisyLayerStats> {
  name: string;
  outputError: number;
}

/** hashed: every hash layer through the comparator crossbar; conventional: every layer through multi-bit ADCs. */
export type CrossbarDesign = 'hashed' | 'conventional';

/** Projection tiles [K, width of input tile i] of a hashed layer, at index i * nJ + j. */
function projectionTiles(layer: HashLinear): Float32Array[] {
  const g = layer.geometry, { nI, nJ } = tileGrid(g);
  const tiles: Float32Array[] = [];
  for (let i = 0; i < nI; i++) for (let j = 0; j < nJ; j++) tiles.push(getTile(g, layer.proj!, i, j));
  return tiles;
}

/**
 * Logits of `model` on x with every hash layer (every layer, for the conventional design) through the
 * crossbar under `config`, and per-layer stats (bit errors, output error against the noiseless product
 * of the same input).
 */
export function crossbarForward(model: HashModel, x: Tensor, config: SimConfig, o: { design?: CrossbarDesign; backend?: BackendName } = {}): { logits: Tensor; stats: CrossbarLayerStats[] } {
  const index = new Map(model.layers().map((l, i) => [l, i]));
  const stats: CrossbarLayerStats[] = [];
  const product = (layer: HashLinear, input: Tensor): Tensor | undefined => {
    const [M, D] = input.shape, N = layer.N, l = index.get(layer)!;
    const base = { x: input.data, M, D, weight: layer.weight.data, N, bias: layer.bias };
    if (o.design === 'conventional') {
      const r = conventionalLayer(base, config, l);
      stats.push({ name: layer.path, outputError: r.outputError! });
      return { data: r.noisy!, shape: [M, N] };
    }
    if (!layer.hashed) return undefined;
    const { input_tile_size: inputTileSize, output_tile_size: outputTileSize, hash_length: hashLength } = layer.config;
    const r = hashedLayer({ ...base, hash: { inputTileSize, outputTileSize, hashLength }, tiles: projectionTiles(layer) }, { config, layer: l, backend: o.backend });
    stats.push({ name: layer.path, ...r.stats! });
    return { data: r.noisy!, shape: [M, N] };
  };
  const logits = model.forward(x, { backend: o.backend, product });
  return { logits, stats };
}
