/**
 * The functional noisy simulation on the digits fixture: a minimal forward pass of the CIFAR-layout
 * ResNet-20 checkpoint (PyTorch names, BatchNorm in eval mode) in which every conv/linear layer is the
 * hashed layer of functional.ts, run once with noiseless codes and once through the noisy crossbar.
 * (Written here because the models branch is not merged yet; only what this needs.)
 */
import { join } from 'node:path';
import type { BackendName } from '../backend.js';
import { PACKAGE_ROOT } from '../native/addon.js';
import { readSafetensors, toFloat32, type SafetensorsFile } from '../safetensors.js';
import type { SimConfig } from './config.js';
import { conventionalLayer } from './conventional.js';
import { hashedLayer, type NoisyLayerStats } from './functional.js';
import type { HashShape } from './shapes.js';

export const DIGITS_DIR = join(PACKAGE_ROOT, 'test', 'fixtures', 'digits');

interface Activation {
  data: Float32Array;
  B: number;
  C: number;
  H: number;
  W: number;
}

export interface DigitsModel {
  weights: SafetensorsFile;
  hashed: SafetensorsFile;
  hash: Record<string, HashShape>;
}

export function loadDigitsModel(dir = DIGITS_DIR): DigitsModel {
  const weights = readSafetensors(join(dir, 'resnet20-digits.safetensors'));
  const hashed = readSafetensors(join(dir, 'hashed-uniform-k256-t64.safetensors'));
  const raw = JSON.parse(hashed.metadata.config) as Record<string, { input_tile_size: number; output_tile_size: number; hash_length: number }>;
  const hash: Record<string, HashShape> = {};
  for (const [name, h] of Object.entries(raw)) hash[name] = { inputTileSize: h.input_tile_size, outputTileSize: h.output_tile_size, hashLength: h.hash_length };
  return { weights, hashed, hash };
}

/** The test images as [N, 1, 8, 8] pixels/16, their labels, and the first `count` of them. */
export function loadDigitsTest(count?: number, dir = DIGITS_DIR): { x: Activation; labels: Int32Array } {
  const f = readSafetensors(join(dir, 'digits.safetensors'));
  const images = f.tensors.get('images')!.data as Uint8Array;
  const labels = f.tensors.get('labels')!.data as Int32Array;
  const index = f.tensors.get('test_index')!.data as Int32Array;
  const n = count === undefined ? index.length : Math.min(count, index.length);
  const x = new Float32Array(n * 64);
  const y = new Int32Array(n);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < 64; p++) x[b * 64 + p] = images[index[b] * 64 + p] / 16;
    y[b] = labels[index[b]];
  }
  return { x: { data: x, B: n, C: 1, H: 8, W: 8 }, labels: y };
}

/**
 * im2col rows [B*OH*OW, C*k*k] in PyTorch unfold order (c, ky, kx), written straight into column
 * tiles of width `tile` (tile i holds columns [i*tile, i*tile + len) as its own [M, len] array).
 */
function im2colTiles(a: Activation, k: number, stride: number, pad: number, tile: number): { tiles: Float32Array[]; OH: number; OW: number } {
  const OH = Math.floor((a.H + 2 * pad - k) / stride) + 1, OW = Math.floor((a.W + 2 * pad - k) / stride) + 1;
  const { B, C, H, W, data } = a;
  const D = C * k * k, M = B * OH * OW;
  const nI = Math.ceil(D / tile);
  const tiles = Array.from({ length: nI }, (_, i) => new Float32Array(M * Math.min(tile, D - i * tile)));
  const tileOf = Int32Array.from({ length: D }, (_, col) => Math.floor(col / tile));
  for (let b = 0; b < B; b++) {
    for (let oy = 0; oy < OH; oy++) {
      for (let ox = 0; ox < OW; ox++) {
        const m = (b * OH + oy) * OW + ox;
        for (let c = 0; c < C; c++) {
          const plane = (b * C + c) * H;
          for (let ky = 0; ky < k; ky++) {
            const iy = oy * stride - pad + ky;
            if (iy < 0 || iy >= H) continue;
            const src = (plane + iy) * W, col0 = (c * k + ky) * k;
            for (let kx = 0; kx < k; kx++) {
              const ix = ox * stride - pad + kx;
              if (ix < 0 || ix >= W) continue;
              const t = tileOf[col0 + kx], len = Math.min(tile, D - t * tile);
              tiles[t][m * len + col0 + kx - t * tile] = data[src + ix];
            }
          }
        }
      }
    }
  }
  return { tiles, OH, OW };
}

export interface ForwardStats extends Partial<NoisyLayerStats> {
  name: string;
  outputError: number;
}

/** hashed: every layer hashed (SPEC §3); conventional: plain products, through the conventional crossbar with a config. */
export type ForwardDesign = 'hashed' | 'conventional';

class Forward {
  readonly stats: ForwardStats[] = [];
  private layer = 0;

  constructor(
    private readonly model: DigitsModel, private readonly design: ForwardDesign,
    private readonly config: SimConfig | undefined, private readonly backend?: BackendName,
  ) {}

  private tensor(name: string): Float32Array {
    const t = this.model.weights.tensors.get(name);
    if (!t) throw new RangeError(`digits model: missing tensor ${name}`);
    return toFloat32(t);
  }

  /** A hashed conv/linear on rows [M, D]: the noisy output when a config is given, else the clean one. */
  private linear(name: string, rows: Float32Array | Float32Array[], M: number, D: number, N: number, bias?: Float32Array): Float32Array {
    if (this.design === 'conventional') {
      const x = Array.isArray(rows) ? rows[0] : rows;
      const r = conventionalLayer({ x, M, D, weight: this.tensor(`${name}.weight`), N, bias }, this.config, this.layer++);
      if (r.noisy) this.stats.push({ name, outputError: r.outputError! });
      return r.noisy ?? r.exact;
    }
    const hash = this.model.hash[name];
    const nI = Math.ceil(D / hash.inputTileSize), nJ = Math.ceil(N / hash.outputTileSize);
    const tiles: Float32Array[] = [];
    for (let i = 0; i < nI; i++) {
      for (let j = 0; j < nJ; j++) tiles.push(toFloat32(this.model.hashed.tensors.get(`${name}.hash_kernels.${i}.${j}._random_projection_matrix`)!));
    }
    const weight = this.tensor(`${name}.weight`);
    const x = Array.isArray(rows) ? { xTiles: rows } : { x: rows };
    const r = hashedLayer({ ...x, M, D, weight, N, bias, hash, tiles }, { config: this.config, layer: this.layer++, backend: this.backend });
    if (r.stats) this.stats.push({ name, ...r.stats });
    return r.noisy ?? r.clean;
  }

  conv(name: string, a: Activation, k: number, stride: number): Activation {
    const N = this.model.weights.tensors.get(`${name}.weight`)!.shape[0];
    const tile = this.design === 'hashed' ? this.model.hash[name].inputTileSize : a.C * k * k;
    const { tiles, OH, OW } = im2colTiles(a, k, stride, k === 3 ? 1 : 0, tile);
    const P = OH * OW, D = a.C * k * k;
    const y = this.linear(name, tiles, a.B * P, D, N);
    const out = new Float32Array(a.B * N * P);
    for (let b = 0; b < a.B; b++) for (let p = 0; p < P; p++) for (let n = 0; n < N; n++) out[(b * N + n) * P + p] = y[(b * P + p) * N + n];
    return { data: out, B: a.B, C: N, H: OH, W: OW };
  }

  bn(name: string, a: Activation, relu: boolean): Activation {
    const g = this.tensor(`${name}.weight`), beta = this.tensor(`${name}.bias`);
    const mean = this.tensor(`${name}.running_mean`), v = this.tensor(`${name}.running_var`);
    const P = a.H * a.W;
    const out = new Float32Array(a.data.length);
    for (let b = 0; b < a.B; b++) {
      for (let c = 0; c < a.C; c++) {
        const s = g[c] / Math.sqrt(v[c] + 1e-5), t = beta[c] - mean[c] * s;
        for (let p = 0; p < P; p++) {
          const i = (b * a.C + c) * P + p;
          const y = a.data[i] * s + t;
          out[i] = relu && y < 0 ? 0 : y;
        }
      }
    }
    return { ...a, data: out };
  }

  block(prefix: string, a: Activation, stride: number): Activation {
    let out = this.bn(`${prefix}.bn1`, this.conv(`${prefix}.conv1`, a, 3, stride), true);
    out = this.bn(`${prefix}.bn2`, this.conv(`${prefix}.conv2`, out, 3, 1), false);
    const short = this.model.weights.tensors.has(`${prefix}.downsample.0.weight`)
      ? this.bn(`${prefix}.downsample.1`, this.conv(`${prefix}.downsample.0`, a, 1, stride), false)
      : a;
    const data = new Float32Array(out.data.length);
    for (let i = 0; i < data.length; i++) data[i] = Math.max(0, out.data[i] + short.data[i]);
    return { ...out, data };
  }

  run(x: Activation): Float32Array {
    let a = this.bn('bn1', this.conv('conv1', x, 3, 1), true);
    for (let s = 1; s <= 3; s++) for (let b = 0; b < 3; b++) a = this.block(`layer${s}.${b}`, a, s > 1 && b === 0 ? 2 : 1);
    const P = a.H * a.W;
    const pooled = new Float32Array(a.B * a.C);
    for (let i = 0; i < a.B * a.C; i++) {
      let s = 0;
      for (let p = 0; p < P; p++) s += a.data[i * P + p];
      pooled[i] = s / P;
    }
    const classes = this.model.weights.tensors.get('fc.weight')!.shape[0];
    return this.linear('fc', pooled, a.B, a.C, classes, this.tensor('fc.bias'));
  }
}

/**
 * Logits [B, classes] of the ResNet-20, hashed (noiseless codes, or the noisy crossbar under `config`)
 * or conventional (exact float products, or the conventional crossbar under `config`).
 */
export function digitsForward(model: DigitsModel, x: Activation, config?: SimConfig, backend?: BackendName, design: ForwardDesign = 'hashed'): { logits: Float32Array; stats: ForwardStats[] } {
  const f = new Forward(model, design, config, backend);
  const logits = f.run(x);
  return { logits, stats: f.stats };
}

export function accuracy(logits: Float32Array, labels: Int32Array): number {
  const C = logits.length / labels.length;
  let ok = 0;
  for (let b = 0; b < labels.length; b++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (logits[b * C + c] > logits[b * C + best]) best = c;
    if (best === labels[b]) ok++;
  }
  return ok / labels.length;
}

export interface DigitsNoiseResult {
  images: number;
  /** The float model's accuracy: the fixture's metadata, and this forward pass's (with `floatReference`). */
  fixtureFloatAccuracy: number;
  floatAccuracy?: number;
  /** Through the conventional crossbar (multi-bit ADCs) under the same config. */
  conventionalAccuracy: number;
  cleanAccuracy: number;
  noisyAccuracy: number;
  /**
   * Fraction of noiseless logits within 1e-3 of the fixture's float64 expected.logits (checks the
   * forward pass; the rest differ through sign bits of near-zero projections flipped by float32).
   */
  logitsWithin1e3: number;
  bitErrorRate: number;
  layers: { name: string; ber: number; outputError: number; conventionalOutputError: number }[];
  seconds: number;
}

/** Runs the digits test images through the hashed ResNet-20, noiseless and through the noisy crossbar. */
export function runDigitsNoise(config: SimConfig, opts: { images?: number; backend?: BackendName; floatReference?: boolean } = {}): DigitsNoiseResult {
  const t0 = performance.now();
  const model = loadDigitsModel();
  const { x, labels } = loadDigitsTest(opts.images);
  const clean = digitsForward(model, x, undefined, opts.backend);
  const noisy = digitsForward(model, x, config, opts.backend);
  const exact = opts.floatReference ? digitsForward(model, x, undefined, opts.backend, 'conventional') : undefined;
  const conventional = digitsForward(model, x, config, opts.backend, 'conventional');
  const expected = toFloat32(model.hashed.tensors.get('expected.logits')!);
  let close = 0;
  for (let i = 0; i < clean.logits.length; i++) if (Math.abs(clean.logits[i] - expected[i]) <= 1e-3) close++;
  const bits = noisy.stats.reduce((s, l) => s + l.bits!, 0), errors = noisy.stats.reduce((s, l) => s + l.bitErrors!, 0);
  return {
    images: x.B,
    fixtureFloatAccuracy: Number(model.weights.metadata.test_accuracy),
    floatAccuracy: exact && accuracy(exact.logits, labels),
    conventionalAccuracy: accuracy(conventional.logits, labels),
    cleanAccuracy: accuracy(clean.logits, labels),
    noisyAccuracy: accuracy(noisy.logits, labels),
    logitsWithin1e3: close / clean.logits.length,
    bitErrorRate: errors / bits,
    layers: noisy.stats.map((l, i) => ({ name: l.name, ber: l.bitErrors! / l.bits!, outputError: l.outputError, conventionalOutputError: conventional.stats[i].outputError })),
    seconds: (performance.now() - t0) / 1000,
  };
}

export function formatNoise(r: DigitsNoiseResult): string {
  const lines = [
    `functional noisy path: ${r.images} digits test images, hashed ResNet-20 (fixture projections) in ${r.seconds.toFixed(2)} s`,
    `  accuracy: float model ${r.fixtureFloatAccuracy.toFixed(4)} (fixture metadata${r.floatAccuracy === undefined ? '' : `; this forward ${r.floatAccuracy.toFixed(4)}`}), conventional crossbar ${r.conventionalAccuracy.toFixed(4)};` +
      ` hashed noiseless ${r.cleanAccuracy.toFixed(4)}, hashed noisy crossbar ${r.noisyAccuracy.toFixed(4)}`,
    `  code bit-error rate ${r.bitErrorRate.toExponential(3)}; noiseless logits within 1e-3 of the fixture's expected.logits: ${(100 * r.logitsWithin1e3).toFixed(1)}%`,
    `  ${'layer'.padEnd(22)}${'hashed BER'.padStart(11)}${'output err'.padStart(12)}${'conv. output err'.padStart(18)}   (relative L2, noisy vs noiseless on the same input)`,
  ];
  for (const l of r.layers) {
    lines.push(`  ${l.name.padEnd(22)}${l.ber.toExponential(2).padStart(11)}${l.outputError.toExponential(2).padStart(12)}${l.conventionalOutputError.toExponential(2).padStart(18)}`);
  }
  return lines.join('\n');
}
