/**
 * Functional model of the conventional design of a layer, for the accuracy side of the comparison:
 * weights quantised to digital.weightBits per output column (scaled to the column's largest weight),
 * programming noise of the bit-sliced devices, drift (or aihwkit's PCM model on a device pair per weight,
 * with a global drift-compensation gain per layer); inputs through the same DAC; per row tile an
 * analog column sum with read noise, clipped and quantised by the n-bit ADC, then scaled and summed
 * digitally. Stuck-at faults are not modelled here. float64 JS (a plain matrix product per layer).
 */
import { gaussian, rowKey, streamKey } from '../counter-rng.js';
import { logicalArray, type SimConfig } from './config.js';
import { tileStream } from './functional.js';
import { pcmConductanceUS } from './pcm.js';
import { devicesPerWeight, weightSlices } from './tables.js';

export interface ConventionalLayerInput {
  /** [M, D] input rows, weight [N, D], optional bias [N]. */
  x: Float32Array;
  M: number;
  D: number;
  weight: Float32Array;
  N: number;
  bias?: Float32Array;
}

/** Salts separating this design's noise from the hashed crossbar's. */
const PROGRAM_SALT = 0x1b873593, READ_SALT = 0xcc9e2d51;

function exactProduct(l: ConventionalLayerInput): Float32Array {
  const y = new Float32Array(l.M * l.N);
  for (let m = 0; m < l.M; m++) {
    for (let n = 0; n < l.N; n++) {
      let s = l.bias ? l.bias[n] : 0;
      for (let d = 0, xo = m * l.D, wo = n * l.D; d < l.D; d++) s += l.x[xo + d] * l.weight[wo + d];
      y[m * l.N + n] = s;
    }
  }
  return y;
}

/** Effective programmed weights [N, D] in units of each column's largest weight, and those scales. */
function programWeights(l: ConventionalLayerInput, c: SimConfig, layer: number): { w: Float64Array; scale: Float64Array } {
  const d = c.device;
  const L = 2 ** (c.digital.weightBits - 1) - 1 || 1;
  // Slice s of b bits weighs 2^-(s b) of the most significant one; each adds its device's noise.
  const b = Math.log2(d.levels);
  let v = 0;
  for (let s = 0; s < weightSlices(c); s++) v += 4 ** (-s * b);
  const noise = d.programmingNoise * Math.sqrt(v);
  const key = streamKey((c.seed ^ PROGRAM_SALT) >>> 0, tileStream(layer, 0, 0));
  const ratio = Math.max(d.driftTimeS, d.driftT0S) / d.driftT0S;
  const pcm = d.noiseModel === 'pcm', range = d.gMaxUS - d.gMinUS;
  /** A signed weight in [-1, 1] as a PCM device pair (aihwkit's model), in units of the range. */
  const pcmPair = (q: number, row: number, n: number): number => {
    const pair = [Math.max(q, 0), Math.max(-q, 0)].map((t, s) => {
      const z = { prog: gaussian(row, 6 * n + 3 * s), nu: gaussian(row, 6 * n + 3 * s + 1), read: gaussian(row, 6 * n + 3 * s + 2) };
      return pcmConductanceUS(d.gMinUS + t * range, d.gMaxUS, d.driftTimeS, z, d.driftT0S);
    });
    return (pair[0] - pair[1]) / range;
  };
  const w = new Float64Array(l.N * l.D), scale = new Float64Array(l.N);
  let programmed = 0, drifted = 0;
  for (let n = 0; n < l.N; n++) {
    let wmax = 0;
    for (let i = 0; i < l.D; i++) wmax = Math.max(wmax, Math.abs(l.weight[n * l.D + i]));
    scale[n] = wmax;
    for (let i = 0; i < l.D; i++) {
      const row = rowKey(key, i);
      const q = wmax > 0 ? Math.round((l.weight[n * l.D + i] / wmax) * L) / L : 0;
      if (pcm) {
        const e = pcmPair(q, row, n);
        programmed += Math.abs(q);
        drifted += Math.abs(e);
        w[n * l.D + i] = e;
        continue;
      }
      let e = q + noise * gaussian(row, 2 * n);
      // Drift of this weight; global drift compensation divides out the mean decay digitally.
      if (d.driftTimeS > 0) e *= ratio ** -(d.driftNu + d.driftNuSigma * gaussian(row, 2 * n + 1)) / (d.driftCompensation ? ratio ** -d.driftNu : 1);
      w[n * l.D + i] = e;
    }
  }
  // PCM: global drift compensation as in aihwkit, one digital gain per layer calibrated on the decay of
  // the layer's total conductance (sum |G+ - G-| now over the programmed targets).
  if (pcm && d.driftCompensation && drifted > 0) for (let t = 0; t < w.length; t++) w[t] *= programmed / drifted;
  return { w, scale };
}

/**
 * The exact product, and with a config the conventional crossbar's output of the same inputs and its
 * relative L2 error.
 */
export function conventionalLayer(l: ConventionalLayerInput, config?: SimConfig, layer = 0): { exact: Float32Array; noisy?: Float32Array; outputError?: number } {
  if (!config) return { exact: exactProduct(l) };
  const c = config;
  const { w, scale } = programWeights(l, c, layer);
  const R = logicalArray(c).rows, bits = c.readout.conventional.bits;
  const Lx = c.dac.bits === 0 ? 1 : Math.max(1, 2 ** (c.dac.bits - 1) - 1);
  const acc = new Float64Array(l.M * l.N), ref = new Float64Array(l.M * l.N);
  const xq = new Float64Array(R);
  for (let r = 0; r * R < l.D; r++) {
    const d0 = r * R, rows = Math.min(R, l.D - d0);
    const readStd = c.device.readNoise * Math.sqrt(rows * devicesPerWeight(c));
    const range = c.readout.adcRange * Math.sqrt(rows), half = 2 ** (bits - 1), lsb = range / half;
    const key = streamKey((c.seed ^ READ_SALT) >>> 0, tileStream(layer, r, 0));
    for (let m = 0; m < l.M; m++) {
      let amax = 0;
      for (let i = 0; i < rows; i++) amax = Math.max(amax, Math.abs(l.x[m * l.D + d0 + i]));
      if (amax === 0) continue;
      for (let i = 0; i < rows; i++) {
        const t = l.x[m * l.D + d0 + i] / amax;
        xq[i] = c.dac.bits === 0 ? t : Math.round(t * Lx) / Lx;
      }
      const row = rowKey(key, m);
      for (let n = 0; n < l.N; n++) {
        // The exact product of this row tile is summed in the same loop (same operands, one pass).
        let z = readStd * gaussian(row, n), e = 0;
        for (let i = 0, wo = n * l.D + d0, xo = m * l.D + d0; i < rows; i++) {
          z += xq[i] * w[wo + i];
          e += l.x[xo + i] * l.weight[wo + i];
        }
        const code = Math.min(half - 1, Math.max(-half, Math.round(z / lsb)));
        acc[m * l.N + n] += code * lsb * amax * scale[n];
        ref[m * l.N + n] += e;
      }
    }
  }
  const noisy = new Float32Array(l.M * l.N), exact = new Float32Array(l.M * l.N);
  let num = 0, den = 0;
  for (let t = 0; t < noisy.length; t++) {
    noisy[t] = acc[t] + (l.bias ? l.bias[t % l.N] : 0);
    exact[t] = ref[t] + (l.bias ? l.bias[t % l.N] : 0);
    num += (noisy[t] - exact[t]) ** 2;
    den += exact[t] ** 2;
  }
  return { exact, noisy, outputError: den > 0 ? Math.sqrt(num / den) : 0 };
}
