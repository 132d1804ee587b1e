/**
 * Mapping of one layer onto crossbar arrays, weights stationary.
 * - Hashed: each input tile i drives its own rows; the K-column projections of its nJ tile pairs are
 *   laid side by side over the columns (a tile pair's K may span several arrays, and several pairs may
 *   share one). Codes go to the digital Hamming unit of each array.
 * - Conventional: the weight matrix [D, N] bit-sliced over devices, cut into row tiles of the array
 *   height and column groups of the array width; one multi-bit conversion per column per read.
 * Sizes here are logical (one signed weight per row/column after the differential encoding).
 */
import { logicalArray, type SimConfig } from './config.js';
import type { LayerShape } from './shapes.js';
import { devicesPerWeight, weightSlices } from './tables.js';

/** One array of a mapped layer. */
export interface ArrayUse {
  /** Logical rows driven and columns read. */
  rows: number;
  columns: number;
  /** Hashed: Hamming bits per vector on this array (columns x outputs of their tile). */
  hammingBits: number;
}

export interface LayerMapping {
  design: 'hashed' | 'conventional';
  arrays: ArrayUse[];
  /** Input tiles (hashed) or row tiles (conventional) per vector. */
  rowTiles: number;
  /** Devices programmed (2 per logical cell with a differential pair). */
  devices: number;
  /** Devices in use / devices on the arrays used. */
  utilisation: number;
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** Hashed mapping: rows = input tile, columns = nJ * K per input tile, split over arrays. */
export function mapHashed(layer: LayerShape, c: SimConfig): LayerMapping {
  const { rows: R, columns: C } = logicalArray(c);
  const { inputTileSize: Ti, outputTileSize: To, hashLength: K } = layer.hash;
  const tile = Math.min(Ti, layer.inputs);
  if (tile > R) {
    throw new RangeError(`${layer.name}: input tile ${tile} exceeds the array's ${R} rows (crossbar.rows ${c.crossbar.rows}, differential '${c.device.differential}')`);
  }
  const nI = ceilDiv(layer.inputs, Ti), nJ = ceilDiv(layer.outputs, To);
  const arrays: ArrayUse[] = [];
  for (let i = 0; i < nI; i++) {
    const rows = Math.min(Ti, layer.inputs - i * Ti);
    const total = nJ * K;
    for (let c0 = 0; c0 < total; c0 += C) {
      const c1 = Math.min(total, c0 + C);
      // Columns [c0, c1) of the concatenated projections: column k of pair j is j*K + k.
      let hammingBits = 0;
      for (let j = Math.floor(c0 / K); j * K < c1; j++) {
        const cols = Math.min(c1, (j + 1) * K) - Math.max(c0, j * K);
        hammingBits += cols * Math.min(To, layer.outputs - j * To);
      }
      arrays.push({ rows, columns: c1 - c0, hammingBits });
    }
  }
  return finish('hashed', arrays, nI, c);
}

/** Conventional mapping: the bit-sliced weight matrix [D, N * slices] over arrays. */
export function mapConventional(layer: LayerShape, c: SimConfig): LayerMapping {
  const { rows: R, columns: C } = logicalArray(c);
  const cols = layer.outputs * weightSlices(c);
  const rowTiles = ceilDiv(layer.inputs, R);
  const arrays: ArrayUse[] = [];
  for (let r = 0; r < rowTiles; r++) {
    const rows = Math.min(R, layer.inputs - r * R);
    for (let c0 = 0; c0 < cols; c0 += C) arrays.push({ rows, columns: Math.min(C, cols - c0), hammingBits: 0 });
  }
  return finish('conventional', arrays, rowTiles, c);
}

function finish(design: LayerMapping['design'], arrays: ArrayUse[], rowTiles: number, c: SimConfig): LayerMapping {
  const { rows: R, columns: C } = logicalArray(c);
  const cells = arrays.reduce((s, a) => s + a.rows * a.columns, 0);
  return { design, arrays, rowTiles, devices: cells * devicesPerWeight(c), utilisation: cells / (arrays.length * R * C) };
}
