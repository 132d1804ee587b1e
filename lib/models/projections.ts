/**
 * Projection matrices of a hash layer. The kernels take one padded tensor [nI, nJ, K, Ti]; the scaffold
 * keeps one [K, len(tile i)] matrix per tile pair (i, j). These helpers convert between the two and draw
 * seeded N(0, 1) projections when a checkpoint has none.
 */
import type { Tensor } from '../tensor.js';
import type { LayerHashConfig } from './config.js';

export interface TileGeometry {
  /** Input features D (im2col columns for a convolution) and output features N. */
  D: number;
  N: number;
  inputTileSize: number;
  outputTileSize: number;
  hashLength: number;
}

/** A hash layer's tile geometry: weight [N, D], tiles and K from its config. */
export const tileGeometry = (cfg: LayerHashConfig, N: number, D: number): TileGeometry => ({
  D, N, inputTileSize: cfg.input_tile_size, outputTileSize: cfg.output_tile_size, hashLength: cfg.hash_length,
});

export const tileGrid = (g: TileGeometry) => ({ nI: Math.ceil(g.D / g.inputTileSize), nJ: Math.ceil(g.N / g.outputTileSize) });

/** Width of input tile i (the last one may be partial). */
export const inputTileWidth = (g: TileGeometry, i: number) => Math.min(g.inputTileSize, g.D - i * g.inputTileSize);
/** Height of output tile j. */
export const outputTileHeight = (g: TileGeometry, j: number) => Math.min(g.outputTileSize, g.N - j * g.outputTileSize);

/** mulberry32: a small, well-mixed 32-bit generator; enough for projections, reproducible everywhere. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a of a string, so every layer path gets its own stream independent of layer order. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** A seeded standard normal generator (Box-Muller). */
export function normalGenerator(seed: number, stream = ''): () => number {
  const uniform = mulberry32((seed ^ hashString(stream)) >>> 0);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const u = 1 - uniform(); // (0, 1]: log stays finite
    const r = Math.sqrt(-2 * Math.log(u)), phi = 2 * Math.PI * uniform();
    spare = r * Math.sin(phi);
    return r * Math.cos(phi);
  };
}

/** An all-zero padded projection tensor [nI, nJ, K, Ti]. */
export function emptyProjection(g: TileGeometry): Tensor {
  const { nI, nJ } = tileGrid(g);
  const shape = [nI, nJ, g.hashLength, g.inputTileSize];
  return { data: new Float32Array(nI * nJ * g.hashLength * g.inputTileSize), shape };
}

/** Offset of element (k, 0) of tile pair (i, j) in the padded tensor. */
export const tileOffset = (g: TileGeometry, i: number, j: number, k = 0) =>
  ((i * tileGrid(g).nJ + j) * g.hashLength + k) * g.inputTileSize;

/** Seeded N(0, 1) projections; `stream` (the layer path) decorrelates layers sharing a seed. */
export function randomProjection(g: TileGeometry, seed: number, stream: string): Tensor {
  const p = emptyProjection(g);
  const { nI, nJ } = tileGrid(g);
  const next = normalGenerator(seed, stream);
  for (let i = 0; i < nI; i++) {
    const w = inputTileWidth(g, i);
    for (let j = 0; j < nJ; j++) {
      for (let k = 0; k < g.hashLength; k++) {
        const o = tileOffset(g, i, j, k);
        for (let d = 0; d < w; d++) p.data[o + d] = next();
      }
    }
  }
  return p;
}

/** Tile pair (i, j)'s matrix [K, width] copied out of the padded tensor. */
export function getTile(g: TileGeometry, proj: Tensor, i: number, j: number): Float32Array {
  const w = inputTileWidth(g, i);
  const out = new Float32Array(g.hashLength * w);
  for (let k = 0; k < g.hashLength; k++) out.set(proj.data.subarray(tileOffset(g, i, j, k), tileOffset(g, i, j, k) + w), k * w);
  return out;
}

/** Writes tile pair (i, j)'s matrix [K, width] into the padded tensor. */
export function setTile(g: TileGeometry, proj: Tensor, i: number, j: number, tile: Float32Array): void {
  const w = inputTileWidth(g, i);
  if (tile.length !== g.hashLength * w) {
    throw new RangeError(`projection tile (${i}, ${j}): expected [K, width] = [${g.hashLength}, ${w}], got ${tile.length} elements`);
  }
  for (let k = 0; k < g.hashLength; k++) proj.data.set(tile.subarray(k * w, (k + 1) * w), tileOffset(g, i, j, k));
}
