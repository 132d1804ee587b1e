/**
 * Functional path: the bits a noisy crossbar produces for a hashed layer, fed into the digital Hamming
 * path, next to the noiseless codes of the same inputs.
 * - programTile: the projection of one tile pair as programmed devices (per-column scaling to the
 *   conductance range, level quantisation, programming noise, stuck-at faults, drift — or aihwkit's PCM
 *   model, pcm.ts), the comparator
 *   offsets of its columns and the column read-noise std. Static noise is drawn from the counter RNG
 *   keyed by (seed, layer, tile pair, device row, column), so it is the same on every backend.
 * - hashedLayer: y = sum over tile pairs of ||x|| ||w|| cos(pi h / K) with h from the noisy (or clean)
 *   codes; returns both outputs and the bit errors.
 */
import type { BackendName } from '../backend.js';
import { packedBits, type PackedBits } from '../bits.js';
import { gaussian, rowKey, streamKey, uniform } from '../counter-rng.js';
import { FLOAT32_EPS, hammingGemm, signProject } from '../kernels/lsh.js';
import { noisySignProject } from '../kernels/noisy.js';
import type { SimConfig } from './config.js';
import type { HashShape } from './shapes.js';
import { pcmConductanceUS, pcmMeanDriftFactor } from './pcm.js';
import { devicesPerWeight } from './tables.js';

export interface ProgrammedTile {
  /** [K, len] effective weights (G+ - G-) in units of gMax - gMin. */
  weights: Float32Array;
  /** [K] comparator offsets, same units (one device's full-scale current). */
  offsets: Float32Array;
  /** Column read-noise std: per-device read noise summed over the column's devices. */
  readNoise: number;
}

/** Stream id of one tile pair of one layer (layer < 256, tiles < 4096). */
export const tileStream = (layer: number, i: number, j: number): number => ((layer << 24) | (i << 12) | j) >>> 0;

/** Salt separating the read-noise key space from the static (programming) noise. */
const READ_NOISE_SALT = 0x632be5ab;

export function programTile(proj: Float32Array, K: number, len: number, c: SimConfig, layer: number, i: number, j: number): ProgrammedTile {
  const d = c.device;
  const steps = d.levels - 1;
  const gMin = d.gMinUS / (d.gMaxUS - d.gMinUS);
  const key = streamKey(c.seed, tileStream(layer, i, j));
  const drifting = d.driftTimeS > 0;
  const ratio = Math.max(d.driftTimeS, d.driftT0S) / d.driftT0S;
  // Row keys of the noise rows: kind + 0 programming noise, + 1 stuck-at, + 2 drift exponent (kinds 1 and
  // 4: the two devices of a pair); rows 7 and 8: the PCM read noise of either device.
  const rowKeys = Array.from({ length: 8 }, (_, t) => Uint32Array.from({ length: len }, (_, r) => rowKey(key, ((t < 6 ? (t < 3 ? 1 : 4) + (t % 3) : t + 1) << 20) | r)));
  const faults = d.stuckAtGmin + d.stuckAtGmax > 0;
  const pcm = d.noiseModel === 'pcm', range = d.gMaxUS - d.gMinUS;
  /** A stuck device's conductance (normalised), or undefined; `keys` picks the fault row. */
  const stuck = (keys: number, row: number, col: number): number | undefined => {
    if (!faults) return undefined;
    const u = uniform(rowKeys[keys + 1][row], col);
    return u < d.stuckAtGmin ? gMin : u < d.stuckAtGmin + d.stuckAtGmax ? gMin + 1 : undefined;
  };
  /** One device programmed to `target` in [0, 1] of the range; `kind` (1 or 4) picks its noise rows. */
  const device = (target: number, kind: number, row: number, col: number): number => {
    const keys = kind === 1 ? 0 : 3;
    const level = Math.round(target * steps) / steps;
    if (pcm) {
      const z = { prog: gaussian(rowKeys[keys][row], col), nu: gaussian(rowKeys[keys + 2][row], col), read: gaussian(rowKeys[kind === 1 ? 6 : 7][row], col) };
      return stuck(keys, row, col) ?? pcmConductanceUS(d.gMinUS + level * range, d.gMaxUS, d.driftTimeS, z, d.driftT0S) / range;
    }
    const g = stuck(keys, row, col) ?? gMin + Math.min(1, Math.max(0, level + d.programmingNoise * gaussian(rowKeys[keys][row], col)));
    if (!drifting) return g;
    const nu = d.driftNu + d.driftNuSigma * gaussian(rowKeys[keys + 2][row], col);
    return g * ratio ** -nu;
  };
  const weights = new Float32Array(K * len);
  for (let k = 0; k < K; k++) {
    let pmax = 0;
    for (let r = 0; r < len; r++) pmax = Math.max(pmax, Math.abs(proj[k * len + r]));
    for (let r = 0; r < len; r++) {
      // Each column is scaled to the full range on its own: a positive column scale keeps its sign bit.
      const w = pmax > 0 ? proj[k * len + r] / pmax : 0;
      weights[k * len + r] = d.differential === 'none'
        ? 2 * (device((w + 1) / 2, 1, r, k) - referenceConductance(c))
        : device(Math.max(w, 0), 1, r, k) - device(Math.max(-w, 0), 4, r, k);
    }
  }
  const offsets = new Float32Array(K);
  for (let k = 0; k < K; k++) offsets[k] = c.readout.comparatorOffset * gaussian(rowKey(key, 15 << 20), k);
  return { weights, offsets, readNoise: d.readNoise * Math.sqrt(len * devicesPerWeight(c)) };
}

/** The reference device of a single-device ('none') encoding at mid-range, drifting with the mean exponent. */
function referenceConductance(c: SimConfig): number {
  const d = c.device, gMin = d.gMinUS / (d.gMaxUS - d.gMinUS);
  if (d.noiseModel === 'pcm') return (gMin + 0.5) * pcmMeanDriftFactor(d.gMinUS + 0.5 * (d.gMaxUS - d.gMinUS), d.gMaxUS, d.driftTimeS, d.driftT0S);
  return (gMin + 0.5) * (d.driftTimeS > 0 ? (Math.max(d.driftTimeS, d.driftT0S) / d.driftT0S) ** -d.driftNu : 1);
}

export interface NoisyLayerStats {
  /** Code bits produced and how many differ from the noiseless codes of the same inputs. */
  bits: number;
  bitErrors: number;
  /** ||y_noisy - y_clean|| / ||y_clean|| over the layer output. */
  outputError: number;
}

export interface HashedLayerInput {
  /** [M, D] im2col rows, or the same rows already cut into input tiles ([M, len(tile i)] each). */
  x?: Float32Array;
  xTiles?: Float32Array[];
  M: number;
  D: number;
  weight: Float32Array;
  N: number;
  bias?: Float32Array;
  hash: HashShape;
  /** Projection of tile pair (i, j), [K, len(tile i)], at tiles[i * nJ + j]. */
  tiles: Float32Array[];
}

export interface HashedLayerOptions {
  /** Run the noisy crossbar (else only the noiseless codes). */
  config?: SimConfig;
  layer?: number;
  backend?: BackendName;
}

function sliceColumns(x: Float32Array, M: number, D: number, c0: number, len: number): Float32Array {
  const out = new Float32Array(M * len);
  for (let m = 0, o = 0; m < M; m++) for (let d = 0, s = m * D + c0; d < len; d++) out[o++] = x[s + d];
  return out;
}

/** Differing bits of two equally laid-out code sets, 32 bits at a time. */
function popcountXor(a: PackedBits, b: PackedBits): number {
  const wa = new Int32Array(a.data.buffer, a.data.byteOffset, a.data.length >> 2);
  const wb = new Int32Array(b.data.buffer, b.data.byteOffset, b.data.length >> 2);
  let n = 0;
  for (let i = 0; i < wa.length; i++) {
    let v = wa[i] ^ wb[i];
    v -= (v >>> 1) & 0x55555555;
    v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
    n += Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
  }
  return n;
}

/**
 * The tiled hash layer (SPEC §3) with codes from the noiseless sign projection and, when `config` is
 * given, from the noisy crossbar as well. Returns the clean output, the noisy one and the bit errors.
 */
export function hashedLayer(l: HashedLayerInput, opts: HashedLayerOptions = {}): { clean: Float32Array; noisy?: Float32Array; stats?: NoisyLayerStats } {
  const { inputTileSize: Ti, outputTileSize: To, hashLength: K } = l.hash;
  const nI = Math.ceil(l.D / Ti), nJ = Math.ceil(l.N / To);
  const c = opts.config, backend = opts.backend;
  const clean = new Float64Array(l.M * l.N);
  const noisy = c ? new Float64Array(l.M * l.N) : undefined;
  const est = Float64Array.from({ length: K + 1 }, (_, h) => Math.cos((Math.PI * h) / K));
  let bitErrors = 0;
  const eps = FLOAT32_EPS; // a local: module getters are slow in hot loops
  for (let i = 0; i < nI; i++) {
    const c0 = i * Ti, len = Math.min(Ti, l.D - c0);
    const xt = l.xTiles ? l.xTiles[i] : sliceColumns(l.x!, l.M, l.D, c0, len);
    if (xt.length !== l.M * len) throw new RangeError(`hashedLayer: xTiles[${i}]: expected [${l.M}, ${len}]`);
    for (let j = 0; j < nJ; j++) {
      const n0 = j * To, to = Math.min(To, l.N - n0);
      const proj = { data: l.tiles[i * nJ + j], shape: [K, len] };
      const wt = sliceColumns(l.weight.subarray(n0 * l.D, (n0 + to) * l.D), to, l.D, c0, len);
      const w = signProject({ data: wt, shape: [to, len] }, proj, { backend });
      const x = signProject({ data: xt, shape: [l.M, len] }, proj, { backend });
      const wn = Float64Array.from(w.norms, (v) => v + eps);
      const accumulate = (codes: PackedBits, acc: Float64Array) => {
        const dist = hammingGemm(codes, w.codes, { backend }).data;
        for (let m = 0; m < l.M; m++) {
          const xn = x.norms[m] + eps, row = m * l.N + n0, drow = m * to;
          for (let n = 0; n < to; n++) acc[row + n] += xn * wn[n] * est[dist[drow + n]];
        }
      };
      accumulate(x.codes, clean);
      if (c && noisy) {
        const p = programTile(l.tiles[i * nJ + j], K, len, c, opts.layer ?? 0, i, j);
        const codes = noisySignProject({ data: xt, shape: [l.M, len] }, { data: p.weights, shape: [K, len] }, p.offsets, {
          dacBits: c.dac.bits, readNoise: p.readNoise, seed: (c.seed + READ_NOISE_SALT) >>> 0, stream: tileStream(opts.layer ?? 0, i, j),
          out: packedBits(l.M, K), backend,
        });
        bitErrors += popcountXor(codes, x.codes);
        accumulate(codes, noisy);
      }
    }
  }
  const finish = (acc: Float64Array) => {
    const y = new Float32Array(acc.length);
    for (let m = 0, t = 0; m < l.M; m++) for (let n = 0; n < l.N; n++, t++) y[t] = acc[t] + (l.bias ? l.bias[n] : 0);
    return y;
  };
  const y = finish(clean);
  if (!noisy) return { clean: y };
  const yn = finish(noisy);
  let num = 0, den = 0;
  for (let t = 0; t < y.length; t++) {
    num += (yn[t] - y[t]) ** 2;
    den += y[t] ** 2;
  }
  return { clean: y, noisy: yn, stats: { bits: l.M * K * nI * nJ, bitErrors, outputError: den > 0 ? Math.sqrt(num / den) : 0 } };
}
