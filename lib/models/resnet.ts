/**
 * CIFAR ResNets (He et al.'s 6n+2 layout) from their own checkpoints: conv1/bn1, three stages of BasicBlocks
 * (strides 1, 2, 2), global average pooling and a classifier, BatchNorm in eval mode. Two shortcut variants
 * where a block changes shape, told apart by the tensors:
 * - option A (akamaster/pytorch_resnet_cifar10): parameter-free, `x[:, :, ::2, ::2]` zero-padded by
 *   planes/4 channels on each side; classifier usually `linear`;
 * - option B (chenyaofo/pytorch-cifar-models, torchvision style): `downsample` (or `shortcut`) = 1x1 conv + BN;
 *   classifier usually `fc`.
 * Depth, input channels, widths and classes are read from the state_dict; every tensor must be used, so a
 * file of another architecture is refused rather than half-read. Activations are channels-last.
 */
import type { StoredTensor } from '../safetensors.js';
import type { Tensor } from '../tensor.js';
import { toChannelsLast } from './im2col.js';
import { HashConv2d, HashLinear, squareConv, type ForwardOptions } from './layers.js';
import { isAuxiliaryTensor, layerInit, param, relu, type BuildOptions, type HashModel } from './model.js';
import { normalizeImages, type Normalization } from './normalize.js';

export type Shortcut = 'A' | 'B';

/** The BatchNorm after a convolution: conv1 -> bn1, <block>.conv2 -> <block>.bn2, <block>.downsample.0 -> .1. */
const BATCHNORM_OF = (conv: string) => conv.replace(/conv(\d)$/, 'bn$1').replace(/\.0$/, '.1');

/** Name prefix of re-estimated BatchNorm statistics in a saved hashed model (`bn1.hashed_running_mean`). */
const HASHED_STATS = 'hashed_';

/** What a state_dict says about its ResNet: shortcut variant, its module name, the classifier, blocks per stage. */
export interface ResNetLayout {
  shortcut: Shortcut;
  /** Module name of option-B shortcuts inside a block (`downsample` or `shortcut`). */
  shortcutName: string;
  classifier: 'fc' | 'linear';
  blocks: number;
}

/** Whether a state_dict has the CIFAR ResNet stem at all (conv1 as a 4-d weight and a first block). */
export const looksLikeResNet = (sd: ReadonlyMap<string, StoredTensor>) =>
  sd.get('conv1.weight')?.shape.length === 4 && sd.has('layer1.0.conv1.weight');

/**
 * The layout from tensor names and shapes. `want` forces a shortcut variant; a checkpoint that contradicts
 * it (or matches neither) gets an error naming the tensors found and expected.
 */
export function resnetLayout(sd: ReadonlyMap<string, StoredTensor>, want?: Shortcut): ResNetLayout {
  const blocksOf = (s: number) => {
    let b = 0;
    while (sd.has(`layer${s}.${b}.conv1.weight`)) b++;
    return b;
  };
  const counts = [1, 2, 3].map(blocksOf);
  if (counts[0] === 0 || counts.some((c) => c !== counts[0])) {
    throw new RangeError(`weights: a CIFAR ResNet has three stages of equally many blocks (layer1.0 ... layer3.N); found ${counts.map((c, s) => `layer${s + 1}: ${c}`).join(', ')}`);
  }
  const classifiers = (['fc', 'linear'] as const).filter((c) => sd.has(`${c}.weight`));
  if (classifiers.length !== 1) {
    throw new RangeError(`weights: expected one classifier, fc.weight or linear.weight; found ${classifiers.length ? classifiers.map((c) => `${c}.weight`).join(' and ') : 'neither'}`);
  }
  const names = ['downsample', 'shortcut'].filter((n) => [2, 3].some((s) => sd.has(`layer${s}.0.${n}.0.weight`)));
  const found: Shortcut = names.length > 0 ? 'B' : 'A';
  if (want && want !== found) {
    throw new RangeError(want === 'B'
      ? 'weights: option-B ResNet expected (layer2.0.downsample.0.weight, a 1x1 conv + BN shortcut), but the file has no shortcut convolutions (an option-A ResNet)'
      : `weights: option-A ResNet expected (parameter-free shortcuts), but the file has layer2.0.${names[0]}.0.weight (an option-B ResNet)`);
  }
  return { shortcut: found, shortcutName: names[0] ?? 'downsample', classifier: classifiers[0], blocks: counts[0] };
}

/** A state_dict that remembers which tensors were read, so unused ones (another architecture) are caught. */
class UsedTensors {
  private readonly used = new Set<string>();
  readonly view: ReadonlyMap<string, StoredTensor>;

  constructor(readonly sd: ReadonlyMap<string, StoredTensor>) {
    const used = this.used;
    this.view = new (class extends Map<string, StoredTensor> {
      override get(name: string) {
        used.add(name);
        return super.get(name);
      }
    })(sd);
  }

  /** Weights never read (BatchNorm's num_batches_tracked counters, projections and expected outputs aside). */
  unused(): string[] {
    return [...this.sd.keys()].filter((k) => !this.used.has(k) && !isAuxiliaryTensor(k));
  }
}

/**
 * BatchNorm2d in eval mode, folded to one scale and shift per channel (kept in float64: one rounding per
 * output). A hashed model may carry its own statistics, re-estimated on its hashed activations; the
 * exact (reference) forward always uses the checkpoint's.
 */
class BatchNorm {
  readonly scale: Float64Array;
  readonly shift: Float64Array;
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly runningMean: Float32Array;
  readonly runningVar: Float32Array;
  /** Statistics for the hashed forward (undefined: the checkpoint's). */
  hashed?: { mean: Float64Array; var: Float64Array; scale: Float64Array; shift: Float64Array };
  /**
   * Set while calibrating: 'capture' keeps the next exact apply's input (the teacher's activations);
   * 'statistics' / 'regression' re-estimate from the next hashed apply's input, then clear the mode.
   */
  mode?: 'capture' | 'statistics' | 'regression';
  private teacher?: Float32Array;

  constructor(sd: ReadonlyMap<string, StoredTensor>, readonly path: string, readonly eps = 1e-5) {
    const w = param(sd, `${path}.weight`, 1).data, b = param(sd, `${path}.bias`, 1).data;
    const mean = param(sd, `${path}.running_mean`, 1).data, v = param(sd, `${path}.running_var`, 1).data;
    this.weight = w;
    this.bias = b;
    this.runningMean = mean;
    this.runningVar = v;
    this.scale = new Float64Array(w.length);
    this.shift = new Float64Array(w.length);
    this.fold(mean, v, this.scale, this.shift);
    // A saved hashed model keeps its re-estimated statistics beside the checkpoint's.
    if (sd.has(`${path}.${HASHED_STATS}running_mean`)) {
      this.setHashed(param(sd, `${path}.${HASHED_STATS}running_mean`, 1).data, param(sd, `${path}.${HASHED_STATS}running_var`, 1).data);
    }
  }

  private setHashed(mean: ArrayLike<number>, v: ArrayLike<number>): void {
    const C = this.weight.length;
    if (mean.length !== C || v.length !== C) throw new RangeError(`weights: '${this.path}.${HASHED_STATS}running_mean/var': expected [${C}]`);
    // Rounded to float32 as a saved file holds them, so a reloaded model computes the same.
    this.hashed = { mean: Float64Array.from(Float32Array.from(mean)), var: Float64Array.from(Float32Array.from(v)), scale: new Float64Array(C), shift: new Float64Array(C) };
    this.fold(this.hashed.mean, this.hashed.var, this.hashed.scale, this.hashed.shift);
  }

  private fold(mean: ArrayLike<number>, v: ArrayLike<number>, scale: Float64Array, shift: Float64Array): void {
    for (let c = 0; c < this.weight.length; c++) {
      scale[c] = this.weight[c] / Math.sqrt(v[c] + this.eps);
      shift[c] = this.bias[c] - mean[c] * scale[c];
    }
  }

  /** Per-channel mean and (biased, as PyTorch's running estimate after one full batch) variance of channels-last x. */
  private statistics(x: Tensor): { mean: Float64Array; var: Float64Array } {
    const C = this.weight.length, d = x.data, n = d.length / C;
    const mean = new Float64Array(C), sq = new Float64Array(C);
    for (let i = 0; i < d.length; i += C) for (let c = 0; c < C; c++) mean[c] += d[i + c];
    for (let c = 0; c < C; c++) mean[c] /= n;
    for (let i = 0; i < d.length; i += C) for (let c = 0; c < C; c++) sq[c] += (d[i + c] - mean[c]) ** 2;
    return { mean, var: sq.map((s) => s / n) };
  }

  /**
   * Per channel, a and b of the least-squares fit a*x + b ~ teacher, folded into statistics: BN(a*x + b)
   * is BN with mean (mean - b) / a and variance (var + eps) / a^2 - eps. a is kept positive (a fit with no
   * correlation would flip the channel).
   */
  private regression(x: Tensor, teacher: Float32Array): { mean: Float64Array; var: Float64Array } {
    const C = this.weight.length, d = x.data, n = d.length / C;
    if (teacher.length !== d.length) throw new RangeError(`${this.path}: teacher activations [${teacher.length}] vs [${d.length}]`);
    const st = this.statistics(x), ty = new Float64Array(C), cov = new Float64Array(C);
    for (let i = 0; i < d.length; i += C) for (let c = 0; c < C; c++) ty[c] += teacher[i + c];
    for (let c = 0; c < C; c++) ty[c] /= n;
    for (let i = 0; i < d.length; i += C) for (let c = 0; c < C; c++) cov[c] += (d[i + c] - st.mean[c]) * (teacher[i + c] - ty[c]);
    const mean = new Float64Array(C), v = new Float64Array(C), [m0, v0] = [this.runningMean, this.runningVar];
    for (let c = 0; c < C; c++) {
      const a = Math.max(st.var[c] > 0 ? cov[c] / n / st.var[c] : 1, 1e-3), b = ty[c] - a * st.mean[c];
      mean[c] = (m0[c] - b) / a;
      v[c] = (v0[c] + this.eps) / (a * a) - this.eps;
    }
    return { mean, var: v };
  }

  /** In place on channels-last x. */
  apply(x: Tensor, opts: ForwardOptions): Tensor {
    const hashedPass = opts.hashed !== false;
    if (!hashedPass && this.mode === 'capture') {
      this.teacher = x.data.slice();
      this.mode = 'regression';
    } else if (hashedPass && (this.mode === 'statistics' || this.mode === 'regression')) {
      const st = this.mode === 'statistics' ? this.statistics(x) : this.regression(x, this.teacher!);
      this.setHashed(st.mean, st.var);
      this.mode = this.teacher = undefined;
    }
    const p = hashedPass && this.hashed ? this.hashed : this;
    const C = p.scale.length, d = x.data;
    for (let i = 0; i < d.length; i += C) for (let c = 0; c < C; c++) d[i + c] = d[i + c] * p.scale[c] + p.shift[c];
    return x;
  }
}

function conv(sd: ReadonlyMap<string, StoredTensor>, path: string, stride: number, o: BuildOptions): HashConv2d {
  const w = param(sd, `${path}.weight`, 4);
  const k = w.shape[2];
  const { config, init } = layerInit(path, w.shape[0], w.shape[1] * k * w.shape[3], o);
  return new HashConv2d(path, w, undefined, squareConv(k, stride, (k - 1) >> 1), config, init);
}

/**
 * Option A's shortcut on channels-last x: every second row and column, the channels placed in the middle of
 * `outChannels` with (outChannels - C) / 2 zero channels on each side.
 */
function subsampleAndPad(x: Tensor, outChannels: number): Tensor {
  const [B, H, W, C] = x.shape;
  const Ho = Math.ceil(H / 2), Wo = Math.ceil(W / 2), pad = (outChannels - C) / 2;
  if (!Number.isInteger(pad) || pad < 0) throw new RangeError(`option-A shortcut: cannot pad ${C} channels to ${outChannels} evenly`);
  const out = new Float32Array(B * Ho * Wo * outChannels);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < Ho; h++) {
      for (let w = 0; w < Wo; w++) {
        const src = ((b * H + 2 * h) * W + 2 * w) * C, dst = ((b * Ho + h) * Wo + w) * outChannels + pad;
        out.set(x.data.subarray(src, src + C), dst);
      }
    }
  }
  return { data: out, shape: [B, Ho, Wo, outChannels] };
}

class BasicBlock {
  readonly conv1: HashConv2d;
  readonly bn1: BatchNorm;
  readonly conv2: HashConv2d;
  readonly bn2: BatchNorm;
  /** Option B where the shape changes; undefined for identity and option-A shortcuts. */
  readonly downsample?: { conv: HashConv2d; bn: BatchNorm };
  private readonly reshapes: boolean;

  constructor(sd: ReadonlyMap<string, StoredTensor>, path: string, stride: number, layout: ResNetLayout, o: BuildOptions) {
    this.conv1 = conv(sd, `${path}.conv1`, stride, o);
    this.bn1 = new BatchNorm(sd, `${path}.bn1`);
    this.conv2 = conv(sd, `${path}.conv2`, 1, o);
    this.bn2 = new BatchNorm(sd, `${path}.bn2`);
    this.reshapes = stride !== 1 || this.conv1.inChannels !== this.conv2.outChannels;
    const ds = `${path}.${layout.shortcutName}`;
    if (layout.shortcut === 'B' && this.reshapes) {
      if (!sd.has(`${ds}.0.weight`)) throw new RangeError(`weights: '${path}' changes shape (stride ${stride}, ${this.conv1.inChannels} -> ${this.conv2.outChannels} channels): expected '${ds}.0.weight' (option B)`);
      this.downsample = { conv: conv(sd, `${ds}.0`, stride, o), bn: new BatchNorm(sd, `${ds}.1`) };
    }
  }

  convs(): HashConv2d[] {
    return [this.conv1, this.conv2, ...(this.downsample ? [this.downsample.conv] : [])];
  }

  private shortcut(x: Tensor, opts: ForwardOptions): Tensor {
    if (this.downsample) return this.downsample.bn.apply(this.downsample.conv.forward(x, opts), opts);
    return this.reshapes ? subsampleAndPad(x, this.conv2.outChannels) : x;
  }

  forward(x: Tensor, opts: ForwardOptions): Tensor {
    const h = relu(this.bn1.apply(this.conv1.forward(x, opts), opts));
    const y = this.bn2.apply(this.conv2.forward(h, opts), opts);
    const identity = this.shortcut(x, opts);
    if (identity.shape.some((d, k) => d !== y.shape[k])) throw new RangeError(`residual shape [${identity.shape}] vs [${y.shape}]`);
    for (let i = 0; i < y.data.length; i++) y.data[i] += identity.data[i];
    return relu(y);
  }
}

export interface ResNetOptions extends BuildOptions {
  /** Force a shortcut variant (default: from the tensors). */
  shortcut?: Shortcut;
  /** Applied to the [0, 1] NCHW inputs before conv1 (default: none, the inputs are used as given). */
  normalization?: Normalization;
}

export class CifarResNet implements HashModel {
  readonly arch: string;
  readonly layout: ResNetLayout;
  readonly layoutNote: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  readonly normalization?: Normalization;
  private readonly conv1: HashConv2d;
  private readonly bn1: BatchNorm;
  private readonly stages: BasicBlock[][];
  private readonly fc: HashLinear;

  /** `imageSize`: H = W of the inputs (32 for CIFAR, 8 for the digits fixture). */
  constructor(readonly stateDict: ReadonlyMap<string, StoredTensor>, imageSize: number, o: ResNetOptions = {}) {
    this.layout = resnetLayout(stateDict, o.shortcut);
    const tracked = new UsedTensors(stateDict), sd = tracked.view;
    this.conv1 = conv(sd, 'conv1', 1, o);
    this.bn1 = new BatchNorm(sd, 'bn1');
    this.stages = [1, 2, 3].map((s) => Array.from({ length: this.layout.blocks },
      (_, b) => new BasicBlock(sd, `layer${s}.${b}`, s > 1 && b === 0 ? 2 : 1, this.layout, o)));
    const name = this.layout.classifier, fcw = param(sd, `${name}.weight`, 2);
    const fc = layerInit(name, fcw.shape[0], fcw.shape[1], o);
    this.fc = new HashLinear(name, fcw, sd.has(`${name}.bias`) ? param(sd, `${name}.bias`, 1).data : undefined, fc.config, fc.init);
    const unused = tracked.unused();
    if (unused.length > 0) {
      throw new RangeError(`weights: ${unused.length} tensors no CIFAR ResNet layer uses (another architecture?): ${unused.slice(0, 8).join(', ')}${unused.length > 8 ? ', ...' : ''}`);
    }
    this.arch = `resnet${6 * this.layout.blocks + 2}`;
    this.layoutNote = `option-${this.layout.shortcut} shortcuts${this.layout.shortcut === 'B' ? ` (${this.layout.shortcutName})` : ''}, classifier ${name}`;
    this.inputShape = [this.conv1.inChannels, imageSize, imageSize];
    this.numClasses = this.fc.N;
    if (o.normalization && o.normalization.mean.length !== this.conv1.inChannels) {
      throw new RangeError(`normalize '${o.normalization.spec}': ${o.normalization.mean.length} channels, the model takes ${this.conv1.inChannels}`);
    }
    this.normalization = o.normalization;
  }

  /** Every BatchNorm in forward order. */
  private batchNorms(): BatchNorm[] {
    return [this.bn1, ...this.stages.flat().flatMap((b) => [b.bn1, b.bn2, ...(b.downsample ? [b.downsample.bn] : [])])];
  }

  /**
   * Re-estimates every BatchNorm for the hashed forward from one hashed pass over `images` (a single batch),
   * layer by layer, each after the layers before it: 'statistics' measures the mean and variance of what the
   * hashed convolutions produce (AdaBN); 'regression' first records the exact model's activations and fits,
   * per channel, the affine map from the hashed activation to the exact one, folded into the statistics.
   * The exact forward keeps the checkpoint's statistics.
   */
  calibrateBatchNorm(images: Tensor, method: 'statistics' | 'regression' = 'regression', opts: ForwardOptions = {}): void {
    const bns = this.batchNorms();
    try {
      if (method === 'regression') {
        for (const bn of bns) bn.mode = 'capture';
        this.forward(images, { ...opts, hashed: false });
      } else {
        for (const bn of bns) bn.mode = 'statistics';
      }
      this.forward(images, { ...opts, hashed: true });
    } finally {
      for (const bn of bns) bn.mode = undefined;
    }
  }

  /** A convolution's errors as its BatchNorm passes them on: the BatchNorm's gain squared per channel. */
  outputWeights(path: string): Float32Array | undefined {
    const bn = this.batchNorms().find((b) => b.path === BATCHNORM_OF(path));
    return bn && Float32Array.from(bn.scale, (s) => s * s);
  }

  /** The hashed forward's own BatchNorm statistics as tensors `<bn>.hashed_running_mean` / `_var` (for saving). */
  extraTensors(): Map<string, Tensor> {
    const out = new Map<string, Tensor>();
    for (const bn of this.batchNorms()) {
      if (!bn.hashed) continue;
      const C = bn.weight.length;
      out.set(`${bn.path}.${HASHED_STATS}running_mean`, { data: Float32Array.from(bn.hashed.mean), shape: [C] });
      out.set(`${bn.path}.${HASHED_STATS}running_var`, { data: Float32Array.from(bn.hashed.var), shape: [C] });
    }
    return out;
  }

  layers(): HashLinear[] {
    return [this.conv1, ...this.stages.flat().flatMap((b) => b.convs())].map((c) => c.linear).concat(this.fc);
  }

  /** x: [B, C, H, W] as given to the network's transform (pixels in [0, 1] when a normalisation is set). */
  forward(x: Tensor, opts: ForwardOptions = {}): Tensor {
    const [B, C, H, W] = x.shape;
    const want = this.inputShape;
    if (x.shape.length !== 4 || C !== want[0] || H !== want[1] || W !== want[2]) {
      throw new RangeError(`${this.arch}: x: expected [B, ${want.join(', ')}], got [${x.shape.join(', ')}]`);
    }
    const input = this.normalization ? normalizeImages(x, this.normalization) : x;
    let h = relu(this.bn1.apply(this.conv1.forward(toChannelsLast(input), opts), opts));
    for (const block of this.stages.flat()) h = block.forward(h, opts);
    // Global average pool over the (channels-last) positions, summed in float64 and rounded once.
    const [, Hh, Wh, Ch] = h.shape;
    const sums = new Float64Array(B * Ch);
    for (let b = 0; b < B; b++) {
      for (let p = 0; p < Hh * Wh; p++) for (let c = 0; c < Ch; c++) sums[b * Ch + c] += h.data[(b * Hh * Wh + p) * Ch + c];
    }
    const pooled = Float32Array.from(sums, (s) => s / (Hh * Wh));
    return this.fc.forward({ data: pooled, shape: [B, Ch] }, opts);
  }
}
