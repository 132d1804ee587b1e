/**
 * The model's state pools (lib/pool.ts): every state tensor with a leading slot axis, allocated once
 * for `capacity` symbols. Slots are reset, read and written with the pool helpers; the whole pool (with
 * the symbol map) or one symbol's state can be saved to a safetensors file (written atomically) and
 * restored, checked against this model's config and layout.
 */
import { createPool, readSlot, resetSlot, writeSlot, type PoolArray, type PoolSpec, type StatePool as Pool } from '../pool.js';
import { readSafetensors, SafetensorsReader, writeSafetensors } from '../safetensors.js';
import type { Tensor } from '../tensor.js';
import { checkInt } from '../validate.js';
import type { StreamModelConfig } from './config.js';
import { parseSymbolMap } from './slots.js';
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

  private checkFile(path: string, kind: string, metadata: Record<string, string>): void {
    if (metadata.kind !== kind) throw new RangeError(`${path}: not a ${kind} file (kind ${metadata.kind ?? 'missing'})`);
    if (metadata.config !== JSON.stringify(this.config)) {
      throw new RangeError(`${path}: saved for config ${metadata.config}, this model is ${JSON.stringify(this.config)}`);
    }
  }

  private expectTensor<T extends { dtype: string; shape: readonly number[] }>(path: string, t: T | undefined, name: string, shape: readonly number[], dtype: string): T {
    if (!t || t.dtype !== dtype || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new RangeError(`${path}: ${name}: expected ${dtype}[${shape}]${t ? `, got ${t.dtype}[${t.shape}]` : ', missing'}`);
    }
    return t;
  }

  /**
   * Restores a pool saved by `save` (same config; capacity may differ if every saved slot fits).
   * Everything is checked first (header, config, every tensor's dtype and shape, the symbol map), so a
   * rejected file leaves the pool untouched; then each tensor is read straight into the pool (no copy of
   * the file in memory). Should the read itself fail after that (an I/O error), the pool is reset to fresh
   * state and the error says so: never old slots under a new map or the reverse.
   */
  load(path: string): [string, number][] {
    const file = new SafetensorsReader(path);
    try {
      this.checkFile(path, 'hashmac-stream-pool', file.metadata);
      const unexpected = file.entries.find((e) => !Object.prototype.hasOwnProperty.call(this.spec, e.name));
      if (unexpected) throw new RangeError(`${path}: ${unexpected.name}: not a state tensor of this model`);
      const savedCap = file.entries[0]?.shape[0] ?? 0;
      const checked = Object.entries(this.spec).map(([name, spec]) => [name, this.expectTensor(path, file.entry(name), name, [savedCap, ...spec.shape], storedDtype(spec))] as const);
      const symbols = parseSymbolMap(path, file.metadata.symbols, Math.min(savedCap, this.capacity), this.capacity);
      const keep = Math.min(savedCap, this.capacity);
      try {
        for (const [name, entry] of checked) {
          const t = this.tensors[name].data;
          const n = numel(this.spec[name].shape);
          t.fill(this.spec[name].fill ?? 0, keep * n);
          file.readInto(entry, new Uint8Array(t.buffer, t.byteOffset, keep * n * 4));
        }
      } catch (e) {
        for (let s = 0; s < this.capacity; s++) this.reset(s);
        throw new Error(`${path}: reading failed after the checks passed; every slot was reset (${(e as Error).message})`);
      }
      return symbols;
    } finally {
      file.close();
    }
  }

  /** Reads a per-symbol file saved by `saveSlot`: the symbol and its state, checked against this model. */
  readSymbolFile(path: string): { symbol: string; values: Record<string, StateArray> } {
    const file = readSafetensors(path);
    this.checkFile(path, 'hashmac-stream-symbol', file.metadata);
    const values: Record<string, StateArray> = {};
    for (const [name, spec] of Object.entries(this.spec)) values[name] = this.expectTensor(path, file.tensors.get(name), name, spec.shape, storedDtype(spec)).data as StateArray;
    const symbol = file.metadata.symbol;
    if (typeof symbol !== 'string' || symbol === '') throw new RangeError(`${path}: metadata symbol: expected a non-empty string`);
    return { symbol, values };
  }
}
