/**
 * The accounting of a whole model on one chip, hashed (comparator readout + digital Hamming) side by
 * side with the conventional design (multi-bit ADC + digital partial sums): mapping, cycle-level
 * execution, energy by component, op counts, re-programming when the model does not fit.
 */
import { designArea, totalArea, type AreaBreakdown } from './area.js';
import { resolveConfig, type SimConfig, type SimConfigInput } from './config.js';
import { simulateLayer, stageTimes, type StageEvent, type StageTimes, type UnitBusy } from './cycles.js';
import { addEnergy, layerCounts, layerEnergy, totalEnergy, zeroEnergy, type EnergyBreakdown, type OpCounts } from './energy.js';
import { mapConventional, mapHashed, type LayerMapping } from './mapping.js';
import { checkLayers, type LayerShape } from './shapes.js';
import { cycleSeconds } from './tables.js';

export type Design = 'hashed' | 'conventional';
export const DESIGNS: readonly Design[] = ['hashed', 'conventional'];

export interface LayerResult {
  name: string;
  arrays: number;
  utilisation: number;
  /** Execution rounds (> 1 when the layer alone needs more arrays than the chip has). */
  rounds: number;
  /** Cycles for one batch of images through this layer, re-programming included. */
  cycles: number;
  programCycles: number;
  /** Cycles per vector of the bottleneck unit (the steady-state initiation interval). */
  intervalCycles: number;
  busy: UnitBusy;
  /** Unit-cycles available per unit kind (units x execution cycles, summed over rounds). */
  capacity: UnitBusy;
  energyPJ: EnergyBreakdown;
  totalPJ: number;
  ops: OpCounts;
}

export interface DesignResult {
  design: Design;
  layers: LayerResult[];
  arrays: number;
  /** The model fits on the chip: weights are programmed once, never per inference. */
  fits: boolean;
  /** One-time programming when the model fits. */
  program: { devices: number; energyPJ: number; cycles: number };
  /** Cycles and seconds layer after layer of one image (model fits) or of one batch (re-programmed per batch). */
  cycles: number;
  latencyS: number;
  /** Images per second: layer-pipelined across images when the model fits, batch by batch otherwise. */
  throughput: number;
  /** Busy fraction per unit kind over the layers' execution. */
  utilisation: UnitBusy;
  energyPJ: EnergyBreakdown;
  totalPJ: number;
  ops: OpCounts;
  /** Chip area of this design by component (µm²): the arrays it instantiates and their periphery. */
  areaUM2: AreaBreakdown;
  totalAreaUM2: number;
}

export interface SimulationResult {
  config: SimConfig;
  hashed: DesignResult;
  conventional: DesignResult;
  /** hashed / conventional ratios of energy, latency, throughput and area. */
  ratios: { energy: number; latency: number; throughput: number; arrays: number; adcEnergy: number; area: number };
}

export interface SimulateOptions {
  /** Receives every stage occupancy (design, layer, event) for a trace; absolute cycles from the start. */
  onEvent?: (design: Design, layer: string, e: StageEvent) => void;
}

const MAPPERS = { hashed: mapHashed, conventional: mapConventional } as const;

/** Stage times of one execution round: its share of the arrays and of the accumulation work. */
function roundStages(st: StageTimes, first: number, count: number): StageTimes {
  const share = count / st.readout.length;
  return {
    analog: st.analog,
    readout: st.readout.slice(first, first + count),
    hamming: st.hamming.slice(first, first + count),
    accumulate: Math.ceil(st.accumulate * share),
  };
}

function runDesign(design: Design, layers: LayerShape[], c: SimConfig, opts: SimulateOptions): DesignResult {
  const maps = layers.map((l) => MAPPERS[design](l, c));
  const arrays = maps.reduce((s, m) => s + m.arrays.length, 0);
  const fits = arrays <= c.crossbar.arrays;
  const rowFactor = c.device.differential === 'rows' ? 2 : 1;
  const programCycles = (m: LayerMapping, first: number, count: number) =>
    Math.max(...m.arrays.slice(first, first + count).map((a) => a.rows * rowFactor)) * c.latency.writeCyclesPerRow;
  // A model that fits runs image by image; one that does not runs a batch per re-programming.
  const B = fits ? 1 : c.workload.batchSize;
  let clock = 0;
  const out: LayerResult[] = layers.map((layer, l) => {
    const m = maps[l];
    const st = stageTimes(layer, m, c);
    const rounds = Math.ceil(m.arrays.length / c.crossbar.arrays);
    let cycles = 0, program = 0, interval = 0;
    const busy: UnitBusy = { analog: 0, readout: 0, hamming: 0, accumulate: 0 };
    const capacity: UnitBusy = { analog: 0, readout: 0, hamming: 0, accumulate: 0 };
    for (let r = 0; r < rounds; r++) {
      const first = r * c.crossbar.arrays, count = Math.min(c.crossbar.arrays, m.arrays.length - first);
      const rs = rounds === 1 ? st : roundStages(st, first, count);
      if (!fits) {
        const p = programCycles(m, first, count);
        program += p;
        cycles += p;
      }
      const start = clock + cycles;
      const run = simulateLayer(rs, layer.vectors * B, opts.onEvent && ((e) => opts.onEvent!(design, layer.name, { ...e, start: e.start + start, end: e.end + start })));
      cycles += run.cycles;
      for (const k of Object.keys(busy) as (keyof UnitBusy)[]) {
        busy[k] += run.busy[k];
        capacity[k] += run.units[k] * run.cycles;
      }
      interval = Math.max(interval, Math.max(rs.analog, rs.accumulate, ...rs.readout, ...rs.hamming));
    }
    clock += cycles;
    const energyPJ = layerEnergy(layer, m, c, fits ? 0 : m.devices);
    return {
      name: layer.name, arrays: m.arrays.length, utilisation: m.utilisation, rounds, cycles, programCycles: program,
      intervalCycles: interval, busy, capacity, energyPJ, totalPJ: totalEnergy(energyPJ), ops: layerCounts(layer, m, c),
    };
  });
  const energyPJ = out.reduce((s, l) => addEnergy(s, l.energyPJ), zeroEnergy());
  const ops = out.reduce((s, l) => {
    for (const k of Object.keys(s) as (keyof OpCounts)[]) s[k] += l.ops[k];
    return s;
  }, { analogMacs: 0, conversions: 0, bitOps: 0, digitalOps: 0, hdops: 0, flops: 0 } as OpCounts);
  const utilisation = {} as UnitBusy;
  for (const k of ['analog', 'readout', 'hamming', 'accumulate'] as const) {
    const capacity = out.reduce((s, l) => s + l.capacity[k], 0);
    utilisation[k] = capacity > 0 ? out.reduce((s, l) => s + l.busy[k], 0) / capacity : 0;
  }
  const devices = maps.reduce((s, m) => s + m.devices, 0);
  const secs = cycleSeconds(c);
  // Pipelined across images, each layer on its own arrays accepts a new image every vectors * interval cycles.
  const bottleneck = Math.max(...out.map((l, i) => layers[i].vectors * l.intervalCycles));
  // The chip holds the arrays the model maps (at most crossbar.arrays, re-programmed when it does not fit).
  const areaUM2 = designArea(layers, maps, c, Math.min(arrays, c.crossbar.arrays));
  return {
    design, layers: out, arrays, fits,
    program: fits
      ? { devices, energyPJ: devices * c.energy.cellWritePJ, cycles: Math.max(...maps.map((m) => programCycles(m, 0, m.arrays.length))) }
      : { devices: 0, energyPJ: 0, cycles: 0 },
    cycles: clock,
    latencyS: clock * secs,
    throughput: fits ? 1 / (bottleneck * secs) : B / (clock * secs),
    utilisation, energyPJ, totalPJ: totalEnergy(energyPJ), ops, areaUM2, totalAreaUM2: totalArea(areaUM2),
  };
}

/** Accounts `layers` on the hardware `config` (defaults for every field not given). */
export function simulate(layers: LayerShape[], config: SimConfigInput | SimConfig | string = {}, opts: SimulateOptions = {}): SimulationResult {
  const c = resolveConfig(config as SimConfigInput);
  const ls = checkLayers('simulate', layers);
  const hashed = runDesign('hashed', ls, c, opts);
  const conventional = runDesign('conventional', ls, c, opts);
  return {
    config: c, hashed, conventional,
    ratios: {
      energy: hashed.totalPJ / conventional.totalPJ,
      latency: hashed.latencyS / conventional.latencyS,
      throughput: hashed.throughput / conventional.throughput,
      arrays: hashed.arrays / conventional.arrays,
      adcEnergy: hashed.energyPJ.adc / conventional.energyPJ.adc,
      area: hashed.totalAreaUM2 / conventional.totalAreaUM2,
    },
  };
}

