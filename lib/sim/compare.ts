/**
 * The side-by-side table of a simulation against a published tool's figures (a preset's reference):
 * the conventional design's components mapped onto the reference's categories.
 */
import type { ReferenceFigures } from './presets.js';
import type { SimulationResult } from './simulate.js';

export interface ComparisonRow {
  name: string;
  unit: string;
  hashmac: number;
  reference: number;
}

/**
 * Rows in the reference's units (pJ, ns, µm², TOPS/W, TOPS, FPS). NeuroSim's categories: its ADC energy
 * includes the array read (bit-line charging and cell current are counted with the sense amplifiers), so
 * hashmac's adc + array; accumulation = shift-adds; other = row drivers, decoders, muxes, buffers,
 * interconnect, pooling/activation, of which hashmac models the row drivers (dac) and the activation
 * buffer traffic (buffer). Ops = 2 MACs of the
 * layers; FPS = 1 / latency (NeuroSim runs layer by layer).
 */
export function compareWithReference(r: SimulationResult, ref: ReferenceFigures, macs: number): ComparisonRow[] {
  const d = r.conventional, e = d.energyPJ;
  const latencyNS = d.latencyS * 1e9;
  const ops = 2 * macs;
  return [
    { name: 'energy: total (dynamic)', unit: 'pJ', hashmac: d.totalPJ, reference: ref.energyPJ.total },
    { name: 'energy: ADC incl. array read', unit: 'pJ', hashmac: e.adc + e.array, reference: ref.energyPJ.adc },
    { name: 'energy: accumulation', unit: 'pJ', hashmac: e.accumulate, reference: ref.energyPJ.accumulation },
    { name: 'energy: other peripheries', unit: 'pJ', hashmac: e.dac + e.buffer + e.hamming + e.codeRead + e.reprogram, reference: ref.energyPJ.other },
    { name: 'latency per image', unit: 'ns', hashmac: latencyNS, reference: ref.latencyNS },
    { name: 'clock period', unit: 'ns', hashmac: 1 / r.config.digital.clockGHz, reference: ref.clockNS },
    { name: 'energy efficiency', unit: 'TOPS/W', hashmac: ops / d.totalPJ, reference: ref.topsPerW },
    { name: 'throughput', unit: 'TOPS', hashmac: ops / latencyNS / 1e3, reference: ref.tops },
    { name: 'frames per second', unit: 'FPS', hashmac: 1e9 / latencyNS, reference: ref.fps },
    { name: 'area: chip total', unit: 'um2', hashmac: d.totalAreaUM2, reference: ref.areaUM2.total },
    { name: 'area: ADC', unit: 'um2', hashmac: d.areaUM2.readout, reference: ref.areaUM2.adc },
    { name: 'area: CIM arrays', unit: 'um2', hashmac: d.areaUM2.arrays, reference: ref.areaUM2.arrays },
  ];
}

/** The side-by-side text table with hashmac / reference ratios. */
export function formatComparison(rows: ComparisonRow[], source: string): string {
  const lines = [`conventional design vs ${source}`, `  ${'component'.padEnd(30)}${'unit'.padEnd(8)}${'hashmac'.padStart(13)}${'reference'.padStart(13)}${'ratio'.padStart(8)}`];
  for (const r of rows) {
    lines.push(`  ${r.name.padEnd(30)}${r.unit.padEnd(8)}${r.hashmac.toPrecision(5).padStart(13)}${r.reference.toPrecision(6).padStart(13)}${(r.hashmac / r.reference).toFixed(2).padStart(8)}`);
  }
  return lines.join('\n');
}
