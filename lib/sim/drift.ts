/**
 * Accuracy over time under PCM drift, with energy, latency and area per image, of one hashed model on
 * both designs: hashed (1-bit comparators + digital Hamming) and conventional (multi-bit ADCs, one run
 * per ADC resolution). Every device follows aihwkit's PCM model (pcm.ts) at t seconds after programming;
 * the cost side is the accounting of the model's own layer shapes (simulate.ts).
 */
import type { BackendName } from '../backend.js';
import type { LabelledSet } from '../models/datasets.js';
import { accuracy } from '../models/evaluate.js';
import type { HashModel } from '../models/model.js';
import { resolveConfig, type SimConfig } from './config.js';
import { crossbarForward, type CrossbarDesign } from './forward.js';
import { modelShapes } from './shapes.js';
import { simulate } from './simulate.js';

/** 1 s, 1 hour, 1 day, 1 month (30 days), 1 year (365 days) after programming. */
export const DRIFT_TIMES_S = [1, 3600, 86400, 30 * 86400, 365 * 86400] as const;

export interface DriftSeries {
  /** 'hashed' or 'conventional N-bit'. */
  label: string;
  design: CrossbarDesign;
  adcBits?: number;
  /** Accuracy at each of the study's times. */
  accuracy: number[];
  /** Per image: total energy (pJ), its readout part (comparators or ADCs), latency (s); chip area (µm²). */
  energyPJ: number;
  readoutPJ: number;
  latencyS: number;
  areaUM2: number;
}

export interface DriftStudyResult {
  images: number;
  dataset: string;
  timesS: number[];
  /** The model's float (unhashed) and noiseless hashed accuracy on the same images. */
  floatAccuracy: number;
  hashedNoiselessAccuracy: number;
  series: DriftSeries[];
  seconds: number;
}

export interface DriftStudyOptions {
  timesS?: readonly number[];
  adcBits?: readonly number[];
  backend?: BackendName;
  /** Images per forward call (bounds im2col memory). */
  batchSize?: number;
}

/** The config at t seconds after programming, with the PCM device model. */
const atTime = (c: SimConfig, t: number, adcBits?: number): SimConfig => resolveConfig({
  device: { noiseModel: 'pcm', driftTimeS: t },
  ...(adcBits !== undefined && { readout: { conventional: { bits: adcBits } } }),
}, c);

/** Accuracy of `design` on `set` through the crossbars of `config`, batch by batch. */
function crossbarAccuracy(model: HashModel, set: LabelledSet, config: SimConfig, design: CrossbarDesign, o: DriftStudyOptions): number {
  const N = set.labels.length, per = set.images.data.length / N, bs = o.batchSize ?? 64;
  const C = model.numClasses, logits = new Float32Array(N * C);
  for (let b0 = 0; b0 < N; b0 += bs) {
    const n = Math.min(bs, N - b0);
    const x = { data: set.images.data.subarray(b0 * per, (b0 + n) * per), shape: [n, ...set.images.shape.slice(1)] };
    logits.set(crossbarForward(model, x, config, { design, backend: o.backend }).logits.data, b0 * C);
  }
  return accuracy({ data: logits, shape: [N, C] }, set.labels);
}

/** Runs the study: every design at every time on every image of `set`, and the accounting of each design. */
export function runDriftStudy(model: HashModel, set: LabelledSet, config: SimConfig, o: DriftStudyOptions = {}): DriftStudyResult {
  const t0 = performance.now();
  const times = [...(o.timesS ?? DRIFT_TIMES_S)];
  const bits = [...(o.adcBits ?? [4, 6, 8])];
  const shapes = modelShapes(model);
  const forward = (hashed: boolean) => accuracy(model.forward(set.images, { backend: o.backend, hashed }), set.labels);
  const series: DriftSeries[] = [];
  const hashedCost = simulate(shapes, config).hashed;
  series.push({
    label: 'hashed', design: 'hashed',
    accuracy: times.map((t) => crossbarAccuracy(model, set, atTime(config, t), 'hashed', o)),
    energyPJ: hashedCost.totalPJ, readoutPJ: hashedCost.energyPJ.adc, latencyS: hashedCost.latencyS, areaUM2: hashedCost.totalAreaUM2,
  });
  for (const b of bits) {
    const cost = simulate(shapes, atTime(config, 0, b)).conventional;
    series.push({
      label: `conventional ${b}-bit`, design: 'conventional', adcBits: b,
      accuracy: times.map((t) => crossbarAccuracy(model, set, atTime(config, t, b), 'conventional', o)),
      energyPJ: cost.totalPJ, readoutPJ: cost.energyPJ.adc, latencyS: cost.latencyS, areaUM2: cost.totalAreaUM2,
    });
  }
  return {
    images: set.labels.length, dataset: set.name, timesS: times,
    floatAccuracy: forward(false), hashedNoiselessAccuracy: forward(true),
    series, seconds: (performance.now() - t0) / 1000,
  };
}

/** "1 s", "1 h", "1 day", "30 days", "1 year" style labels. */
export function timeLabel(t: number): string {
  const units: [number, string][] = [[365 * 86400, 'year'], [86400, 'day'], [3600, 'h'], [60, 'min'], [1, 's']];
  for (const [s, u] of units) {
    if (t >= s) {
      const n = Number((t / s).toPrecision(3));
      return u.length > 2 && n !== 1 ? `${n} ${u}s` : `${n} ${u}`;
    }
  }
  return `${t} s`;
}

/** The CLI table: accuracy per time and cost per image, one row per design. */
export function formatDrift(r: DriftStudyResult): string {
  const head = ['design'.padEnd(20), ...r.timesS.map((t) => timeLabel(t).padStart(9)), 'energy/img'.padStart(12), 'readout'.padStart(11), 'latency'.padStart(10), 'area mm²'.padStart(10)];
  const lines = [
    `PCM drift study (aihwkit PCMLikeNoiseModel): ${r.images} images of ${r.dataset}, ${r.seconds.toFixed(1)} s`,
    `  float model ${r.floatAccuracy.toFixed(4)}, hashed noiseless ${r.hashedNoiselessAccuracy.toFixed(4)}; accuracy at t after programming:`,
    `  ${head.join('')}`,
  ];
  for (const s of r.series) {
    lines.push(`  ${s.label.padEnd(20)}${s.accuracy.map((a) => a.toFixed(4).padStart(9)).join('')}${`${(s.energyPJ * 1e-6).toPrecision(4)} uJ`.padStart(12)}` +
      `${`${(s.readoutPJ * 1e-6).toPrecision(3)} uJ`.padStart(11)}${`${(s.latencyS * 1e6).toPrecision(4)} us`.padStart(10)}${(s.areaUM2 * 1e-6).toPrecision(4).padStart(10)}`);
  }
  return lines.join('\n');
}
