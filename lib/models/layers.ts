/**
 * Hash layers: `HashLinear` and `HashConv2d` run either exactly (the dense `linear` kernel) or through the
 * tiled LSH kernels, with the weights encoded once when the layer is built or its projections change.
 */
import type { BackendName } from '../backend.js';
import { encodeWeights, hashLinear, type EncodedWeights } from '../kernels/lsh.js';
import type { Tensor } from '../tensor.js';
import { type LayerHashConfig } from './config.js';
import { linear } from '../kernels/ops.js';
import { im2col, type ConvGeometry } from './im2col.js';
import { randomProjection, tileGeometry, tileGrid, type TileGeometry } from './projections.js';

export interface ForwardOptions {
  /** false: every layer exact (the reference model); true (default): configured layers hashed. */
  hashed?: boolean;
  backend?: BackendName;
  /** Sees the [rows, D] input of every hash layer (im2col rows for convolutions) before it runs. */
  onInput?: (layer: HashLinear, x: Tensor) => void;
  /**
   * Replaces the product of every hash layer: given the layer and its [rows, D] input, returns the
   * [rows, N] output (e.g. the simulator's noisy crossbar), or undefined for the usual kernel.
   */
  product?: (layer: HashLinear, x: Tensor) => Tensor | undefined;
}

export interface LayerInit {
  /** Projections [nI, nJ, K, Ti]; seeded random ones are drawn when absent. */
  proj?: Tensor;
  seed?: number;
  backend?: BackendName;
}

/** A linear map y = x Wᵀ + b (W: [N, D]) that may run hashed. Convolutions wrap one over im2col rows. */
export class HashLinear {
  readonly N: number;
  readonly D: number;
  private layerConfig!: LayerHashConfig;
  private projection?: Tensor;
  private encodedWeights?: EncodedWeights;

  constructor(
    /** Module path, e.g. `layer1.0.conv1`: the key of its config and checkpoint names. */
    readonly path: string,
    readonly weight: Tensor,
    readonly bias: Float32Array | undefined,
    config: LayerHashConfig,
    init: LayerInit = {},
  ) {
    if (weight.shape.length !== 2) throw new RangeError(`${path}: weight: expected [N, D], got [${weight.shape.join(', ')}]`);
    [this.N, this.D] = weight.shape;
    if (bias && bias.length !== this.N) throw new RangeError(`${path}: bias: expected [${this.N}], got [${bias.length}]`);
    this.configure(config, init);
  }

  /** Sets the config (tiles, K, kernel type) and projections; the weights are encoded once, here. */
  configure(config: LayerHashConfig, init: LayerInit = {}): void {
    this.layerConfig = config;
    this.projection = this.encodedWeights = undefined;
    if (this.hashed) this.setProjection(init.proj ?? randomProjection(this.geometry, init.seed ?? 0, this.path), init.backend);
  }

  get config(): LayerHashConfig {
    return this.layerConfig;
  }

  get hashed(): boolean {
    return this.config.hash_kernel_type !== null;
  }

  get geometry(): TileGeometry {
    return tileGeometry(this.config, this.N, this.D);
  }

  /** Projections [nI, nJ, K, Ti] (undefined for an exact layer). */
  get proj(): Tensor | undefined {
    return this.projection;
  }

  get encoded(): EncodedWeights | undefined {
    return this.encodedWeights;
  }

  /**
   * Replaces the projections and re-encodes the weights (once, here, not per call). `learned` marks
   * them as trained (kernel type 'learned_projection').
   */
  setProjection(proj: Tensor, backend?: BackendName, learned = false): void {
    if (!this.hashed) throw new RangeError(`${this.path}: an exact layer has no projections`);
    const { nI, nJ } = tileGrid(this.geometry);
    const want = [nI, nJ, this.config.hash_length, this.config.input_tile_size];
    if (proj.shape.length !== 4 || proj.shape.some((d, k) => d !== want[k])) {
      throw new RangeError(`${this.path}: proj: expected [nI, nJ, K, Ti] = [${want.join(', ')}], got [${proj.shape.join(', ')}]`);
    }
    this.encodedWeights = encodeWeights(this.weight, proj, {
      inputTileSize: this.config.input_tile_size, outputTileSize: this.config.output_tile_size, hashLength: this.config.hash_length,
    }, { backend });
    this.projection = proj;
    if (learned) this.layerConfig = { ...this.layerConfig, hash_kernel_type: 'learned_projection' };
  }

  forward(x: Tensor, opts: ForwardOptions = {}): Tensor {
    opts.onInput?.(this, x);
    const substituted = opts.product?.(this, x);
    if (substituted) return substituted;
    if (this.hashed && opts.hashed !== false) return hashLinear(x, this.encodedWeights!, { bias: this.bias, backend: opts.backend });
    return linear(x, this.weight, { bias: this.bias, backend: opts.backend });
  }
}

/** A 2-D convolution (groups = 1) on channels-last activations: im2col rows through a HashLinear. */
export class HashConv2d {
  readonly linear: HashLinear;
  readonly outChannels: number;
  readonly inChannels: number;

  /** weight: [C_out, C_in, kh, kw] (PyTorch layout). */
  constructor(path: string, weight: Tensor, bias: Float32Array | undefined, readonly geometry: ConvGeometry, config: LayerHashConfig, init: LayerInit = {}) {
    if (weight.shape.length !== 4) throw new RangeError(`${path}: weight: expected [C_out, C_in, kh, kw], got [${weight.shape.join(', ')}]`);
    const [co, ci, kh, kw] = weight.shape;
    if (kh !== geometry.kh || kw !== geometry.kw) throw new RangeError(`${path}: weight: kernel ${kh}x${kw} does not match geometry ${geometry.kh}x${geometry.kw}`);
    this.outChannels = co;
    this.inChannels = ci;
    this.linear = new HashLinear(path, { data: weight.data, shape: [co, ci * kh * kw] }, bias, config, init);
  }

  get path(): string {
    return this.linear.path;
  }

  /** x: [B, H, W, C_in] → [B, Ho, Wo, C_out]. */
  forward(x: Tensor, opts: ForwardOptions = {}): Tensor {
    const [B, , , C] = x.shape;
    if (x.shape.length !== 4 || C !== this.inChannels) {
      throw new RangeError(`${this.path}: x: expected [B, H, W, C_in = ${this.inChannels}], got [${x.shape.join(', ')}]`);
    }
    const { rows, Ho, Wo } = im2col(x, this.geometry);
    const y = this.linear.forward(rows, opts);
    return { data: y.data, shape: [B, Ho, Wo, this.outChannels] };
  }
}

/** Square kernel, same stride/padding on both axes, no dilation: the common case. */
export const squareConv = (k: number, stride = 1, padding = 0, dilation = 1): ConvGeometry => ({
  kh: k, kw: k, stride: [stride, stride], padding: [padding, padding], dilation: [dilation, dilation],
});
