/** Text table and JSON of a simulation result. */
import { AREA_COMPONENTS } from './area.js';
import { COMPONENTS } from './energy.js';
import type { DesignResult, SimulationResult } from './simulate.js';

const si = (x: number, unit: string): string => {
  if (x === 0) return `0 ${unit}`;
  const prefixes: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k'], [1, ''], [1e-3, 'm'], [1e-6, 'u'], [1e-9, 'n'], [1e-12, 'p'], [1e-15, 'f']];
  for (const [scale, p] of prefixes) if (Math.abs(x) >= scale) return `${(x / scale).toPrecision(3)} ${p}${unit}`;
  return `${x.toExponential(2)} ${unit}`;
};
const pj = (x: number) => si(x * 1e-12, 'J');
const pad = (s: string | number, n: number) => String(s).padStart(n);

function layerTable(d: DesignResult, clockGHz: number): string[] {
  const lines = [`${d.design}: ${d.arrays} arrays (${d.fits ? 'fits, programmed once' : 'does not fit: re-programmed per batch'})`];
  lines.push(`  ${'layer'.padEnd(22)}${pad('arrays', 7)}${pad('util', 6)}${pad('cycles', 11)}${pad('time', 11)}${pad('energy', 11)}${pad('adc', 11)}${pad('hamming', 11)}${pad('conv', 10)}`);
  for (const l of d.layers) {
    lines.push(`  ${l.name.padEnd(22)}${pad(l.arrays, 7)}${pad(l.utilisation.toFixed(2), 6)}${pad(l.cycles, 11)}${pad(si(l.cycles / clockGHz * 1e-9, 's'), 11)}` +
      `${pad(pj(l.totalPJ), 11)}${pad(pj(l.energyPJ.adc), 11)}${pad(pj(l.energyPJ.hamming), 11)}${pad(l.ops.conversions, 10)}`);
  }
  return lines;
}

function summary(d: DesignResult): string[] {
  const parts = COMPONENTS.map((k) => `${k} ${pj(d.energyPJ[k])} (${((100 * d.energyPJ[k]) / d.totalPJ).toFixed(1)}%)`);
  const u = d.utilisation;
  return [
    `  total: ${d.cycles} cycles, latency ${si(d.latencyS, 's')}, throughput ${d.throughput.toPrecision(4)} img/s, energy ${pj(d.totalPJ)}/img`,
    `  energy: ${parts.join(', ')}`,
    `  ops/img: analog MACs ${d.ops.analogMacs}, conversions ${d.ops.conversions}, bit-ops ${d.ops.bitOps}, digital ops ${d.ops.digitalOps}; hdops ${d.ops.hdops}, flops ${d.ops.flops}`,
    `  utilisation: analog ${u.analog.toFixed(2)}, readout ${u.readout.toFixed(2)}, hamming ${u.hamming.toFixed(2)}, accumulate ${u.accumulate.toFixed(2)}`,
    `  area: ${(d.totalAreaUM2 * 1e-6).toPrecision(4)} mm² (${AREA_COMPONENTS.map((k) => `${k} ${(d.areaUM2[k] * 1e-6).toPrecision(3)}`).join(', ')})`,
    `  programming: ${d.program.devices} devices, ${pj(d.program.energyPJ)}, ${d.program.cycles} cycles (one-time)`,
  ];
}

/** The human-readable report: per-layer tables of both designs, totals, and hashed/conventional ratios. */
export function formatReport(r: SimulationResult): string {
  const g = r.config.digital.clockGHz;
  const lines: string[] = [];
  for (const d of [r.hashed, r.conventional]) lines.push(...layerTable(d, g), ...summary(d), '');
  const x = r.ratios;
  lines.push(`hashed / conventional: energy ${x.energy.toFixed(3)}, ADC energy ${x.adcEnergy.toFixed(4)}, latency ${x.latency.toFixed(3)}, throughput ${x.throughput.toFixed(3)}, arrays ${x.arrays.toFixed(3)}, area ${x.area.toFixed(3)}`);
  // One line that says how to read the ratios (a newcomer reads "energy 10.3" either way round otherwise).
  lines.push(`  (each figure is the hashed design's value per image divided by the conventional design's: energy ${x.energy.toFixed(3)} means the hashed design ${x.energy >= 1 ? `spends ${x.energy.toFixed(2)}x the energy` : `spends ${(100 * x.energy).toFixed(0)}% of the energy`} of one with multi-bit ADCs; below 1 favours hashing, except throughput, where above 1 does)`);
  return lines.join('\n');
}

/** JSON-ready result (the config included). */
export const reportJson = (r: SimulationResult): string => JSON.stringify(r, null, 2);
