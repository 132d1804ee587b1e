/**
 * The model's state pools (lib/pool.ts): every state tensor with a leading slot axis, allocated once
 * for `capacity` symbols. Slots are reset, read and written with the pool helpers; the whole pool (with
 * the symbol map) or one symbol's state can be saved to a safetensors file (written atomically) and
 * restored, checked against this model's config and layout.
 */
import { createPool, readSlot, resetSlot, writeSlot, type PoolArray, type PoolSpec, type StatePool as Pool } from '../pool.js';
import { readSafetensors, writeSafetensors, type SafetensorsFile, type StoredTensor } from '../safetensors.js';
import type { Tensor } from '../tensor.js';
import { checkInt } from '../validate.js';
import type { StreamModelConfig } from './config.js';
import { modelStateSpec } from './state-layout.js';

export type StateArray = PoolArray;
export type StateTensor = Tensor<PoolArray>;

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
const storedDtype = (spec: PoolSpec[string]) => (spec.dtype === 'int32' ? 'I32' : 'F32');

export class StatePool {
  readonly capacity: number;
  readonly spec: PoolSpec;
  readonly tensors: Pool;
  readonly bytesPerSlot: number;
  private readonly blocks = new Map<string, Record<string, StateTensor>>();

  constructor(readonly config: StreamModelConfig, capacity: number) {
    this.capacity = checkInt('StatePool: capacity', capacity);
    this.spec = modelStateSpec(config);
    this.tensors = createPool(this.spec, capacity);
    this.bytesPerSlot = Object.values(this.spec).reduce((n, s) => n + 4 * numel(s.shape), 0);
  }

  /** The tensors of one block (names without the `towers.<t>.blocks.<b>.` prefix). */
  block(prefix: string): Record<string, StateTensor> {
    let out = this.blocks.get(prefix);
    if (!out) {
      out = {};
      for (const [name, t] of Object.entries(this.tensors)) if (name.startsWith(prefix)) out[name.slice(prefix.length)] = t;
      this.blocks.set(prefix, out);
    }
    return out;
  }

  reset(slot: number): void {
    resetSlot(this.tensors, this.spec, slot);
  }

  read(slot: number): Record<string, StateArray> {
    return readSlot(this.tensors, slot);
  }

  write(slot: number, values: Record<string, StateArray>): void {
    writeSlot(this.tensors, slot, values);
  }

  /** Saves every slot and the symbol map (atomic write). */
  save(path: string, symbols: [string, number][]): void {
    writeSafetensors(path, this.tensors, {
      kind: 'hashmac-stream-pool',
      config: JSON.stringify(this.config),
      symbols: JSON.stringify(Object.fromEntries(symbols)),
    });
  }

  /** Saves one slot's state as a per-symbol file (atomic write). */
  saveSlot(path: string, slot: number, symbol: string): void {
    const tensors: Record<string, StateTensor> = {};
    for (const [name, v] of Object.entries(this.read(slot))) tensors[name] = { data: v, shape: this.spec[name].shape };
    writeSafetensors(path, tensors, { kind: 'hashmac-stream-symbol', config: JSON.stringify(this.config), symbol });
  }

  private checkFile(path: string, kind: string): SafetensorsFile {
    const file = readSafetensors(path);
    if (file.metadata.kind !== kind) throw new RangeError(`${path}: not a ${kind} file (kind ${file.metadata.kind ?? 'missing'})`);
    if (file.metadata.config !== JSON.stringify(this.config)) {
      throw new RangeError(`${path}: saved for config ${file.metadata.config}, this model is ${JSON.stringify(this.config)}`);
    }
    return file;
  }

  private expectTensor(path: string, file: SafetensorsFile, name: string, shape: readonly number[], dtype: string): StoredTensor {
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
    const keep = Math.min(savedCap, this.capacity);
    for (const [sym, slot] of symbols) {
      if (!Number.isInteger(slot) || slot < 0 || slot >= keep) throw new RangeError(`${path}: symbol ${sym} is in slot ${slot}, outside this pool of ${this.capacity}`);
    }
    // Check every tensor before writing any, so a bad file leaves the pool as it was.
    const checked = Object.entries(this.spec).map(([name, spec]) => [name, this.expectTensor(path, file, name, [savedCap, ...spec.shape], storedDtype(spec))] as const);
    for (const [name, stored] of checked) {
      const t = this.tensors[name];
      const n = numel(this.spec[name].shape);
      t.data.fill(this.spec[name].fill ?? 0);
      (t.data as Float32Array).set((stored.data as Float32Array).subarray(0, keep * n));
    }
    return symbols;
  }

  /** Reads a per-symbol file saved by `saveSlot`: the symbol and its state, checked against this model. */
  readSymbolFile(path: string): { symbol: string; values: Record<string, StateArray> } {
    const file = this.checkFile(path, 'hashmac-stream-symbol');
    const values: Record<string, StateArray> = {};
    for (const [name, spec] of Object.entries(this.spec)) values[name] = (this.expectTensor(path, file, name, spec.shape, storedDtype(spec)).data as StateArray).slice();
    return { symbol: file.metadata.symbol ?? '', values };
  }
}
