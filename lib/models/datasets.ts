/**
 * Labelled image sets as float32 NCHW tensors: the UCI digits fixture (8x8, pixels / 16) and the CIFAR-10
 * / CIFAR-100 binary batches (32x32x3, per-channel normalised as the CIFAR ResNets were trained).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '../safetensors.js';
import type { Tensor } from '../tensor.js';

export interface LabelledSet {
  name: string;
  images: Tensor; // [N, C, H, W]
  labels: Int32Array;
}

/** Samples `index` of a set (a copy). */
export function subset(set: LabelledSet, index: ArrayLike<number>, name = set.name): LabelledSet {
  const per = set.images.data.length / set.labels.length;
  const images = new Float32Array(index.length * per);
  const labels = new Int32Array(index.length);
  for (let k = 0; k < index.length; k++) {
    const i = index[k];
    if (!(i >= 0 && i < set.labels.length)) throw new RangeError(`${set.name}: index ${i} out of range [0, ${set.labels.length})`);
    images.set(set.images.data.subarray(i * per, (i + 1) * per), k * per);
    labels[k] = set.labels[i];
  }
  return { name, images: { data: images, shape: [index.length, ...set.images.shape.slice(1)] }, labels };
}

/** The first n samples (a view, no copy). */
export function head(set: LabelledSet, n: number): LabelledSet {
  const m = Math.min(n, set.labels.length), per = set.images.data.length / set.labels.length;
  return { name: set.name, images: { data: set.images.data.subarray(0, m * per), shape: [m, ...set.images.shape.slice(1)] }, labels: set.labels.subarray(0, m) };
}

/** The digits fixture split into its 360 held-out test images and the rest (for calibration). */
export function readDigits(path: string): { test: LabelledSet; train: LabelledSet } {
  const f = readSafetensors(path);
  const img = f.tensors.get('images'), lab = f.tensors.get('labels'), idx = f.tensors.get('test_index');
  if (!img || !lab || !idx || !(img.data instanceof Uint8Array) || !(lab.data instanceof Int32Array) || !(idx.data instanceof Int32Array)) {
    throw new RangeError(`${path}: expected U8 images [N, 8, 8], I32 labels [N], I32 test_index`);
  }
  const [N, H, W] = img.shape;
  const images = Float32Array.from(img.data, (v) => v / 16);
  const all: LabelledSet = { name: 'digits', images: { data: images, shape: [N, 1, H, W] }, labels: lab.data };
  const inTest = new Uint8Array(N);
  for (const i of idx.data) inTest[i] = 1;
  const trainIndex = [...Array(N).keys()].filter((i) => !inTest[i]);
  return { test: subset(all, idx.data, 'digits/test'), train: subset(all, trainIndex, 'digits/train') };
}

/** Per-channel mean and std of the CIFAR training sets (the usual normalisation of CIFAR ResNets). */
export const CIFAR_NORMALIZATION = {
  10: { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] },
  100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
} as const;

/**
 * CIFAR binary batches (`data_batch_*.bin`, `test_batch.bin` / `train.bin`, `test.bin`): records of a
 * label byte (CIFAR-10) or coarse + fine label bytes (CIFAR-100, fine label used) and 3072 pixel bytes,
 * red plane then green then blue.
 */
export function readCifarBin(paths: string[], classes: 10 | 100, name = `cifar${classes}`): LabelledSet {
  const labelBytes = classes === 10 ? 1 : 2, pixels = 3072, record = labelBytes + pixels;
  const buffers = paths.map((p) => {
    const b = readFileSync(p);
    if (b.length === 0 || b.length % record !== 0) throw new RangeError(`${p}: ${b.length} bytes is not a whole number of ${record}-byte CIFAR-${classes} records`);
    return b;
  });
  const N = buffers.reduce((s, b) => s + b.length / record, 0);
  const images = new Float32Array(N * pixels), labels = new Int32Array(N);
  const { mean, std } = CIFAR_NORMALIZATION[classes];
  let n = 0;
  for (const b of buffers) {
    for (let r = 0; r < b.length; r += record, n++) {
      labels[n] = b[r + labelBytes - 1];
      for (let p = 0; p < pixels; p++) {
        const c = Math.floor(p / 1024);
        images[n * pixels + p] = (b[r + labelBytes + p] / 255 - mean[c]) / std[c];
      }
    }
  }
  return { name, images: { data: images, shape: [N, 3, 32, 32] }, labels };
}

/**
 * A data set by spec: `digits:<file>` (the fixture layout), `cifar10:<dir>` (data_batch_1..5.bin,
 * test_batch.bin) or `cifar100:<dir>` (train.bin, test.bin). The training split serves calibration.
 */
export function loadDataset(spec: string): { test: LabelledSet; train: LabelledSet } {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon), where = colon < 0 ? '' : spec.slice(colon + 1);
  if (!where) throw new RangeError(`data set '${spec}': expected digits:<file>, cifar10:<dir> or cifar100:<dir>`);
  if (kind === 'digits') return readDigits(where);
  if (kind === 'cifar10') {
    return {
      test: readCifarBin([join(where, 'test_batch.bin')], 10, 'cifar10/test'),
      train: readCifarBin([1, 2, 3, 4, 5].map((i) => join(where, `data_batch_${i}.bin`)), 10, 'cifar10/train'),
    };
  }
  if (kind === 'cifar100') {
    return { test: readCifarBin([join(where, 'test.bin')], 100, 'cifar100/test'), train: readCifarBin([join(where, 'train.bin')], 100, 'cifar100/train') };
  }
  throw new RangeError(`data set '${spec}': unknown kind '${kind}' (expected digits, cifar10, cifar100)`);
}
