/**
 * Public API of the LSH kernels (SPEC §1-3): sign projection, Hamming GEMM, and the tiled hash layer
 * with weights encoded once.
 */
import type { CallOptions } from '../backend-contract.js';
import { alignedStride, checkPackedBits, packedBits, type PackedBits } from '../bits.js';
import type { Tensor } from '../tensor.js';
import { asVector, checkArray, checkEnum, checkFinite, checkInt, checkNoAlias, checkObject, checkOptions, MAX_ELEMENTS, Shapes } from '../validate.js';
import { defineKernel } from './define.js';
import { tileCounts, type EncodeWeightsPlan, type Estimator, type HammingGemmPlan, type HammingKnnPlan, type HashGeometry, type HashLinearPlan, type SignProjectPlan } from './lsh-plans.js';

export type { Estimator } from './lsh-plans.js';

/** float32 machine epsilon, the scaffold's default `eps`. */
export const FLOAT32_EPS = 2 ** -23;

// ---------------------------------------------------------------------------------------------------
export interface SignProjectOptions extends CallOptions {
  /** Caller-provided outputs (reused across calls for allocation-free loops). */
  out?: { codes?: PackedBits; norms?: Float32Array };
}

export interface SignProjectResult {
  /** [M] rows of K sign bits, rows padded to whole 64-bit words. */
  codes: PackedBits;
  /** [M] Euclidean norms of the rows of x. */
  norms: Float32Array;
}

const signProjectKernel = defineKernel('signProject', (x: Tensor, proj: Tensor, opts?: SignProjectOptions) => {
  const fn = 'signProject';
  const o = checkOptions(fn, opts, ['out', 'backend']);
  const s = new Shapes(fn);
  const xt = s.tensor('x', x, 'float32', ['M', 'D']);
  const pt = s.tensor('proj', proj, 'float32', ['K', 'D']);
  const M = s.dim('M'), K = s.dim('K');
  const out = (o.out === undefined ? {} : checkObject(`${fn}: options.out`, o.out)) as SignProjectOptions['out'] & object;
  const codes = out.codes === undefined ? packedBits(M, K) : checkPackedBits(`${fn}: out.codes`, out.codes, K, true);
  if (codes.rows !== M) throw new RangeError(`${fn}: out.codes: expected ${M} rows, got ${codes.rows}`);
  const norms = out.norms === undefined ? new Float32Array(M) : checkArray(`${fn}: out.norms`, out.norms, 'float32');
  if (norms.length !== M) throw new RangeError(`${fn}: out.norms: expected ${M} elements, got ${norms.length}`);
  checkNoAlias(fn, 'out.codes', codes.data, { x: xt.data, proj: pt.data });
  checkNoAlias(fn, 'out.norms', norms, { x: xt.data, proj: pt.data });
  const plan: SignProjectPlan = { x: xt.data, proj: pt.data, M, D: s.dim('D'), K, codes: codes.data, stride: codes.stride, norms };
  return { plan, result: { codes, norms }, backend: o.backend as CallOptions['backend'] };
});

/** Sign bits of `x · projᵀ` (x: [M, D], proj: [K, D]) packed LSB-first, plus the row norms of x. */
export const signProject = signProjectKernel.sync;
export const signProjectAsync = signProjectKernel.async;

// ---------------------------------------------------------------------------------------------------
export interface HammingGemmOptions extends CallOptions {
  /** Caller-provided output [M, N]: an Int32Array, or a Uint16Array for codes shorter than 65536 bits. */
  out?: Int32Array | Uint16Array;
  /**
   * Element type of the result when `out` is not given: 'int32' (default) or 'uint16' (codes shorter
   * than 65536 bits; half the bytes to write, which is what bounds a Hamming GEMM over short codes).
   */
  resultType?: 'int32' | 'uint16';
}

/** Largest code length whose distances fit uint16. */
const UINT16_BITS = 65535;

function checkCodePair(fn: string, a: PackedBits, b: PackedBits): { ca: PackedBits; cb: PackedBits } {
  const ca = checkPackedBits(`${fn}: a`, a);
  const cb = checkPackedBits(`${fn}: b`, b);
  if (ca.bits !== cb.bits) throw new RangeError(`${fn}: b: expected ${ca.bits}-bit codes like a, got ${cb.bits}-bit`);
  return { ca, cb };
}

function hammingOut(fn: string, o: HammingGemmOptions, bits: number, count: number): Int32Array | Uint16Array {
  const type = o.resultType === undefined ? undefined : checkEnum(`${fn}: options.resultType`, o.resultType, ['int32', 'uint16'] as const);
  let dist: Int32Array | Uint16Array;
  if (o.out === undefined) {
    dist = type === 'uint16' ? new Uint16Array(count) : new Int32Array(count);
  } else {
    dist = o.out instanceof Uint16Array ? checkArray(`${fn}: options.out`, o.out, 'uint16') : checkArray(`${fn}: options.out`, o.out, 'int32');
    if (type !== undefined && type !== (dist instanceof Uint16Array ? 'uint16' : 'int32')) {
      throw new TypeError(`${fn}: options.out: a ${dist.constructor.name} does not hold resultType '${type}'`);
    }
  }
  if (dist instanceof Uint16Array && bits > UINT16_BITS) {
    throw new RangeError(`${fn}: uint16 results need codes of at most ${UINT16_BITS} bits, got ${bits}`);
  }
  return dist;
}

const hammingGemmKernel = defineKernel('hammingGemm', (a: PackedBits, b: PackedBits, opts?: HammingGemmOptions) => {
  const fn = 'hammingGemm';
  const o = checkOptions(fn, opts, ['out', 'resultType', 'backend']) as HammingGemmOptions;
  const { ca, cb } = checkCodePair(fn, a, b);
  const dist = hammingOut(fn, o, ca.bits, ca.rows * cb.rows);
  if (dist.length !== ca.rows * cb.rows) {
    throw new RangeError(`${fn}: options.out: expected [M, N] = [${ca.rows}, ${cb.rows}] (${ca.rows * cb.rows} elements), got ${dist.length}`);
  }
  const plan: HammingGemmPlan = {
    a: ca.data, b: cb.data, M: ca.rows, N: cb.rows, bits: ca.bits, strideA: ca.stride, strideB: cb.stride, dist,
  };
  return { plan, result: { data: dist, shape: [ca.rows, cb.rows] } as Tensor<Int32Array | Uint16Array>, backend: o.backend as CallOptions['backend'] };
});

type Int32Options = HammingGemmOptions & { out?: Int32Array; resultType?: 'int32' };
interface HammingGemmFn {
  (a: PackedBits, b: PackedBits, opts?: Int32Options): Tensor<Int32Array>;
  (a: PackedBits, b: PackedBits, opts: HammingGemmOptions): Tensor<Int32Array | Uint16Array>;
}
interface HammingGemmAsyncFn {
  (a: PackedBits, b: PackedBits, opts?: Int32Options): Promise<Tensor<Int32Array>>;
  (a: PackedBits, b: PackedBits, opts: HammingGemmOptions): Promise<Tensor<Int32Array | Uint16Array>>;
}

/** All-pairs Hamming distances: dist[m, n] = popcount(a[m] XOR b[n]), as int32 or (options) uint16. */
export const hammingGemm = hammingGemmKernel.sync as HammingGemmFn;
export const hammingGemmAsync = hammingGemmKernel.async as HammingGemmAsyncFn;

// ---------------------------------------------------------------------------------------------------
export interface HammingKnnOptions extends CallOptions {
  /** Only codes at distance <= maxDistance are listed (an integer >= 0; default: the code length, i.e. all). */
  maxDistance?: number;
  /** Caller-provided outputs [M, k]. */
  out?: { indices?: Int32Array; distances?: Int32Array };
}

export interface HammingKnnResult {
  /** [M, k] row indices into b, nearest first (ties: the smaller index first); -1 past the codes found. */
  indices: Tensor<Int32Array>;
  /** [M, k] their Hamming distances; -1 past the codes found. */
  distances: Tensor<Int32Array>;
}

const hammingKnnKernel = defineKernel('hammingKnn', (a: PackedBits, b: PackedBits, k: number, opts?: HammingKnnOptions) => {
  const fn = 'hammingKnn';
  const o = checkOptions(fn, opts, ['maxDistance', 'out', 'backend']) as HammingKnnOptions;
  const { ca, cb } = checkCodePair(fn, a, b);
  checkInt(`${fn}: k`, k, 1);
  const count = ca.rows * k;
  if (count > MAX_ELEMENTS) throw new RangeError(`${fn}: k: [M, k] = [${ca.rows}, ${k}] exceeds ${MAX_ELEMENTS} elements`);
  const maxDistance = o.maxDistance === undefined ? ca.bits : Math.min(checkInt(`${fn}: options.maxDistance`, o.maxDistance, 0), ca.bits);
  const out = (o.out === undefined ? {} : checkObject(`${fn}: options.out`, o.out)) as NonNullable<HammingKnnOptions['out']>;
  const indices = out.indices === undefined ? new Int32Array(count) : checkArray(`${fn}: out.indices`, out.indices, 'int32');
  const distances = out.distances === undefined ? new Int32Array(count) : checkArray(`${fn}: out.distances`, out.distances, 'int32');
  for (const [name, arr] of [['out.indices', indices], ['out.distances', distances]] as const) {
    if (arr.length !== count) throw new RangeError(`${fn}: ${name}: expected [M, k] = [${ca.rows}, ${k}] (${count} elements), got ${arr.length}`);
  }
  checkNoAlias(fn, 'out.distances', distances, { 'out.indices': indices });
  const plan: HammingKnnPlan = {
    a: ca.data, b: cb.data, M: ca.rows, N: cb.rows, bits: ca.bits, strideA: ca.stride, strideB: cb.stride, k, maxDistance, indices, distances,
  };
  const result: HammingKnnResult = { indices: { data: indices, shape: [ca.rows, k] }, distances: { data: distances, shape: [ca.rows, k] } };
  return { plan, result, backend: o.backend as CallOptions['backend'] };
});

/**
 * The k nearest codes of b for every row of a, without the [M, N] distance matrix: per row, the k
 * smallest (distance, index) pairs with distance <= maxDistance, ascending (SPEC "hamming_knn").
 */
export const hammingKnn = hammingKnnKernel.sync;
export const hammingKnnAsync = hammingKnnKernel.async;

// ---------------------------------------------------------------------------------------------------
/** Tile geometry of a hash layer; `estimator` defaults to 'angle' and `eps` to float32 epsilon. */
export interface HashLayerConfig {
  inputTileSize: number;
  outputTileSize: number;
  hashLength: number;
  estimator?: Estimator;
  eps?: number;
}

/** A layer's weights encoded once: codes and norms of every (input tile, output row) pair. */
export interface EncodedWeights extends HashGeometry {
  /** Output features N and input features D. */
  readonly N: number;
  readonly D: number;
  /** The projections, [nI, nJ, K, Ti]. */
  readonly proj: Tensor;
  /** [nI * N] rows of K bits: row i*N + n is weight row n, input tile i, under proj[i, n / To]. */
  readonly codes: PackedBits;
  /** [nI * N] tile norms plus eps. */
  readonly norms: Float32Array;
}

function checkGeometry(fn: string, config: unknown): HashGeometry {
  const c = checkObject(`${fn}: config`, config);
  return {
    inputTileSize: checkInt(`${fn}: config.inputTileSize`, c.inputTileSize, 1),
    outputTileSize: checkInt(`${fn}: config.outputTileSize`, c.outputTileSize, 1),
    hashLength: checkInt(`${fn}: config.hashLength`, c.hashLength, 1, 1 << 20),
    estimator: c.estimator === undefined ? 'angle' : checkEnum(`${fn}: config.estimator`, c.estimator, ['angle', 'linear'] as const),
    eps: c.eps === undefined ? FLOAT32_EPS : checkFinite(`${fn}: config.eps`, c.eps),
  };
}

function checkProjection(s: Shapes, proj: unknown, g: HashGeometry): Tensor {
  return s.tensor('proj', proj, 'float32', ['nI', 'nJ', g.hashLength, g.inputTileSize]);
}

const encodeWeightsKernel = defineKernel('encodeWeights', (weight: Tensor, proj: Tensor, config: HashLayerConfig, opts?: CallOptions) => {
  const fn = 'encodeWeights';
  const o = checkOptions(fn, opts, ['backend']);
  const g = checkGeometry(fn, config);
  const s = new Shapes(fn);
  const wt = s.tensor('weight', weight, 'float32', ['N', 'D']);
  const N = s.dim('N'), D = s.dim('D');
  const { nI, nJ } = tileCounts(D, N, g);
  s.bind('nI', nI).bind('nJ', nJ);
  const pt = checkProjection(s, proj, g);
  const codes = packedBits(nI * N, g.hashLength);
  const norms = new Float32Array(nI * N);
  const plan: EncodeWeightsPlan = { ...g, weight: wt.data, proj: pt.data, N, D, codes: codes.data, stride: codes.stride, norms };
  const result: EncodedWeights = { ...g, N, D, proj: pt, codes, norms };
  return { plan, result, backend: o.backend as CallOptions['backend'] };
});

/**
 * Encodes a layer's weights [N, D] under projections [nI, nJ, K, Ti] once, so inference hashes only the
 * inputs.
 */
export const encodeWeights = encodeWeightsKernel.sync;
export const encodeWeightsAsync = encodeWeightsKernel.async;

export interface HashLinearOptions extends CallOptions {
  /** Bias [N], added after the tile sums. */
  bias?: Float32Array | Tensor;
  /** Caller-provided output [B, N]. */
  out?: Float32Array;
}

function checkEncoded(fn: string, w: unknown): EncodedWeights {
  const e = checkObject(`${fn}: weights`, w) as unknown as EncodedWeights;
  const g = checkGeometry(`${fn}: weights`, e);
  const N = checkInt(`${fn}: weights.N`, e.N), D = checkInt(`${fn}: weights.D`, e.D);
  const { nI, nJ } = tileCounts(D, N, g);
  const s = new Shapes(`${fn}: weights`).bind('nI', nI).bind('nJ', nJ);
  checkProjection(s, e.proj, g);
  const codes = checkPackedBits(`${fn}: weights.codes`, e.codes, g.hashLength);
  if (codes.rows !== nI * N) throw new RangeError(`${fn}: weights.codes: expected nI * N = ${nI * N} rows, got ${codes.rows}`);
  const norms = checkArray(`${fn}: weights.norms`, e.norms, 'float32');
  if (norms.length !== nI * N) throw new RangeError(`${fn}: weights.norms: expected ${nI * N} elements, got ${norms.length}`);
  return e;
}

const hashLinearKernel = defineKernel('hashLinear', (x: Tensor, weights: EncodedWeights, opts?: HashLinearOptions) => {
  const fn = 'hashLinear';
  const o = checkOptions(fn, opts, ['bias', 'out', 'backend']) as HashLinearOptions;
  const w = checkEncoded(fn, weights);
  const s = new Shapes(fn).bind('D', w.D).bind('N', w.N);
  const xt = s.tensor('x', x, 'float32', ['B', 'D']);
  const B = s.dim('B');
  const bias = s.optional('options.bias', asVector(o.bias), 'float32', ['N'])?.data;
  const y = o.out === undefined ? new Float32Array(B * w.N) : checkArray(`${fn}: options.out`, o.out, 'float32');
  if (y.length !== B * w.N) throw new RangeError(`${fn}: options.out: expected [B, N] = [${B}, ${w.N}], got ${y.length} elements`);
  checkNoAlias(fn, 'options.out', y, { x: xt.data, bias });
  // Native kernels read codes as 64-bit words; encodeWeights already produces that layout.
  const codes = w.codes.stride % 8 === 0 ? w.codes : null;
  if (!codes) throw new RangeError(`${fn}: weights.codes: rows must be padded to 64-bit words (stride ${alignedStride(w.hashLength)})`);
  const plan: HashLinearPlan = {
    inputTileSize: w.inputTileSize, outputTileSize: w.outputTileSize, hashLength: w.hashLength, estimator: w.estimator, eps: w.eps,
    x: xt.data, B, D: w.D, N: w.N, proj: w.proj.data, weightCodes: codes.data, weightStride: codes.stride,
    weightNorms: w.norms, bias, y,
  };
  return { plan, result: { data: y, shape: [B, w.N] } as Tensor, backend: o.backend };
});

/** The tiled hash layer (SPEC §3) on pre-encoded weights: y [B, N] from x [B, D]. */
export const hashLinear = hashLinearKernel.sync;
export const hashLinearAsync = hashLinearKernel.async;
