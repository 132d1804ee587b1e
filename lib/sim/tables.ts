/**
 * Per-action energy (pJ) and latency (cycles) of the analog and digital units, derived from a config.
 * The formulas and the published figures behind the defaults are in docs/simulator.md.
 */
import type { ReadoutConfig, SimConfig } from './config.js';

/** The ADC survey's energy envelope at an effective resolution of `enob` bits: floor + k * 4^ENOB, pJ. */
export const surveyEnvelopePJ = (enob: number, floorPJ: number, thermalAJ: number): number => floorPJ + thermalAJ * 1e-6 * 4 ** enob;

/**
 * Energy of one n-bit conversion. 'survey' (default): the lower envelope of the ADC survey at ENOB = n,
 * E = floor + k * 4^n. 'fom': the Walden line FOM_W * 2^n plus the thermal-noise limit of the Schreier
 * FOM, E = 1/2 * 10^((6.02 n + 1.76 - FOM_S) / 10) J (P/fs at Nyquist). 'components': n comparator
 * decisions plus CDAC switching 2^n * E_unit. A user table entry for n overrides all of them.
 */
export function adcEnergyPJ(bits: number, c: SimConfig): number {
  const table = c.energy.adcTablePJ[String(bits)];
  if (table !== undefined) return table;
  if (c.energy.adcModel === 'components') return bits * c.energy.comparatorPJ + 2 ** bits * c.energy.cdacUnitFJ * 1e-3;
  if (c.energy.adcModel === 'survey') return surveyEnvelopePJ(bits, c.energy.adcFloorPJ, c.energy.adcThermalAJ);
  const walden = c.energy.adcWaldenFomFJ * 1e-3 * 2 ** bits;
  const thermal = 0.5 * 10 ** ((6.02 * bits + 1.76 - c.energy.adcSchreierFomDB) / 10) * 1e12;
  return walden + thermal;
}

/** Energy of one conversion by a readout unit: a comparator decision, a SAR ADC, or a flash ADC (2^n - 1 comparators). */
export function conversionEnergyPJ(r: ReadoutConfig, c: SimConfig): number {
  if (r.type === 'comparator') return c.energy.comparatorPJ;
  if (r.type === 'flash') return (2 ** r.bits - 1) * c.energy.comparatorPJ;
  return adcEnergyPJ(r.bits, c);
}

/** Cycles of one conversion: one decision, n SAR cycles, or one flash cycle; at least one read when sensing during the read. */
export function conversionCycles(r: ReadoutConfig, c: SimConfig): number {
  const own = r.type === 'comparator' ? c.latency.comparatorCycles : r.type === 'flash' ? c.latency.flashCycles : r.bits * c.latency.sarCyclesPerBit;
  return c.readout.senseDuringRead ? Math.max(own, readCycles(c)) : own;
}

/** Times the rows are driven per read: once, or once per multiplexed column when converters sense during the read. */
export const rowDrivesPerRead = (r: ReadoutConfig, c: SimConfig): number => (c.readout.senseDuringRead ? r.mux : 1);

/** Reads of the array per input vector: one, or one per input bit when inputs are bit-serial. */
export function readPhases(c: SimConfig): number {
  return c.dac.mode === 'bit-serial' ? c.dac.bits : 1;
}

/** Cycles of one read: integration, stretched by the longest PWM pulse. */
export function readCycles(c: SimConfig): number {
  const pwm = c.dac.mode === 'pwm' ? (2 ** (c.dac.bits - 1) - 1) * c.latency.pwmCyclesPerLevel : 0;
  return Math.max(c.latency.readCycles, pwm);
}

/** Seconds per digital clock cycle. */
export const cycleSeconds = (c: SimConfig): number => 1e-9 / c.digital.clockGHz;

/**
 * Energy of one device during one read, E = V^2 * G * t, at the mean conductance of the workload
 * (gMin + weightFraction * (gMax - gMin)) and the mean input (inputActivity of full scale).
 */
export function cellReadPJ(c: SimConfig): number {
  const d = c.device;
  const g = (d.gMinUS + c.workload.weightFraction * (d.gMaxUS - d.gMinUS)) * 1e-6;
  const t = readCycles(c) * cycleSeconds(c);
  return d.readVoltageV ** 2 * g * t * c.workload.inputActivity * 1e12;
}

/** Devices per signed weight (two for a differential pair) — each one is read. */
export const devicesPerWeight = (c: SimConfig): number => (c.device.differential === 'none' ? 1 : 2);

/** DAC energy per driven row per read (bit-serial drives one bit per read). */
export function dacPerRowReadPJ(c: SimConfig): number {
  const bits = c.dac.mode === 'bit-serial' ? 1 : Math.max(1, c.dac.bits);
  return c.energy.dacPerBitPJ * bits;
}

/** Device slices of one conventional weight: weightBits over log2(levels) bits per device (sign by the pair). */
export const weightSlices = (c: SimConfig): number =>
  Math.ceil(Math.max(1, c.digital.weightBits - (c.device.differential === 'none' ? 0 : 1)) / Math.log2(c.device.levels));
