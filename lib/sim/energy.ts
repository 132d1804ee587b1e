/**
 * Operation counts and energy of one mapped layer per image, by component. Components add up to the
 * total by construction (total is their sum); tests check that against independent recounts.
 */
import type { SimConfig } from './config.js';
import { accumulateOps, conversionsPerRead } from './cycles.js';
import type { LayerMapping } from './mapping.js';
import type { LayerShape } from './shapes.js';
import { cellReadPJ, conversionEnergyPJ, dacPerRowReadPJ, devicesPerWeight, readPhases, rowDrivesPerRead } from './tables.js';

export const COMPONENTS = ['dac', 'array', 'adc', 'hamming', 'codeRead', 'accumulate', 'buffer', 'reprogram'] as const;
export type Component = (typeof COMPONENTS)[number];
export type EnergyBreakdown = Record<Component, number>;

export interface OpCounts {
  /** Analog multiply-accumulates (cells x vectors; bit-serial reads count once per vector). */
  analogMacs: number;
  /** Converter operations (comparator decisions or ADC conversions). */
  conversions: number;
  /** XOR+popcount bits of the digital Hamming path. */
  bitOps: number;
  /** Digital accumulation-unit operations. */
  digitalOps: number;
  /** Challenge op counts of the layer (SPEC §3): hdops and flops per tile pair, independent of vectors. */
  hdops: number;
  flops: number;
}

/** Bits of one stored weight-norm value read per (output, input tile). */
const NORM_BITS = 16;

/** The challenge's hdops and flops of a hashed layer: 2*K*ti and 2*ti*to per tile pair (actual tile lengths). */
export function challengeOps(layer: LayerShape): { hdops: number; flops: number } {
  const { inputTileSize: Ti, outputTileSize: To, hashLength: K } = layer.hash;
  let hdops = 0, flops = 0;
  for (let i = 0; i * Ti < layer.inputs; i++) {
    const ti = Math.min(Ti, layer.inputs - i * Ti);
    for (let j = 0; j * To < layer.outputs; j++) {
      const to = Math.min(To, layer.outputs - j * To);
      hdops += 2 * K * ti;
      flops += 2 * ti * to;
    }
  }
  return { hdops, flops };
}

/**
 * Activation SRAM traffic of a layer per image, bits: every vector's inputs read once to drive the rows
 * and its outputs written once, at the DAC resolution (the same for both designs).
 */
export const bufferBits = (layer: LayerShape, c: SimConfig): number => layer.vectors * (layer.inputs + layer.outputs) * Math.max(1, c.dac.bits);

export function layerCounts(layer: LayerShape, m: LayerMapping, c: SimConfig): OpCounts {
  const V = layer.vectors;
  const cells = m.arrays.reduce((s, a) => s + a.rows * a.columns, 0);
  const columns = m.arrays.reduce((s, a) => s + a.columns, 0);
  const bits = m.arrays.reduce((s, a) => s + a.hammingBits, 0);
  return {
    analogMacs: V * cells,
    conversions: V * columns * conversionsPerRead(m, c),
    bitOps: V * bits,
    digitalOps: V * accumulateOps(layer, m, c),
    ...challengeOps(layer),
  };
}

/**
 * Energy (pJ) per image of a layer. `reprogramDevices` is the number of devices this layer rewrites per
 * batch when the model does not fit the chip (0 when weights stay programmed).
 */
export function layerEnergy(layer: LayerShape, m: LayerMapping, c: SimConfig, reprogramDevices: number): EnergyBreakdown {
  const V = layer.vectors;
  const n = layerCounts(layer, m, c);
  const rows = m.arrays.reduce((s, a) => s + a.rows, 0);
  const e = c.energy;
  const hashed = m.design === 'hashed';
  const estimatorOps = hashed ? V * layer.outputs * m.rowTiles : 0;
  const normMacs = hashed ? V * layer.inputs : 0;
  return {
    dac: V * rows * readPhases(c) * rowDrivesPerRead(c.readout[m.design], c) * dacPerRowReadPJ(c),
    array: n.analogMacs * readPhases(c) * devicesPerWeight(c) * cellReadPJ(c),
    adc: n.conversions * conversionEnergyPJ(c.readout[m.design], c),
    hamming: n.bitOps * e.hammingPerBitPJ,
    codeRead: hashed ? (n.bitOps + V * layer.outputs * m.rowTiles * NORM_BITS) * e.sramPerBitPJ : 0,
    accumulate: hashed
      ? estimatorOps * (e.cosLookupPJ + 2 * e.fpMultiplyPJ + e.fpAddPJ) + normMacs * (e.fpMultiplyPJ + e.fpAddPJ)
      : n.digitalOps * e.intAddPJ,
    buffer: bufferBits(layer, c) * e.sramPerBitPJ,
    reprogram: (reprogramDevices * e.cellWritePJ) / c.workload.batchSize,
  };
}

export const totalEnergy = (b: EnergyBreakdown): number => COMPONENTS.reduce((s, k) => s + b[k], 0);

export function addEnergy(a: EnergyBreakdown, b: EnergyBreakdown): EnergyBreakdown {
  return Object.fromEntries(COMPONENTS.map((k) => [k, a[k] + b[k]])) as EnergyBreakdown;
}

export const zeroEnergy = (): EnergyBreakdown => Object.fromEntries(COMPONENTS.map((k) => [k, 0])) as EnergyBreakdown;
