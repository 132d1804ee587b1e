/**
 * Model weights as a name → float32 tensor map (PyTorch state_dict names): seeded random weights that
 * follow the model's initialisation, loading from safetensors or PyTorch files (any float dtype, sizes
 * inferred, checked against the expected names and shapes), and saving.
 */
import { toFloat32, writeSafetensors } from '../safetensors.js';
import type { Tensor } from '../tensor.js';
import { readTensorFile } from '../torch/index.js';
import type { StreamModelConfig } from './config.js';
import { inferStreamConfig } from './infer.js';
import { parameterSpecs, type ParamSpec } from './params.js';
import { Rng } from './rng.js';

export type Weights = Map<string, Tensor>;

function fill(spec: ParamSpec, rng: Rng): Float32Array {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  const init = spec.init;
  switch (init.kind) {
    case 'const':
      out.fill(init.value);
      break;
    case 'uniform':
      for (let i = 0; i < n; i++) out[i] = init.lo + (init.hi - init.lo) * rng.next();
      break;
    case 'retnet-decay':
      for (let h = 0; h < n; h++) out[h] = 1 - 2 ** (-5 - h);
      break;
    case 'retnet-angle': {
      const half = n / 2;
      for (let i = 0; i < half; i++) {
        const a = 1 / 10000 ** (half === 1 ? 0 : i / (half - 1));
        out[2 * i] = a;
        out[2 * i + 1] = a;
      }
      break;
    }
  }
  return out;
}

/** Random weights following the model's init, reproducible from `seed`. */
export function randomWeights(config: StreamModelConfig, seed = 0): Weights {
  const rng = new Rng(seed);
  const w: Weights = new Map();
  for (const spec of parameterSpecs(config)) w.set(spec.name, { data: fill(spec, rng), shape: spec.shape });
  return w;
}

/**
 * Loads a checkpoint of the PyTorch model (its state_dict as safetensors or a torch.save file). Sizes
 * not given in `sizes` come from the file (see infer.ts). Every expected name must be present with its
 * exact shape; names the model does not have are reported in `unused`.
 */
export function loadWeights(path: string, sizes: Partial<StreamModelConfig> = {}): { weights: Weights; unused: string[]; config: StreamModelConfig } {
  const file = readTensorFile(path);
  const config = inferStreamConfig(file, path, sizes);
  const w: Weights = new Map();
  const missing: string[] = [];
  for (const spec of parameterSpecs(config)) {
    const t = file.tensors.get(spec.name);
    if (!t) {
      missing.push(spec.name);
      continue;
    }
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new RangeError(`loadWeights ${path}: tensor ${spec.name}: expected shape [${spec.shape}], found [${t.shape}] (config ${JSON.stringify(config)})`);
    }
    w.set(spec.name, { data: toFloat32(t), shape: spec.shape });
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ');
    throw new RangeError(`loadWeights ${path}: ${missing.length} parameters missing for this config (${shown}${missing.length > 5 ? ', ...' : ''})`);
  }
  const unused = [...file.tensors.keys()].filter((n) => !w.has(n));
  return { weights: w, unused, config };
}

export function saveWeights(path: string, weights: Weights, config: StreamModelConfig): void {
  writeSafetensors(path, Object.fromEntries(weights), { format: 'pt', config: JSON.stringify(config) });
}

/** One parameter by name (a missing one is a programming error in the caller's naming). */
export function param(w: Weights, name: string): Tensor {
  const t = w.get(name);
  if (!t) throw new RangeError(`stream weights: missing parameter ${name}`);
  return t;
}

/** A CausalConv1d's depthwise weight [C, 1, K] as the conv kernel's [C, K]. */
export function convWeight(w: Weights, name: string): Tensor {
  const t = param(w, `${name}.conv.weight`);
  return { data: t.data, shape: [t.shape[0], t.shape[2]] };
}
