/**
 * Labelled image sets as float32 NCHW tensors: the UCI digits fixture (8x8, pixels / 16) and CIFAR-10 /
 * CIFAR-100 in the binary or python release (32x32x3, pixels / 255; models apply their own normalisation).
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readSafetensors } from '../safetensors.js';
import { NdArray, readPickle } from '../torch/index.js';
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

/** Samples from `start` on (a view, no copy). */
export function tail(set: LabelledSet, start: number): LabelledSet {
  const s = Math.min(start, set.labels.length), per = set.images.data.length / Math.max(set.labels.length, 1);
  return { name: set.name, images: { data: set.images.data.subarray(s * per), shape: [set.labels.length - s, ...set.images.shape.slice(1)] }, labels: set.labels.subarray(s) };
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

const CIFAR_PIXELS = 3072;

/** Label bytes per binary record: CIFAR-10 one, CIFAR-100 two (coarse, then the fine label used). */
const labelBytes = (classes: 10 | 100) => (classes === 10 ? 1 : 2);

/**
 * CIFAR binary batches (`data_batch_*.bin`, `test_batch.bin` / `train.bin`, `test.bin`): records of a
 * label byte (CIFAR-10) or coarse + fine label bytes (CIFAR-100, fine label used) and 3072 pixel bytes,
 * red plane then green then blue. Pixels come out as v / 255 (the model applies its normalisation).
 */
export function readCifarBin(paths: string[], classes: 10 | 100, name = `cifar${classes}`): LabelledSet {
  const record = labelBytes(classes) + CIFAR_PIXELS;
  const buffers = paths.map((p) => {
    const b = readFileSync(p);
    if (b.length === 0 || b.length % record !== 0) throw new RangeError(`${p}: ${b.length} bytes is not a whole number of ${record}-byte CIFAR-${classes} records`);
    return b;
  });
  const N = buffers.reduce((s, b) => s + b.length / record, 0);
  const images = new Float32Array(N * CIFAR_PIXELS), labels = new Int32Array(N);
  let n = 0;
  for (const b of buffers) {
    for (let r = 0; r < b.length; r += record, n++) {
      labels[n] = b[r + labelBytes(classes) - 1];
      if (labels[n] >= classes) throw new RangeError(`${paths[0]}: record ${n}: label ${labels[n]} is not below ${classes}`);
      for (let p = 0; p < CIFAR_PIXELS; p++) images[n * CIFAR_PIXELS + p] = b[r + labelBytes(classes) + p] / 255;
    }
  }
  return { name, images: { data: images, shape: [N, 3, 32, 32] }, labels };
}

/** File names of a CIFAR directory: the binary release's, else the python release's. */
const CIFAR_FILES = {
  10: { bin: { test: ['test_batch.bin'], train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) }, py: { test: ['test_batch'], train: [1, 2, 3, 4, 5].map((i) => `data_batch_${i}`) } },
  100: { bin: { test: ['test.bin'], train: ['train.bin'] }, py: { test: ['test'], train: ['train'] } },
} as const;

/** A CIFAR batch file in either format, told apart by content (a pickle starts with its PROTO opcode). */
function readCifarFiles(paths: string[], classes: 10 | 100, name: string): LabelledSet {
  const isPickle = paths.map((p) => {
    const head = Buffer.alloc(1);
    const fd = openSync(p, 'r');
    try {
      readSync(fd, head, 0, 1, 0);
    } finally {
      closeSync(fd);
    }
    return head[0] === 0x80;
  });
  if (isPickle.every((x) => !x)) return readCifarBin(paths, classes, name);
  const sets = paths.map((p, k) => (isPickle[k] ? readCifarPython(p, classes, name) : readCifarBin([p], classes, name)));
  return concat(sets, name);
}

/**
 * The python release's batches: a pickled dict (Python 2 strs as keys) with `data`, uint8 [N, 3072] in the
 * binary format's pixel order, and `labels` (CIFAR-10) or `fine_labels` (CIFAR-100). Read with the torch
 * reader's restricted unpickler, which resolves nothing but NumPy's array reconstruction.
 */
function readCifarPython(path: string, classes: 10 | 100, name: string): LabelledSet {
  const batch = readPickle(path);
  const labelKey = classes === 10 ? 'labels' : 'fine_labels';
  if (!(batch instanceof Map)) throw new RangeError(`${path}: expected a CIFAR python batch (a dict with data and ${labelKey})`);
  const data = batch.get('data'), list = batch.get(labelKey);
  if (!(data instanceof NdArray) || data.dtype !== 'U8' || data.shape.length !== 2 || data.shape[1] !== CIFAR_PIXELS) {
    throw new RangeError(`${path}: 'data': expected a uint8 array [N, ${CIFAR_PIXELS}], got ${data instanceof NdArray ? `${data.dtype} [${data.shape.join(', ')}]` : typeof data}`);
  }
  const N = data.shape[0];
  if (!Array.isArray(list) || list.length !== N || !list.every((v) => Number.isInteger(v) && v >= 0 && v < classes)) {
    throw new RangeError(`${path}: '${labelKey}': expected ${N} integer labels in [0, ${classes})${classes === 10 && batch.has('fine_labels') ? ' (this is a CIFAR-100 batch: use cifar100:)' : ''}`);
  }
  const images = Float32Array.from(data.data as Uint8Array, (v) => v / 255);
  return { name, images: { data: images, shape: [N, 3, 32, 32] }, labels: Int32Array.from(list as number[]) };
}

/** Sets of the same sample shape, one after another. */
function concat(sets: LabelledSet[], name: string): LabelledSet {
  if (sets.length === 1) return { ...sets[0], name };
  const N = sets.reduce((s, x) => s + x.labels.length, 0), per = CIFAR_PIXELS;
  const images = new Float32Array(N * per), labels = new Int32Array(N);
  let n = 0;
  for (const s of sets) {
    images.set(s.images.data, n * per);
    labels.set(s.labels, n);
    n += s.labels.length;
  }
  return { name, images: { data: images, shape: [N, 3, 32, 32] }, labels };
}

/** A CIFAR data set: a directory of either release (test and training batches), or one batch file (a test set, no training split). */
function readCifar(where: string, classes: 10 | 100): { test: LabelledSet; train?: LabelledSet } {
  const kind = `cifar${classes}`;
  if (!existsSync(where)) throw new RangeError(`data set ${kind}:${where}: no such file or directory`);
  if (!statSync(where).isDirectory()) return { test: readCifarFiles([where], classes, `${kind}/${basename(where)}`) };
  for (const files of [CIFAR_FILES[classes].bin, CIFAR_FILES[classes].py]) {
    if (!existsSync(join(where, files.test[0]))) continue;
    const train = files.train.map((f) => join(where, f)).filter((f) => existsSync(f));
    return {
      test: readCifarFiles([join(where, files.test[0])], classes, `${kind}/test`),
      train: train.length > 0 ? readCifarFiles(train, classes, `${kind}/train`) : undefined,
    };
  }
  const want = [CIFAR_FILES[classes].bin, CIFAR_FILES[classes].py].map((f) => f.test[0]).join(' or ');
  throw new RangeError(`data set ${kind}:${where}: the directory has no ${want} (found ${readdirSync(where).slice(0, 8).join(', ') || 'nothing'})`);
}

/** The data set kinds and their default input normalisation. */
export const DATASET_NORMALIZATION: Record<string, string> = { digits: 'none', cifar10: 'cifar', cifar100: 'cifar100' };

/**
 * A data set by spec: `digits:<file>` (the fixture layout), `cifar10:<dir|file>` or `cifar100:<dir|file>`
 * (binary or python batches). The training split, where there is one, serves calibration.
 */
export function loadDataset(spec: string): { kind: string; test: LabelledSet; train?: LabelledSet } {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon), where = colon < 0 ? '' : spec.slice(colon + 1);
  if (!where) throw new RangeError(`data set '${spec}': expected digits:<file>, cifar10:<dir|file> or cifar100:<dir|file>`);
  if (kind === 'digits') return { kind, ...readDigits(where) };
  if (kind === 'cifar10' || kind === 'cifar100') return { kind, ...readCifar(where, kind === 'cifar10' ? 10 : 100) };
  throw new RangeError(`data set '${spec}': unknown kind '${kind}' (expected digits, cifar10, cifar100)`);
}
