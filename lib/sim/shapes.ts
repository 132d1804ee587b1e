/**
 * Layer shapes the simulator accounts: a matrix product of M vectors (im2col rows per image) of D
 * inputs onto N outputs, hashed with input tiles Ti, output tiles To and K-bit codes. Includes the
 * built-in CIFAR-layout ResNet-20 shape list (no weights needed) and the shapes of any hashed model.
 */
import type { HashModel } from '../models/model.js';
import { checkInt, checkObject } from '../validate.js';

export interface HashShape {
  inputTileSize: number;
  outputTileSize: number;
  hashLength: number;
}

export interface LayerShape {
  /** PyTorch module name, e.g. 'layer2.0.conv1'. */
  name: string;
  /** Vectors per image (output positions of a conv, 1 for a linear layer). */
  vectors: number;
  /** Inputs per vector (C_in * kh * kw) and outputs (C_out). */
  inputs: number;
  outputs: number;
  hash: HashShape;
}

export interface ResNet20Options {
  /** Input height/width and channels (default: the digits fixture, 8x8x1) and classes (10). */
  inputSize?: number;
  inputChannels?: number;
  classes?: number;
  /** Hash geometry per stage: conv1 uses stage 1's, fc uses stage 3's. */
  stageHash?: [HashShape, HashShape, HashShape];
}

/** The winner-like configuration: K = 256 / 512 / 1024 by stage, 256x256 tiles. */
export const WINNER_STAGE_HASH: [HashShape, HashShape, HashShape] = [256, 512, 1024].map((k) => ({
  inputTileSize: 256, outputTileSize: 256, hashLength: k,
})) as [HashShape, HashShape, HashShape];

/** Output size of a 3x3 pad-1 conv or a 1x1 pad-0 conv (both give floor((size - 1) / stride) + 1). */
const convOut = (size: number, stride: number) => Math.floor((size - 1) / stride) + 1;

/** Conv/linear layers of a CIFAR ResNet-20 (3 stages of 3 BasicBlocks, 16/32/64 channels, 1x1 downsample). */
export function resnet20Shapes(opts: ResNet20Options = {}): LayerShape[] {
  const o = checkObject('resnet20Shapes: options', opts);
  const size = o.inputSize === undefined ? 8 : checkInt('resnet20Shapes: options.inputSize', o.inputSize, 1, 4096);
  const cin = o.inputChannels === undefined ? 1 : checkInt('resnet20Shapes: options.inputChannels', o.inputChannels, 1, 4096);
  const classes = o.classes === undefined ? 10 : checkInt('resnet20Shapes: options.classes', o.classes, 1, 1 << 20);
  const stageHash = opts.stageHash ?? WINNER_STAGE_HASH;
  const layers: LayerShape[] = [];
  let hw = size;
  layers.push({ name: 'conv1', vectors: hw * hw, inputs: cin * 9, outputs: 16, hash: stageHash[0] });
  let channels = 16;
  for (let s = 0; s < 3; s++) {
    const width = 16 << s;
    for (let b = 0; b < 3; b++) {
      const stride = s > 0 && b === 0 ? 2 : 1;
      const out = convOut(hw, stride);
      const prefix = `layer${s + 1}.${b}`;
      const hash = stageHash[s];
      layers.push({ name: `${prefix}.conv1`, vectors: out * out, inputs: channels * 9, outputs: width, hash });
      layers.push({ name: `${prefix}.conv2`, vectors: out * out, inputs: width * 9, outputs: width, hash });
      if (stride !== 1 || channels !== width) {
        layers.push({ name: `${prefix}.downsample.0`, vectors: out * out, inputs: channels, outputs: width, hash });
      }
      hw = out;
      channels = width;
    }
  }
  layers.push({ name: 'fc', vectors: 1, inputs: channels, outputs: classes, hash: stageHash[2] });
  return layers;
}

/**
 * Shapes of the hash layers of a model (lib/models) in forward order, with each layer's own tile
 * sizes and K; vectors per image are the rows of its input in a one-image forward. Exact layers
 * (no hash config) are left out: they have no hashed mapping.
 */
export function modelShapes(model: HashModel): LayerShape[] {
  const layers: LayerShape[] = [];
  const per = model.inputShape.reduce((a, b) => a * b, 1);
  model.forward({ data: new Float32Array(per), shape: [1, ...model.inputShape] }, {
    hashed: false,
    onInput: (l, x) => {
      if (!l.hashed) return;
      const c = l.config;
      layers.push({ name: l.path, vectors: x.shape[0], inputs: l.D, outputs: l.N, hash: { inputTileSize: c.input_tile_size, outputTileSize: c.output_tile_size, hashLength: c.hash_length } });
    },
  });
  return layers;
}

/** Checks a layer list (from a user or JSON); returns it with every field validated. */
export function checkLayers(fn: string, value: unknown): LayerShape[] {
  if (!Array.isArray(value) || value.length === 0) throw new TypeError(`${fn}: layers: expected a non-empty array of layer shapes`);
  return value.map((v, i) => {
    const n = `${fn}: layers[${i}]`;
    const l = checkObject(n, v);
    const h = checkObject(`${n}.hash`, l.hash);
    return {
      name: typeof l.name === 'string' ? l.name : `layer${i}`,
      vectors: checkInt(`${n}.vectors`, l.vectors, 1),
      inputs: checkInt(`${n}.inputs`, l.inputs, 1),
      outputs: checkInt(`${n}.outputs`, l.outputs, 1),
      hash: {
        inputTileSize: checkInt(`${n}.hash.inputTileSize`, h.inputTileSize, 1),
        outputTileSize: checkInt(`${n}.hash.outputTileSize`, h.outputTileSize, 1),
        hashLength: checkInt(`${n}.hash.hashLength`, h.hashLength, 1, 1 << 20),
      },
    };
  });
}
