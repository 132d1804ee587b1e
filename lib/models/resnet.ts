/**
 * CIFAR-style ResNet (the chenyaofo layout): conv1/bn1, three stages of BasicBlocks (16/32/64 channels
 * for the standard widths; strides 1, 2, 2), a 1x1-conv + BN downsample where the shape changes, global
 * average pooling and fc. Depth 6n+2 (20/32/44/56), input channels, widths and classes are all read
 * from the state_dict. Activations are channels-last; BatchNorm runs in eval mode.
 */
import type { StoredTensor } from '../safetensors.js';
import type { Tensor } from '../tensor.js';
import { toChannelsLast } from './im2col.js';
import { HashConv2d, HashLinear, squareConv, type ForwardOptions } from './layers.js';
import { layerInit, param, relu, type BuildOptions, type HashModel } from './model.js';

/** BatchNorm2d in eval mode, folded to one scale and shift per channel (kept in float64: one rounding per output). */
class BatchNorm {
  readonly scale: Float64Array;
  readonly shift: Float64Array;

  constructor(sd: ReadonlyMap<string, StoredTensor>, path: string, eps = 1e-5) {
    const w = param(sd, `${path}.weight`, 1).data, b = param(sd, `${path}.bias`, 1).data;
    const mean = param(sd, `${path}.running_mean`, 1).data, v = param(sd, `${path}.running_var`, 1).data;
    this.scale = new Float64Array(w.length);
    this.shift = new Float64Array(w.length);
    for (let c = 0; c < w.length; c++) {
      this.scale[c] = w[c] / Math.sqrt(v[c] + eps);
      this.shift[c] = b[c] - mean[c] * this.scale[c];
    }
  }

  /** In place on channels-last x. */
  apply(x: Tensor): Tensor {
    const C = this.scale.length, d = x.data;
    for (let i = 0; i < d.length; i += C) for (let c = 0; c < C; c++) d[i + c] = d[i + c] * this.scale[c] + this.shift[c];
    return x;
  }
}

function conv(sd: ReadonlyMap<string, StoredTensor>, path: string, stride: number, o: BuildOptions): HashConv2d {
  const w = param(sd, `${path}.weight`, 4);
  const k = w.shape[2];
  const { config, init } = layerInit(path, w.shape[0], w.shape[1] * k * w.shape[3], o);
  return new HashConv2d(path, w, undefined, squareConv(k, stride, (k - 1) >> 1), config, init);
}

class BasicBlock {
  readonly conv1: HashConv2d;
  readonly bn1: BatchNorm;
  readonly conv2: HashConv2d;
  readonly bn2: BatchNorm;
  readonly downsample?: { conv: HashConv2d; bn: BatchNorm };

  constructor(sd: ReadonlyMap<string, StoredTensor>, path: string, stride: number, o: BuildOptions) {
    this.conv1 = conv(sd, `${path}.conv1`, stride, o);
    this.bn1 = new BatchNorm(sd, `${path}.bn1`);
    this.conv2 = conv(sd, `${path}.conv2`, 1, o);
    this.bn2 = new BatchNorm(sd, `${path}.bn2`);
    if (sd.has(`${path}.downsample.0.weight`)) {
      this.downsample = { conv: conv(sd, `${path}.downsample.0`, stride, o), bn: new BatchNorm(sd, `${path}.downsample.1`) };
    }
  }

  convs(): HashConv2d[] {
    return [this.conv1, this.conv2, ...(this.downsample ? [this.downsample.conv] : [])];
  }

  forward(x: Tensor, opts: ForwardOptions): Tensor {
    const h = relu(this.bn1.apply(this.conv1.forward(x, opts)));
    const y = this.bn2.apply(this.conv2.forward(h, opts));
    const identity = this.downsample ? this.downsample.bn.apply(this.downsample.conv.forward(x, opts)) : x;
    if (identity.data.length !== y.data.length) throw new RangeError(`residual shape [${identity.shape}] vs [${y.shape}]: a downsample is missing`);
    for (let i = 0; i < y.data.length; i++) y.data[i] += identity.data[i];
    return relu(y);
  }
}

export class CifarResNet implements HashModel {
  readonly arch: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  private readonly conv1: HashConv2d;
  private readonly bn1: BatchNorm;
  private readonly stages: BasicBlock[][];
  private readonly fc: HashLinear;

  /** `imageSize`: H = W of the inputs (32 for CIFAR, 8 for the digits fixture). */
  constructor(readonly stateDict: ReadonlyMap<string, StoredTensor>, imageSize: number, o: BuildOptions = {}) {
    const sd = stateDict;
    this.conv1 = conv(sd, 'conv1', 1, o);
    this.bn1 = new BatchNorm(sd, 'bn1');
    this.stages = [1, 2, 3].map((s) => {
      const blocks: BasicBlock[] = [];
      for (let b = 0; sd.has(`layer${s}.${b}.conv1.weight`); b++) blocks.push(new BasicBlock(sd, `layer${s}.${b}`, s > 1 && b === 0 ? 2 : 1, o));
      if (blocks.length === 0) throw new RangeError(`weights: stage layer${s} has no blocks (expected layer${s}.0.conv1.weight)`);
      return blocks;
    });
    const n = this.stages[0].length;
    if (this.stages.some((st) => st.length !== n)) throw new RangeError('weights: stages have different block counts');
    const fcw = param(sd, 'fc.weight', 2);
    const fc = layerInit('fc', fcw.shape[0], fcw.shape[1], o);
    this.fc = new HashLinear('fc', fcw, sd.has('fc.bias') ? param(sd, 'fc.bias', 1).data : undefined, fc.config, fc.init);
    this.arch = `resnet${6 * n + 2}`;
    this.inputShape = [this.conv1.inChannels, imageSize, imageSize];
    this.numClasses = this.fc.N;
  }

  layers(): HashLinear[] {
    return [this.conv1, ...this.stages.flat().flatMap((b) => b.convs())].map((c) => c.linear).concat(this.fc);
  }

  forward(x: Tensor, opts: ForwardOptions = {}): Tensor {
    const [B, C, H, W] = x.shape;
    const want = this.inputShape;
    if (x.shape.length !== 4 || C !== want[0] || H !== want[1] || W !== want[2]) {
      throw new RangeError(`${this.arch}: x: expected [B, ${want.join(', ')}], got [${x.shape.join(', ')}]`);
    }
    let h = relu(this.bn1.apply(this.conv1.forward(toChannelsLast(x), opts)));
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
