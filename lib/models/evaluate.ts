/** Batched inference over a labelled set: logits, accuracy, and the dense-vs-hashed comparison. */
import type { Tensor } from '../tensor.js';
import { head, type LabelledSet } from './datasets.js';
import type { ForwardOptions } from './layers.js';
import { argmax, type HashModel } from './model.js';

export interface PredictOptions extends ForwardOptions {
  /** Images per forward call (bounds im2col memory). */
  batchSize?: number;
  /** Called after each batch with the number of samples done. */
  onProgress?: (done: number, total: number) => void;
}

/** Logits [N, classes] of every sample of `images` [N, ...]. */
export function predict(model: HashModel, images: Tensor, o: PredictOptions = {}): Tensor {
  const N = images.shape[0], per = images.data.length / Math.max(N, 1), C = model.numClasses;
  const bs = o.batchSize ?? 32;
  const out = new Float32Array(N * C);
  for (let b0 = 0; b0 < N; b0 += bs) {
    const n = Math.min(bs, N - b0);
    const x = { data: images.data.subarray(b0 * per, (b0 + n) * per), shape: [n, ...images.shape.slice(1)] };
    out.set(model.forward(x, o).data, b0 * C);
    o.onProgress?.(b0 + n, N);
  }
  return { data: out, shape: [N, C] };
}

export function accuracy(logits: Tensor, labels: Int32Array): number {
  const pred = argmax(logits);
  let hit = 0;
  for (let i = 0; i < labels.length; i++) hit += pred[i] === labels[i] ? 1 : 0;
  return labels.length === 0 ? 0 : hit / labels.length;
}

export interface Evaluation {
  samples: number;
  denseAccuracy: number;
  hashedAccuracy: number;
  /** dense - hashed (the scaffold's acc_drop, as a fraction). */
  accuracyDrop: number;
  hashedLogits: Tensor;
}

export function evaluate(model: HashModel, set: LabelledSet, o: PredictOptions & { limit?: number } = {}): Evaluation {
  const s = o.limit === undefined ? set : head(set, o.limit);
  const dense = accuracy(predict(model, s.images, { ...o, hashed: false }), s.labels);
  const hashedLogits = predict(model, s.images, { ...o, hashed: true });
  const hashed = accuracy(hashedLogits, s.labels);
  return { samples: s.labels.length, denseAccuracy: dense, hashedAccuracy: hashed, accuracyDrop: dense - hashed, hashedLogits };
}
