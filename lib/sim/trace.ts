/**
 * Chrome / Perfetto trace-event JSON of a simulation: one process per design, one thread per unit
 * (analog, readout[a], hamming[a], accumulate), one complete event ('X') per vector and stage, and one
 * event per layer. Load the file in ui.perfetto.dev or chrome://tracing.
 */
import type { SimConfig, SimConfigInput } from './config.js';
import type { LayerShape } from './shapes.js';
import { DESIGNS, simulate, type Design, type SimulationResult } from './simulate.js';

interface TraceEvent {
  name: string;
  ph: 'X' | 'M';
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  args?: Record<string, unknown>;
}

/** Runs the simulation while recording a trace; timestamps are microseconds of simulated time. */
export function simulateWithTrace(layers: LayerShape[], config: SimConfigInput | SimConfig | string = {}): { result: SimulationResult; trace: { traceEvents: TraceEvent[] } } {
  const events: TraceEvent[] = [];
  const tids = new Map<string, number>();
  const layerSpan = new Map<string, [number, number]>();
  const tid = (pid: number, unit: string) => {
    const key = `${pid}/${unit}`;
    let t = tids.get(key);
    if (t === undefined) {
      t = tids.size + 1;
      tids.set(key, t);
      events.push({ name: 'thread_name', ph: 'M', pid, tid: t, args: { name: unit } });
    }
    return t;
  };
  const raw: { design: Design; layer: string; unit: string; vector: number; start: number; end: number }[] = [];
  const result = simulate(layers, config, { onEvent: (design, layer, e) => raw.push({ design, layer, ...e }) });
  const usPerCycle = 1e-3 / result.config.digital.clockGHz;
  for (const d of DESIGNS) events.push({ name: 'process_name', ph: 'M', pid: DESIGNS.indexOf(d) + 1, tid: 0, args: { name: d } });
  for (const e of raw) {
    const pid = DESIGNS.indexOf(e.design) + 1;
    events.push({ name: `${e.layer} v${e.vector}`, ph: 'X', pid, tid: tid(pid, e.unit), ts: e.start * usPerCycle, dur: (e.end - e.start) * usPerCycle });
    const key = `${pid}/${e.layer}`;
    const span = layerSpan.get(key);
    layerSpan.set(key, span ? [Math.min(span[0], e.start), Math.max(span[1], e.end)] : [e.start, e.end]);
  }
  for (const [key, [s, t]] of layerSpan) {
    const [pid, layer] = [Number(key.slice(0, key.indexOf('/'))), key.slice(key.indexOf('/') + 1)];
    events.push({ name: layer, ph: 'X', pid, tid: tid(pid, 'layers'), ts: s * usPerCycle, dur: (t - s) * usPerCycle });
  }
  return { result, trace: { traceEvents: events } };
}
