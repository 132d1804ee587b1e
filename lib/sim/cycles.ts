/**
 * Cycle-level execution of one mapped layer, vector by vector. Every array of the layer is driven at
 * once (analog stage: DAC phases + integration); each array then converts its columns through its
 * shared converters (readout) and, in the hashed design, compares the codes with the stored weight
 * codes (Hamming); one accumulation unit per layer joins the arrays. Units are pipelined across vectors:
 * a unit starts vector v when it has finished v-1 and its inputs for v are ready.
 */
import { logicalArray, type SimConfig } from './config.js';
import type { LayerMapping } from './mapping.js';
import type { LayerShape } from './shapes.js';
import { conversionCycles, readCycles, readPhases, weightSlices } from './tables.js';

/** Cycles per vector of each unit; readout and hamming have one entry per array. */
export interface StageTimes {
  analog: number;
  readout: number[];
  hamming: number[];
  accumulate: number;
}

/** Accumulation-unit operations per vector (estimator updates and norm MACs, or shift-adds). */
export function accumulateOps(layer: LayerShape, m: LayerMapping, c: SimConfig): number {
  if (m.design === 'hashed') return layer.outputs * m.rowTiles + layer.inputs;
  return layer.outputs * weightSlices(c) * m.rowTiles * readPhases(c);
}

/** Conversions per vector per array: one per column, per input bit for a bit-serial conventional design. */
export function conversionsPerRead(m: LayerMapping, c: SimConfig): number {
  return m.design === 'hashed' ? 1 : readPhases(c);
}

export function stageTimes(layer: LayerShape, m: LayerMapping, c: SimConfig): StageTimes {
  const r = c.readout[m.design];
  const converters = Math.ceil(logicalArray(c).columns / r.mux);
  const perConversion = conversionCycles(r, c);
  const reads = conversionsPerRead(m, c);
  return {
    analog: readPhases(c) * readCycles(c),
    readout: m.arrays.map((a) => reads * Math.ceil(a.columns / converters) * perConversion),
    hamming: m.arrays.map((a) => (m.design === 'hashed' ? Math.ceil(a.hammingBits / c.digital.hammingBitsPerCycle) : 0)),
    accumulate: Math.ceil(accumulateOps(layer, m, c) / (c.digital.accumulateOpsPerCycle * (c.digital.accumulatePerArray ? m.arrays.length : 1))),
  };
}

export interface UnitBusy {
  analog: number;
  readout: number;
  hamming: number;
  accumulate: number;
}

export interface LayerRun {
  /** Cycle at which the last vector leaves the accumulator. */
  cycles: number;
  /** Busy cycles summed over the units of each kind. */
  busy: UnitBusy;
  /** Units of each kind (arrays for readout/hamming, one analog stage and one accumulator). */
  units: UnitBusy;
}

/** A stage event for the trace timeline: unit, vector, [start, end) in cycles from the layer start. */
export interface StageEvent {
  unit: string;
  vector: number;
  start: number;
  end: number;
}

/**
 * Simulates `vectors` vectors through the units, recording each unit's finish time per vector.
 * `onEvent` (optional) receives every stage occupancy, for the trace.
 */
export function simulateLayer(st: StageTimes, vectors: number, onEvent?: (e: StageEvent) => void): LayerRun {
  const A = st.readout.length;
  let analogEnd = 0, accEnd = 0;
  const readEnd = new Float64Array(A), hamEnd = new Float64Array(A);
  for (let v = 0; v < vectors; v++) {
    const a0 = analogEnd;
    analogEnd = a0 + st.analog;
    onEvent?.({ unit: 'analog', vector: v, start: a0, end: analogEnd });
    let ready = 0;
    for (let a = 0; a < A; a++) {
      const r0 = Math.max(analogEnd, readEnd[a]);
      readEnd[a] = r0 + st.readout[a];
      const h0 = Math.max(readEnd[a], hamEnd[a]);
      hamEnd[a] = h0 + st.hamming[a];
      if (onEvent) {
        onEvent({ unit: `readout[${a}]`, vector: v, start: r0, end: readEnd[a] });
        if (st.hamming[a] > 0) onEvent({ unit: `hamming[${a}]`, vector: v, start: h0, end: hamEnd[a] });
      }
      ready = Math.max(ready, hamEnd[a]);
    }
    const c0 = Math.max(ready, accEnd);
    accEnd = c0 + st.accumulate;
    onEvent?.({ unit: 'accumulate', vector: v, start: c0, end: accEnd });
  }
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  return {
    cycles: accEnd,
    busy: { analog: vectors * st.analog, readout: vectors * sum(st.readout), hamming: vectors * sum(st.hamming), accumulate: vectors * st.accumulate },
    units: { analog: 1, readout: A, hamming: st.hamming.some((h) => h > 0) ? A : 0, accumulate: 1 },
  };
}

/**
 * Closed form of simulateLayer: with deterministic stage times the last vector leaves at the longest
 * path through the (vector x stage) grid, max over arrays a of sum(path a) + (vectors - 1) * max(path a),
 * where path a = analog, readout[a], hamming[a], accumulate.
 */
export function closedFormCycles(st: StageTimes, vectors: number): number {
  let best = 0;
  for (let a = 0; a < st.readout.length; a++) {
    const path = [st.analog, st.readout[a], st.hamming[a], st.accumulate];
    best = Math.max(best, path.reduce((s, x) => s + x, 0) + (vectors - 1) * Math.max(...path));
  }
  return best;
}
