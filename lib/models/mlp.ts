/**
 * A plain MLP: the rank-2 `<name>.weight` tensors of a state_dict (e.g. nn.Sequential's `0`, `2`, ...)
 * in path order, ReLU between layers, inputs flattened.
 */
import type { StoredTensor } from '../safetensors.js';
import type { Tensor } from '../tensor.js';
import { HashLinear, type ForwardOptions } from './layers.js';
import { isAuxiliaryTensor, layerInit, param, relu, type BuildOptions, type HashModel } from './model.js';

const byPath = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true });

/** Tensors that are not an MLP's: anything but rank-2 `<layer>.weight` and rank-1 `<layer>.bias` beside one. */
export function nonMlpTensors(sd: ReadonlyMap<string, StoredTensor>): string[] {
  return [...sd].filter(([k, t]) => {
    if (isAuxiliaryTensor(k)) return false;
    if (k.endsWith('.weight')) return t.shape.length !== 2;
    return !(k.endsWith('.bias') && t.shape.length === 1 && sd.get(`${k.slice(0, -'.bias'.length)}.weight`)?.shape.length === 2);
  }).map(([k]) => k);
}

export class Mlp implements HashModel {
  readonly arch: string;
  readonly inputShape: readonly number[];
  readonly numClasses: number;
  private readonly linears: HashLinear[];

  constructor(readonly stateDict: ReadonlyMap<string, StoredTensor>, o: BuildOptions = {}) {
    const paths = [...stateDict.keys()].filter((k) => k.endsWith('.weight') && stateDict.get(k)!.shape.length === 2)
      .map((k) => k.slice(0, -'.weight'.length)).sort(byPath);
    if (paths.length === 0) throw new RangeError('weights: an MLP needs at least one rank-2 <layer>.weight');
    const other = nonMlpTensors(stateDict);
    if (other.length > 0) throw new RangeError(`weights: ${other.length} tensors are not an MLP's rank-2 <layer>.weight / rank-1 <layer>.bias: ${other.slice(0, 8).join(', ')}${other.length > 8 ? ', ...' : ''}`);
    this.linears = paths.map((path, i) => {
      const w = param(stateDict, `${path}.weight`, 2);
      if (i > 0 && w.shape[1] !== param(stateDict, `${paths[i - 1]}.weight`).shape[0]) {
        throw new RangeError(`weights: '${path}.weight' takes ${w.shape[1]} inputs, but '${paths[i - 1]}' gives ${param(stateDict, `${paths[i - 1]}.weight`).shape[0]}`);
      }
      const { config, init } = layerInit(path, w.shape[0], w.shape[1], o);
      const bias = stateDict.has(`${path}.bias`) ? param(stateDict, `${path}.bias`, 1).data : undefined;
      return new HashLinear(path, w, bias, config, init);
    });
    this.arch = `mlp${this.linears.map((l) => l.D).concat(this.linears.at(-1)!.N).join('-')}`;
    this.inputShape = [this.linears[0].D];
    this.numClasses = this.linears.at(-1)!.N;
  }

  layers(): HashLinear[] {
    return [...this.linears];
  }

  forward(x: Tensor, opts: ForwardOptions = {}): Tensor {
    const B = x.shape[0];
    const D = this.inputShape[0];
    if (x.data.length !== B * D) throw new RangeError(`${this.arch}: x: expected [B, ${D}] (or any shape with ${D} values per sample), got [${x.shape.join(', ')}]`);
    let h: Tensor = { data: x.data, shape: [B, D] };
    this.linears.forEach((l, i) => {
      h = l.forward(h, opts);
      if (i < this.linears.length - 1) relu(h);
    });
    return h;
  }
}
