/**
 * Area of one design on the chip (µm²), by component: the memory arrays, the readout (comparators or
 * ADCs), the digital accumulation (shift-adders / Hamming units and the per-layer accumulation units) and
 * the SRAM buffers (weight codes and norms, activation ping-pong buffer). Unit areas are in F² of the
 * config's feature size (docs/simulator.md gives the sources); wiring, decoders, interconnect and
 * pooling/activation units are not modelled.
 */
import { logicalArray, type ReadoutConfig, type SimConfig } from './config.js';
import type { LayerMapping } from './mapping.js';
import type { LayerShape } from './shapes.js';

export const AREA_COMPONENTS = ['arrays', 'readout', 'accumulate', 'buffers'] as const;
export type AreaComponent = (typeof AREA_COMPONENTS)[number];
export type AreaBreakdown = Record<AreaComponent, number>;

/** Bits of a stored weight norm and of an fp16 operand. */
const NORM_BITS = 16, FP16_BITS = 16;
/** Full-adder bits of an fp16 multiplier (11 x 11 mantissa array) and adder (aligner + 16-bit add). */
const FP16_MULTIPLY_ADDER_BITS = 121, FP16_ADD_ADDER_BITS = 2 * FP16_BITS;
/** Width of the conventional design's per-layer partial-sum adders. */
const PARTIAL_SUM_BITS = 32;

/** One converter: a latch comparator; a SAR ADC (comparator, 2^n CDAC units, n register bits); a flash ADC (2^n - 1 comparators). */
export function converterF2(r: ReadoutConfig, c: SimConfig): number {
  const a = c.area;
  if (r.type === 'comparator') return a.comparatorF2;
  if (r.type === 'flash') return (2 ** r.bits - 1) * a.comparatorF2;
  return a.comparatorF2 + 2 ** r.bits * a.cdacUnitF2 + r.bits * a.flipFlopF2;
}

/** Area of `design` with the given layer mappings; `arrays` is the number of arrays instantiated on the chip. */
export function designArea(layers: LayerShape[], maps: LayerMapping[], c: SimConfig, arrays: number): AreaBreakdown {
  const a = c.area;
  const f2 = (a.featureNm * 1e-3) ** 2;
  const design = maps[0].design;
  const r = c.readout[design];
  const converters = Math.ceil(logicalArray(c).columns / r.mux);
  const hashed = design === 'hashed';
  // Per array, a digital back end: a shift-adder per converter, or a Hamming unit (XOR + popcount tree).
  const backEnd = hashed ? c.digital.hammingBitsPerCycle * a.adderBitF2 : converters * a.accumulatorBits * (a.adderBitF2 + a.flipFlopF2);
  // Accumulation units: accumulateOpsPerCycle per layer (or per array); hashed ones are estimator units
  // (cos table of K + 1 fp16 entries, two fp16 multiplies, one fp16 add), conventional ones partial-sum adders.
  const maxK = Math.max(...layers.map((l) => l.hash.hashLength));
  const unitF2 = hashed
    ? (2 * FP16_MULTIPLY_ADDER_BITS + FP16_ADD_ADDER_BITS) * a.adderBitF2 + (maxK + 1) * FP16_BITS * a.sramBitF2
    : PARTIAL_SUM_BITS * (a.adderBitF2 + a.flipFlopF2);
  const units = c.digital.accumulateOpsPerCycle * (c.digital.accumulatePerArray ? arrays : layers.length);
  // SRAM: hashed weight codes (K bits per output per input tile) and norms; both: an activation ping-pong
  // buffer holding the largest output map at the DAC's resolution.
  const codeBits = hashed ? maps.reduce((s, m, l) => s + m.arrays.reduce((t, u) => t + u.hammingBits, 0) + layers[l].outputs * m.rowTiles * NORM_BITS, 0) : 0;
  const activationBits = 2 * Math.max(...layers.map((l) => l.vectors * l.outputs)) * Math.max(1, c.dac.bits);
  return {
    arrays: arrays * c.crossbar.rows * c.crossbar.columns * a.cellF2 * f2,
    readout: arrays * converters * converterF2(r, c) * f2,
    accumulate: (arrays * backEnd + units * unitF2) * f2,
    buffers: (codeBits + activationBits) * a.sramBitF2 * f2,
  };
}

export const totalArea = (b: AreaBreakdown): number => AREA_COMPONENTS.reduce((s, k) => s + b[k], 0);
