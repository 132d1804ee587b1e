/**
 * Symbol → slot assignment for a fixed-capacity state pool. Slots are allocated once; a new symbol takes
 * a free slot, or, when the pool is full, the least recently used symbol's slot (policy 'lru') unless
 * that symbol is pinned by the batch being processed; policy 'reject' refuses new symbols instead.
 */
import { checkEnum, checkInt } from '../validate.js';

export type EvictionPolicy = 'lru' | 'reject';
export const EVICTION_POLICIES: readonly EvictionPolicy[] = ['lru', 'reject'];

export interface Acquired {
  slot: number;
  /** The slot was not holding this symbol's state: the caller resets it to a fresh state. */
  fresh: boolean;
  /** Symbol whose state was dropped to make room. */
  evicted?: string;
}

export class SymbolSlots {
  readonly capacity: number;
  readonly policy: EvictionPolicy;
  /** Insertion order = recency order (oldest first): a touched symbol is re-inserted at the end. */
  private readonly bySymbol = new Map<string, number>();
  private readonly free: number[] = [];

  constructor(capacity: number, policy: EvictionPolicy = 'lru') {
    this.capacity = checkInt('SymbolSlots: capacity', capacity);
    this.policy = checkEnum('SymbolSlots: policy', policy, EVICTION_POLICIES);
    for (let s = capacity - 1; s >= 0; s--) this.free.push(s);
  }

  get size(): number {
    return this.bySymbol.size;
  }

  slotOf(symbol: string): number | undefined {
    return this.bySymbol.get(symbol);
  }

  /** Symbols and their slots, least recently used first. */
  entries(): [string, number][] {
    return [...this.bySymbol.entries()];
  }

  /** The slot of `symbol`, allocating one if needed; `pinned` symbols are never evicted. */
  acquire(symbol: string, pinned?: ReadonlySet<string>): Acquired {
    const have = this.bySymbol.get(symbol);
    if (have !== undefined) {
      this.bySymbol.delete(symbol);
      this.bySymbol.set(symbol, have);
      return { slot: have, fresh: false };
    }
    const slot = this.free.pop();
    if (slot !== undefined) {
      this.bySymbol.set(symbol, slot);
      return { slot, fresh: true };
    }
    if (this.policy === 'reject') {
      throw new RangeError(`SymbolSlots: pool full (${this.capacity} symbols) and eviction policy is 'reject'; cannot add ${symbol}`);
    }
    for (const [victim, s] of this.bySymbol) {
      if (pinned?.has(victim)) continue;
      this.bySymbol.delete(victim);
      this.bySymbol.set(symbol, s);
      return { slot: s, fresh: true, evicted: victim };
    }
    throw new RangeError(`SymbolSlots: all ${this.capacity} slots are in use by the current batch; cannot add ${symbol}`);
  }

  /** Forgets a symbol, freeing its slot. */
  release(symbol: string): boolean {
    const s = this.bySymbol.get(symbol);
    if (s === undefined) return false;
    this.bySymbol.delete(symbol);
    this.free.push(s);
    return true;
  }

  /** Replaces the whole assignment (restoring a saved pool); checked whole before anything changes. */
  assign(entries: Iterable<[string, number]>): void {
    const map = new Map<string, number>();
    const used = new Set<number>();
    for (const [sym, slot] of entries) {
      checkInt(`SymbolSlots.assign: slot of ${sym}`, slot, 0, this.capacity - 1);
      if (used.has(slot)) throw new RangeError(`SymbolSlots.assign: slot ${slot} assigned twice`);
      if (map.has(sym)) throw new RangeError(`SymbolSlots.assign: symbol ${sym} appears twice`);
      used.add(slot);
      map.set(sym, slot);
    }
    this.bySymbol.clear();
    for (const e of map) this.bySymbol.set(...e);
    this.free.length = 0;
    for (let s = this.capacity - 1; s >= 0; s--) if (!used.has(s)) this.free.push(s);
  }
}

/**
 * The symbol map of a saved pool (its `symbols` metadata, JSON {symbol: slot}), checked whole: an
 * object of non-empty names to distinct integer slots below `usable` (the saved slots this pool keeps).
 */
export function parseSymbolMap(path: string, text: string | undefined, usable: number, capacity: number): [string, number][] {
  let value: unknown;
  try {
    value = JSON.parse(text ?? '{}');
  } catch (e) {
    throw new RangeError(`${path}: metadata symbols: not JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RangeError(`${path}: metadata symbols: expected an object {symbol: slot}`);
  const entries = Object.entries(value);
  const owner = new Map<number, string>();
  for (const [sym, slot] of entries) {
    if (sym === '') throw new RangeError(`${path}: metadata symbols: an empty symbol name`);
    if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < 0 || slot >= usable) {
      throw new RangeError(`${path}: metadata symbols: symbol ${sym} is in slot ${JSON.stringify(slot)}, outside the ${usable} slots kept by this pool of ${capacity}`);
    }
    const other = owner.get(slot);
    if (other !== undefined) throw new RangeError(`${path}: metadata symbols: slot ${slot} is assigned to both ${other} and ${sym}`);
    owner.set(slot, sym);
  }
  return entries as [string, number][];
}
