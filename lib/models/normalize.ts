/**
 * Input normalisation as data: per-channel (x - mean) / std applied by the model to [0, 1] pixels, named
 * (`cifar`, `cifar100`, `imagenet`, `none`) or given as `m1,m2,m3/s1,s2,s3`. A hashed-model file keeps it
 * in its metadata (key `normalize`) so a saved model sees its inputs as it was trained to.
 */
import type { Tensor } from '../tensor.js';

export interface Normalization {
  /** The spec it came from: a preset name or `m1,.../s1,...` (what the metadata stores). */
  spec: string;
  mean: readonly number[];
  std: readonly number[];
}

/** Per-channel statistics of the training sets (CIFAR) and of ImageNet (torchvision's). */
const PRESETS: Record<string, { mean: number[]; std: number[] }> = {
  cifar: { mean: [0.4914, 0.4822, 0.4465], std: [0.2023, 0.1994, 0.201] },
  cifar100: { mean: [0.5071, 0.4865, 0.4409], std: [0.2673, 0.2564, 0.2762] },
  imagenet: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
};

export const NORMALIZATION_NAMES = ['none', ...Object.keys(PRESETS)];

/** `spec`: a preset name, `none`, or `m1,m2,.../s1,s2,...` (as many means as stds, stds > 0). */
export function parseNormalization(spec: string, source = 'normalize'): Normalization | undefined {
  const s = spec.trim();
  if (s === 'none') return undefined;
  const preset = PRESETS[s];
  if (preset) return { spec: s, ...preset };
  const parts = s.split('/');
  const numbers = (text: string) => text.split(',').map((v) => (v.trim() === '' ? NaN : Number(v)));
  const [mean, std] = parts.length === 2 ? [numbers(parts[0]), numbers(parts[1])] : [[NaN], [NaN]];
  if (mean.length !== std.length || mean.some((v) => !Number.isFinite(v)) || std.some((v) => !(Number.isFinite(v) && v > 0))) {
    throw new RangeError(`${source}: '${spec}' is not ${NORMALIZATION_NAMES.join(', ')} or m1,m2,.../s1,s2,... (as many finite means as positive stds)`);
  }
  return { spec: `${mean.join(',')}/${std.join(',')}`, mean, std };
}

/** (x - mean[c]) / std[c] over the channels of NCHW images, in float64, as a new float32 tensor. */
export function normalizeImages(x: Tensor, n: Normalization): Tensor {
  const [B, C] = x.shape;
  if (x.shape.length !== 4 || C !== n.mean.length) {
    throw new RangeError(`normalize '${n.spec}': has ${n.mean.length} channels, the images are [${x.shape.join(', ')}]`);
  }
  const plane = x.shape[2] * x.shape[3], out = new Float32Array(x.data.length);
  for (let b = 0; b < B; b++) {
    for (let c = 0; c < C; c++) {
      const base = (b * C + c) * plane, m = n.mean[c], s = n.std[c];
      for (let p = 0; p < plane; p++) out[base + p] = (x.data[base + p] - m) / s;
    }
  }
  return { data: out, shape: x.shape };
}
