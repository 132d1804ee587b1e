/**
 * Public API of the noisy sign projection: the bits a crossbar with a 1-bit comparator per column
 * produces. The arithmetic is defined in float32 in a fixed order so that every backend gives the same
 * bits for the same seed (docs/simulator.md, "Functional path"):
 *   amax = max_d |x[m,d]|; L = max(1, 2^(dacBits-1) - 1) (1 and no rounding when dacBits = 0);
 *   s = fl(L / amax) (0 when amax = 0); q_d = dacBits ? clamp(floor(fl(fl(x_d * s) + 0.5)), -L, L) : fl(x_d * s);
 *   z = (...((0 + fl(q_0 w_k0)) + fl(q_1 w_k1)) + ...) summed in d order, never fused;
 *   v = fl(fl(fl(z * fl(1/L)) + fl(n * noiseScale)) + offsets[k]), n = gaussInt(rowKey(key, rowOffset + m), k);
 *   bit k of row m = v > 0.
 */
import type { CallOptions } from '../backend-contract.js';
import { checkPackedBits, packedBits, type PackedBits } from '../bits.js';
import { GAUSS_SCALE, streamKey } from '../counter-rng.js';
import type { Tensor } from '../tensor.js';
import { asVector, checkFinite, checkInt, checkNoAlias, checkOptions, Shapes } from '../validate.js';
import { defineKernel } from './define.js';
import type { NoisySignProjectPlan } from './noisy-plans.js';

export interface NoisySignProjectOptions extends CallOptions {
  /** Input DAC resolution in bits, 0..16 (0 = ideal analog input). Default 8. */
  dacBits?: number;
  /** Read-noise std per column read, in units of the programmed weights (>= 0). Default 0. */
  readNoise?: number;
  /** Noise seed and stream (e.g. the layer index), both uint32. Defaults 0, 0. */
  seed?: number;
  stream?: number;
  /** Global index of row 0, so chunks of one layer's rows draw the noise of their own rows. Default 0. */
  rowOffset?: number;
  /** Caller-provided output codes [M, K]. */
  out?: PackedBits;
}

const kernel = defineKernel('noisySignProject', (x: Tensor, weights: Tensor, offsets: Tensor | Float32Array, opts?: NoisySignProjectOptions) => {
  const fn = 'noisySignProject';
  const o = checkOptions(fn, opts, ['dacBits', 'readNoise', 'seed', 'stream', 'rowOffset', 'out', 'backend']) as NoisySignProjectOptions;
  const s = new Shapes(fn);
  const xt = s.tensor('x', x, 'float32', ['M', 'D']);
  const wt = s.tensor('weights', weights, 'float32', ['K', 'D']);
  const ot = s.tensor('offsets', asVector(offsets), 'float32', ['K']);
  const M = s.dim('M'), D = s.dim('D'), K = s.dim('K');
  const dacBits = o.dacBits === undefined ? 8 : checkInt(`${fn}: options.dacBits`, o.dacBits, 0, 16);
  const readNoise = o.readNoise === undefined ? 0 : checkFinite(`${fn}: options.readNoise`, o.readNoise);
  if (readNoise < 0) throw new RangeError(`${fn}: options.readNoise: expected >= 0, got ${readNoise}`);
  const seed = o.seed === undefined ? 0 : checkInt(`${fn}: options.seed`, o.seed, 0, 2 ** 32 - 1);
  const stream = o.stream === undefined ? 0 : checkInt(`${fn}: options.stream`, o.stream, 0, 2 ** 32 - 1);
  const rowOffset = o.rowOffset === undefined ? 0 : checkInt(`${fn}: options.rowOffset`, o.rowOffset, 0, 2 ** 32 - 1);
  const codes = o.out === undefined ? packedBits(M, K) : checkPackedBits(`${fn}: options.out`, o.out, K);
  if (codes.rows !== M) throw new RangeError(`${fn}: options.out: expected ${M} rows, got ${codes.rows}`);
  checkNoAlias(fn, 'options.out', codes.data, { x: xt.data, weights: wt.data, offsets: ot.data });
  const plan: NoisySignProjectPlan = {
    x: xt.data, weights: wt.data, offsets: ot.data, M, D, K, dacBits,
    noiseScale: Math.fround(Math.fround(readNoise) * GAUSS_SCALE), key: streamKey(seed, stream), rowOffset,
    codes: codes.data, stride: codes.stride,
  };
  return { plan, result: codes, backend: o.backend };
});

/** Sign bits of a noisy crossbar read of x [M, D] against programmed weights [K, D] (see the file comment). */
export const noisySignProject = kernel.sync;
export const noisySignProjectAsync = kernel.async;
