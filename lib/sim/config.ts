/**
 * The hardware description of the AIMC simulator: one typed, JSON-loadable object. Every field has a
 * default (docs/simulator.md gives the source of each number); a user config overrides any subset and
 * is validated field by field, so a typo or a negative size is a TypeError/RangeError naming the field.
 */
import { checkBool, checkEnum, checkFinite, checkInt, checkObject } from '../validate.js';

export type DacMode = 'parallel' | 'pwm' | 'bit-serial';
export type ReadoutType = 'comparator' | 'sar' | 'flash';
export type Differential = 'columns' | 'rows' | 'none';
export type NoiseModel = 'simple' | 'pcm';
export type AdcModel = 'survey' | 'fom' | 'components';

export interface ReadoutConfig {
  /** comparator (1-bit), sar (n conversion cycles), flash (2^n - 1 comparators, one cycle). */
  type: ReadoutType;
  /** Resolution in bits (1 for a comparator). */
  bits: number;
  /** Columns sharing one converter: conversions of an array read are serialised `mux` deep. */
  mux: number;
}

export interface SimConfig {
  crossbar: {
    /** Physical rows (word lines) and columns (bit lines) of one array. */
    rows: number;
    columns: number;
    /** Arrays on the chip. A model that needs more is re-programmed (see energy.cellWritePJ). */
    arrays: number;
  };
  device: {
    /** Conductance range in microsiemens and programmable levels per device. */
    gMinUS: number;
    gMaxUS: number;
    levels: number;
    /** Signed weights: a device pair on two columns, on two rows, or one device with a reference. */
    differential: Differential;
    /**
     * Device noise: 'simple' (the fields below) or 'pcm' (aihwkit's PCMLikeNoiseModel, lib/sim/pcm.ts:
     * conductance-dependent programming noise, drift exponents and accumulated read noise at driftTimeS
     * after programming, with its own constants; programmingNoise, driftNu, driftNuSigma are then unused).
     */
    noiseModel: NoiseModel;
    /** Programming noise, std as a fraction of gMax - gMin (static per device). */
    programmingNoise: number;
    /** Read noise, std per read as a fraction of one device's full-scale current. */
    readNoise: number;
    /** Conductance drift G(t) = G(t0) (t/t0)^-nu, nu ~ N(driftNu, driftNuSigma) per device. */
    driftNu: number;
    driftNuSigma: number;
    /** Seconds since programming (0: no drift) and the drift reference time t0. */
    driftTimeS: number;
    driftT0S: number;
    /** Conventional design: divide outputs by the mean drift factor (global drift compensation). */
    driftCompensation: boolean;
    /** Probabilities that a device is stuck at gMin / at gMax. */
    stuckAtGmin: number;
    stuckAtGmax: number;
    /** Read voltage across a cell at full input, volts. */
    readVoltageV: number;
  };
  dac: {
    /** Input resolution (signed; 0 = ideal analog input). */
    bits: number;
    /** parallel: one voltage-level read; pwm: one read of 2^(bits-1)-1 unit pulses; bit-serial: one read per bit. */
    mode: DacMode;
  };
  readout: {
    hashed: ReadoutConfig;
    conventional: ReadoutConfig;
    /** Comparator input-referred offset, std in units of one device's full-scale current (static per column). */
    comparatorOffset: number;
    /** Conventional ADC input range: +-adcRange * sqrt(rows) device full-scale currents (functional path). */
    adcRange: number;
    /**
     * Current-mode sensing (as NeuroSim's multi-level sense amplifiers): a converter senses while the cells
     * conduct, so each column a converter serves needs its own read pulse — a conversion lasts at least a
     * read, and the rows are driven once per multiplexed column (DAC energy x mux positions). false: the
     * column charge is held (sample-and-hold) and converted after one read.
     */
    senseDuringRead: boolean;
  };
  digital: {
    clockGHz: number;
    /** XOR+popcount bits per cycle of the Hamming unit attached to each array. */
    hammingBitsPerCycle: number;
    /** Accumulation operations (lookup, 2 multiplies, add / shift-add) per cycle per layer (per array with accumulatePerArray). */
    accumulateOpsPerCycle: number;
    /** Each array has its own accumulation units (e.g. a shift-adder per ADC, as in NeuroSim), rather than one unit per layer. */
    accumulatePerArray: boolean;
    /** Weight precision of the conventional design (bit-sliced over devices of log2(levels) bits). */
    weightBits: number;
  };
  latency: {
    /** Array integration per read, cycles. */
    readCycles: number;
    /** One PWM unit pulse, cycles. */
    pwmCyclesPerLevel: number;
    comparatorCycles: number;
    sarCyclesPerBit: number;
    flashCycles: number;
    /** Programming one row of one array (write-verify), cycles; arrays program in parallel. */
    writeCyclesPerRow: number;
  };
  energy: {
    /** Input driver/DAC energy per bit per row per read, pJ. */
    dacPerBitPJ: number;
    /** One comparator decision, pJ. */
    comparatorPJ: number;
    /**
     * SAR/ADC energy model: 'survey' = the lower envelope of B. Murmann's ADC survey, E(n) = adcFloorPJ +
     * adcThermalAJ * 4^n (n = ENOB); 'fom' = waldenFomFJ * 2^n + the thermal term of the Schreier FOM (dB);
     * 'components' = n comparator decisions + a binary-weighted CDAC switching 2^n * cdacUnitFJ.
     * adcTablePJ[n] overrides any of them.
     */
    adcModel: AdcModel;
    adcFloorPJ: number;
    adcThermalAJ: number;
    adcWaldenFomFJ: number;
    adcSchreierFomDB: number;
    cdacUnitFJ: number;
    adcTablePJ: Record<string, number>;
    /** SRAM read energy per bit (weight codes, norms), pJ. */
    sramPerBitPJ: number;
    /** XOR + popcount-tree energy per bit, pJ. */
    hammingPerBitPJ: number;
    /** cos(pi h / K) table lookup, pJ. */
    cosLookupPJ: number;
    /** fp16 add and multiply (estimator scaling and accumulation), pJ. */
    fpAddPJ: number;
    fpMultiplyPJ: number;
    /** 32-bit integer add (partial-sum shift-add of the conventional design), pJ. */
    intAddPJ: number;
    /** Programming one device, pJ. */
    cellWritePJ: number;
  };
  /** Area model (area.ts): unit areas in F^2 (F = featureNm), so they scale with the technology node. */
  area: {
    /** Feature size (technology node), nm. */
    featureNm: number;
    /** One memory device (1T1R: 4F x 12F). */
    cellF2: number;
    /** One latch comparator (a flash ADC has 2^n - 1; a SAR ADC one). */
    comparatorF2: number;
    /** One CDAC unit capacitor of a SAR ADC (2^n units). */
    cdacUnitF2: number;
    /** One flip-flop (SAR register bit, pipeline register). */
    flipFlopF2: number;
    /** One full-adder bit (shift-adders, popcount trees, adders of the accumulation units). */
    adderBitF2: number;
    /** One 6T SRAM bit (weight codes, norms, activation buffer). */
    sramBitF2: number;
    /** Accumulator width per converter of the conventional design, bits. */
    accumulatorBits: number;
  };
  workload: {
    /** Mean |input| as a fraction of full scale (scales cell read energy). */
    inputActivity: number;
    /** Mean |weight| as a fraction of gMax - gMin (mean conductance of a device pair). */
    weightFraction: number;
    /** Images per re-programming when the model does not fit the chip. */
    batchSize: number;
  };
  /** Seed of the counter-based noise generator. */
  seed: number;
}

/**
 * The energy-per-conversion envelope of B. Murmann, "ADC Performance Survey 1997-2025" (github
 * bmurmann/ADC-survey, xls/ADCsurvey_latest.xlsx at commit ddf3c1b, rev. 2025-06-09; columns extracted to
 * data/adc-survey/adc-survey.csv): floor = mean of the three smallest P/fsnyq, thermal coefficient = mean of
 * the three smallest P/fsnyq / 4^ENOB (ENOB = (SNDR - 1.76) / 6.02), the survey's own envelope recipe
 * (plots/energy_plot.ipynb). test/sim-adc-survey.test.ts recomputes both from the CSV.
 */
export const SURVEY_ENVELOPE = { floorPJ: 0.26722233, thermalAJ: 0.14456302 } as const;

/** The defaults (docs/simulator.md: "Default tables" gives the source of every number). */
export const DEFAULT_CONFIG: SimConfig = {
  crossbar: { rows: 256, columns: 256, arrays: 1024 },
  device: {
    gMinUS: 0.1, gMaxUS: 25, levels: 16, differential: 'columns', noiseModel: 'simple',
    programmingNoise: 0.03, readNoise: 0.01, driftNu: 0.05, driftNuSigma: 0.01, driftTimeS: 0, driftT0S: 20, driftCompensation: true,
    stuckAtGmin: 0, stuckAtGmax: 0, readVoltageV: 0.2,
  },
  dac: { bits: 8, mode: 'pwm' },
  readout: {
    hashed: { type: 'comparator', bits: 1, mux: 1 },
    conventional: { type: 'sar', bits: 8, mux: 8 },
    comparatorOffset: 0.05,
    adcRange: 0.5,
    senseDuringRead: false,
  },
  digital: { clockGHz: 1, hammingBitsPerCycle: 512, accumulateOpsPerCycle: 16, accumulatePerArray: false, weightBits: 8 },
  latency: { readCycles: 10, pwmCyclesPerLevel: 1, comparatorCycles: 1, sarCyclesPerBit: 1, flashCycles: 1, writeCyclesPerRow: 1000 },
  energy: {
    dacPerBitPJ: 0.01, comparatorPJ: 0.01, adcModel: 'survey', adcFloorPJ: SURVEY_ENVELOPE.floorPJ, adcThermalAJ: SURVEY_ENVELOPE.thermalAJ, adcWaldenFomFJ: 5, adcSchreierFomDB: 185, cdacUnitFJ: 0.5, adcTablePJ: {},
    sramPerBitPJ: 10 / 64, hammingPerBitPJ: 0.005, cosLookupPJ: 0.5, fpAddPJ: 0.4, fpMultiplyPJ: 1.1, intAddPJ: 0.1,
    cellWritePJ: 10,
  },
  area: { featureNm: 22, cellF2: 48, comparatorF2: 30000, cdacUnitF2: 2000, flipFlopF2: 1000, adderBitF2: 2500, sramBitF2: 200, accumulatorBits: 24 },
  workload: { inputActivity: 0.5, weightFraction: 0.25, batchSize: 1 },
  seed: 1,
};

/** A partial config: any subset of fields at any depth. */
export type SimConfigInput = { [S in keyof SimConfig]?: SimConfig[S] extends object ? { [F in keyof SimConfig[S]]?: SimConfig[S][F] extends object ? Partial<SimConfig[S][F]> : SimConfig[S][F] } : SimConfig[S] };

const int = (min: number, max = 2 ** 31 - 1) => (n: string, v: unknown) => checkInt(n, v, min, max);
const num = (min = 0, max = Infinity) => (n: string, v: unknown) => {
  const x = checkFinite(n, v);
  if (x < min || x > max) throw new RangeError(`${n}: expected a number in [${min}, ${max}], got ${x}`);
  return x;
};
const pos = (n: string, v: unknown) => checkFinite(n, v, { positive: true });
const oneOf = <T extends string>(allowed: readonly T[]) => (n: string, v: unknown) => checkEnum(n, v, allowed);
/** A field checker; `current` is the value being overridden (defaults for readout sub-fields). */
type Checker = (name: string, value: unknown, current: unknown) => unknown;
const readout = (n: string, v: unknown, current: unknown) => checkReadout(n, v, current as ReadoutConfig);
const FIELDS: { [S in keyof SimConfig]: SimConfig[S] extends object ? Record<string, Checker> : Checker } = {
  crossbar: { rows: int(1, 1 << 20), columns: int(1, 1 << 20), arrays: int(1) },
  device: {
    gMinUS: num(0), gMaxUS: pos, levels: int(2, 1 << 16), differential: oneOf(['columns', 'rows', 'none'] as const), noiseModel: oneOf(['simple', 'pcm'] as const),
    programmingNoise: num(0), readNoise: num(0), driftNu: num(0, 1), driftNuSigma: num(0), driftTimeS: num(0), driftT0S: pos, driftCompensation: (n: string, v: unknown) => checkBool(n, v),
    stuckAtGmin: num(0, 1), stuckAtGmax: num(0, 1), readVoltageV: pos,
  },
  dac: { bits: int(0, 16), mode: oneOf(['parallel', 'pwm', 'bit-serial'] as const) },
  readout: { hashed: readout, conventional: readout, comparatorOffset: num(0), adcRange: pos, senseDuringRead: (n: string, v: unknown) => checkBool(n, v) },
  digital: { clockGHz: pos, hammingBitsPerCycle: int(1), accumulateOpsPerCycle: int(1), accumulatePerArray: (n: string, v: unknown) => checkBool(n, v), weightBits: int(1, 32) },
  latency: {
    readCycles: int(1), pwmCyclesPerLevel: int(1), comparatorCycles: int(1), sarCyclesPerBit: int(1), flashCycles: int(1),
    writeCyclesPerRow: int(0),
  },
  energy: {
    dacPerBitPJ: num(0), comparatorPJ: num(0), adcModel: oneOf(['survey', 'fom', 'components'] as const), adcFloorPJ: num(0), adcThermalAJ: num(0), adcWaldenFomFJ: num(0),
    adcSchreierFomDB: num(100, 250), cdacUnitFJ: num(0), adcTablePJ: checkAdcTable,
    sramPerBitPJ: num(0), hammingPerBitPJ: num(0), cosLookupPJ: num(0), fpAddPJ: num(0), fpMultiplyPJ: num(0), intAddPJ: num(0),
    cellWritePJ: num(0),
  },
  area: {
    featureNm: pos, cellF2: num(0), comparatorF2: num(0), cdacUnitF2: num(0), flipFlopF2: num(0), adderBitF2: num(0), sramBitF2: num(0),
    accumulatorBits: int(1, 128),
  },
  workload: { inputActivity: num(0, 1), weightFraction: num(0, 1), batchSize: int(1) },
  seed: int(0, 2 ** 32 - 1),
};

function checkAdcTable(name: string, value: unknown): Record<string, number> {
  const t = checkObject(name, value);
  const out: Record<string, number> = {};
  for (const [bits, pj] of Object.entries(t)) {
    checkInt(`${name} key`, Number(bits), 1, 16);
    out[bits] = num(0)(`${name}.${bits}`, pj);
  }
  return out;
}

function checkReadout(name: string, value: unknown, base: ReadoutConfig): ReadoutConfig {
  const o = checkObject(name, value);
  for (const k of Object.keys(o)) if (!(k in base)) throw new RangeError(`${name}: unknown field '${k}' (expected type, bits, mux)`);
  const r: ReadoutConfig = {
    type: o.type === undefined ? base.type : checkEnum(`${name}.type`, o.type, ['comparator', 'sar', 'flash'] as const),
    bits: o.bits === undefined ? base.bits : checkInt(`${name}.bits`, o.bits, 1, 16),
    mux: o.mux === undefined ? base.mux : checkInt(`${name}.mux`, o.mux, 1, 1 << 20),
  };
  if (r.type === 'comparator' && r.bits !== 1) throw new RangeError(`${name}.bits: a comparator resolves 1 bit, got ${r.bits}`);
  if (r.type === 'flash' && r.bits > 10) throw new RangeError(`${name}.bits: a flash ADC above 10 bits (${r.bits}) is not modelled`);
  return r;
}

/**
 * The full config: defaults (or `base` over the defaults) overridden by `input` (an object or a JSON string). Unknown sections or
 * fields, wrong types and out-of-range values are rejected with errors naming the field.
 */
export function resolveConfig(input: SimConfigInput | string = {}, base?: SimConfigInput): SimConfig {
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(input);
    } catch (e) {
      throw new TypeError(`config: not valid JSON (${(e as Error).message})`);
    }
  }
  const user = checkObject('config', raw);
  // `base` (e.g. a preset) replaces the defaults it names; `input` then overrides both.
  const out = structuredClone(base ? resolveConfig(base) : DEFAULT_CONFIG) as unknown as Record<string, unknown>;
  for (const [section, value] of Object.entries(user)) {
    const spec = (FIELDS as Record<string, unknown>)[section];
    if (spec === undefined) throw new RangeError(`config: unknown section '${section}' (expected ${Object.keys(FIELDS).join(', ')})`);
    if (typeof spec === 'function') {
      out[section] = (spec as Checker)(`config.${section}`, value, out[section]);
      continue;
    }
    const fields = checkObject(`config.${section}`, value);
    const target = out[section] as Record<string, unknown>;
    for (const [field, v] of Object.entries(fields)) {
      const check = (spec as Record<string, Checker>)[field];
      const name = `config.${section}.${field}`;
      if (!check) throw new RangeError(`${name}: unknown field (expected ${Object.keys(spec as object).join(', ')})`);
      target[field] = check(name, v, target[field]);
    }
  }
  const cfg = out as unknown as SimConfig;
  checkConsistency(cfg);
  return cfg;
}

function checkConsistency(c: SimConfig): void {
  if (c.device.gMinUS >= c.device.gMaxUS) {
    throw new RangeError(`config.device.gMinUS: expected < gMaxUS (${c.device.gMaxUS}), got ${c.device.gMinUS}`);
  }
  if (c.device.stuckAtGmin + c.device.stuckAtGmax > 1) throw new RangeError('config.device: stuckAtGmin + stuckAtGmax must be <= 1');
  for (const design of ['hashed', 'conventional'] as const) {
    const r = c.readout[design];
    if (r.mux > c.crossbar.columns) {
      throw new RangeError(`config.readout.${design}.mux: expected <= crossbar.columns (${c.crossbar.columns}), got ${r.mux}`);
    }
  }
  if (c.dac.mode !== 'parallel' && c.dac.bits === 0) throw new RangeError(`config.dac.bits: ${c.dac.mode} inputs need >= 1 bit (0 = ideal analog is 'parallel' only)`);
  const { rows, columns } = logicalArray(c);
  if (rows < 1 || columns < 1) throw new RangeError(`config.crossbar: a ${c.crossbar.rows}x${c.crossbar.columns} array holds no differential pair`);
}

/** Rows and columns one array offers for signed weights after the differential encoding. */
export function logicalArray(c: SimConfig): { rows: number; columns: number } {
  const d = c.device.differential;
  return {
    rows: d === 'rows' ? Math.floor(c.crossbar.rows / 2) : c.crossbar.rows,
    columns: d === 'columns' ? Math.floor(c.crossbar.columns / 2) : c.crossbar.columns,
  };
}
