/**
 * The model's state pools: every state tensor with a leading slot axis, allocated once for `capacity`
 * symbols. Slots can be reset, read and written one at a time; the whole pool (with the symbol map)
 * or one symbol's state can be saved to a safetensors file (written atomically) and restored.
 */
import { readSafetensors, writeSafetensors, type StoredTensor } from '../safetensors.js';
import type { Tensor } from '../tensor.js';
import { checkInt } from '../validate.js';
import type { StreamModelConfig } from './config.js';
import { modelStateSpec, type StateTensorSpec } from './state-layout.js';

export type StateArray = Float32Array | Int32Array;
export type StateTensor = Tensor<StateArray>;

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

export class StatePool {
  readonly capacity: number;
  readonly specs: Map<string, StateTensorSpec>;
  readonly tensors = new Map<string, StateTensor>();
  readonly bytesPerSlot: number;

  constructor(readonly config: StreamModelConfig, capacity: number) {
    this.capacity = checkInt('StatePool: capacity', capacity);
    this.specs = modelStateSpec(config);
    let bytes = 0;
    for (const [name, spec] of this.specs) {
      const n = numel(spec.shape);
      const data = spec.dtype === 'int32' ? new Int32Array(capacity * n) : new Float32Array(capacity * n);
      if (spec.fill !== 0) data.fill(spec.fill);
      this.tensors.set(name, { data, shape: [capacity, ...spec.shape] });
      bytes += 4 * n;
    }
    this.bytesPerSlot = bytes;
  }

  private readonly blocks = new Map<string, Record<string, StateTensor>>();

  /** The tensors of one block (names without the `towers.<t>.blocks.<b>.` prefix). */
  block(prefix: string): Record<string, StateTensor> {
    let out = this.blocks.get(prefix);
    if (!out) {
      out = {};
      for (const [name, t] of this.tensors) if (name.startsWith(prefix)) out[name.slice(prefix.length)] = t;
      this.blocks.set(prefix, out);
    }
    return out;
  }

  private checkSlot(fn: string, slot: number): void {
    checkInt(`StatePool.${fn}: slot`, slot, 0, this.capacity - 1);
  }

  reset(slot: number): void {
    this.checkSlot('reset', slot);
    for (const [name, t] of this.tensors) {
      const n = numel(this.specs.get(name)!.shape);
      t.data.fill(this.specs.get(name)!.fill, slot * n, (slot + 1) * n);
    }
  }

  /** Copies of one slot's tensors. */
  read(slot: number): Map<string, StateArray> {
    this.checkSlot('read', slot);
    const out = new Map<string, StateArray>();
    for (const [name, t] of this.tensors) {
      const n = numel(this.specs.get(name)!.shape);
      out.set(name, t.data.slice(slot * n, (slot + 1) * n));
    }
    return out;
  }

  /** Writes one slot; every tensor is checked before any is written. */
  write(slot: number, values: Map<string, StateArray>): void {
    this.checkSlot('write', slot);
    for (const [name, t] of this.tensors) {
      const v = values.get(name);
      const n = numel(this.specs.get(name)!.shape);
      if (!v || v.constructor !== t.data.constructor || v.length !== n) {
        throw new RangeError(`StatePool.write: ${name}: expected a ${t.data.constructor.name} of ${n} elements`);
      }
    }
    for (const [name, t] of this.tensors) {
      const n = numel(this.specs.get(name)!.shape);
      (t.data as Float32Array).set(values.get(name)! as Float32Array, slot * n);
    }
  }

  /** Saves every slot and the symbol map (atomic write). */
  save(path: string, symbols: [string, number][]): void {
    const tensors: Record<string, Tensor<StateArray>> = Object.fromEntries(this.tensors);
    writeSafetensors(path, tensors, {
      kind: 'hashmac-stream-pool',
      config: JSON.stringify(this.config),
      symbols: JSON.stringify(Object.fromEntries(symbols)),
    });
  }

  /** Saves one slot's state as a per-symbol file (atomic write). */
  saveSlot(path: string, slot: number, symbol: string): void {
    const tensors: Record<string, Tensor<StateArray>> = {};
    for (const [name, v] of this.read(slot)) tensors[name] = { data: v, shape: this.specs.get(name)!.shape };
    writeSafetensors(path, tensors, { kind: 'hashmac-stream-symbol', config: JSON.stringify(this.config), symbol });
  }

  private checkFile(path: string, kind: string): ReturnType<typeof readSafetensors> {
    const file = readSafetensors(path);
    if (file.metadata.kind !== kind) throw new RangeError(`${path}: not a ${kind} file (kind ${file.metadata.kind ?? 'missing'})`);
    if (file.metadata.config !== JSON.stringify(this.config)) {
      throw new RangeError(`${path}: saved for config ${file.metadata.config}, this model is ${JSON.stringify(this.config)}`);
    }
    return file;
  }

  private expectTensor(path: string, file: ReturnType<typeof readSafetensors>, name: string, shape: readonly number[], dtype: string): StoredTensor {
    const t = file.tensors.get(name);
    if (!t || t.dtype !== dtype || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new RangeError(`${path}: ${name}: expected ${dtype}[${shape}]${t ? `, got ${t.dtype}[${t.shape}]` : ', missing'}`);
    }
    return t;
  }

  /** Restores a pool saved by `save` (same config; capacity may differ if every saved slot fits). */
  load(path: string): [string, number][] {
    const file = this.checkFile(path, 'hashmac-stream-pool');
    const symbols = Object.entries(JSON.parse(file.metadata.symbols ?? '{}') as Record<string, number>);
    const first = file.tensors.values().next().value as StoredTensor | undefined;
    const savedCap = first?.shape[0] ?? 0;
    for (const [sym, slot] of symbols) {
      if (!Number.isInteger(slot) || slot < 0 || slot >= Math.min(savedCap, this.capacity)) {
        throw new RangeError(`${path}: symbol ${sym} is in slot ${slot}, outside this pool of ${this.capacity}`);
      }
    }
    const checked = new Map<string, StoredTensor>();
    for (const [name, spec] of this.specs) {
      checked.set(name, this.expectTensor(path, file, name, [savedCap, ...spec.shape], spec.dtype === 'int32' ? 'I32' : 'F32'));
    }
    for (const [name, t] of this.tensors) {
      const spec = this.specs.get(name)!;
      const n = numel(spec.shape);
      t.data.fill(spec.fill);
      const src = checked.get(name)!.data as StateArray;
      (t.data as Float32Array).set(src.subarray(0, Math.min(savedCap, this.capacity) * n) as Float32Array);
    }
    return symbols;
  }

  /** Reads a per-symbol file saved by `saveSlot`: the symbol and its state, checked against this model. */
  readSymbolFile(path: string): { symbol: string; values: Map<string, StateArray> } {
    const file = this.checkFile(path, 'hashmac-stream-symbol');
    const values = new Map<string, StateArray>();
    for (const [name, spec] of this.specs) {
      const t = this.expectTensor(path, file, name, spec.shape, spec.dtype === 'int32' ? 'I32' : 'F32');
      values.set(name, (t.data as StateArray).slice());
    }
    return { symbol: file.metadata.symbol ?? '', values };
  }
}
