/**
 * The streaming engine: a model, a state pool with a slot per symbol, and `processBatch` with exact
 * semantics — every request of a symbol sees the state left by the one before it. Symbols are batched
 * together; a symbol with several queued requests goes through each layer as one multi-step row, so
 * its state is read and written once per layer however many requests it has.
 */
import { currentBackend, type BackendName } from '../backend.js';
import { checkInt } from '../validate.js';
import { resolveConfig, TOWERS, type PresetName, type StreamModelConfig } from './config.js';
import { NativeStreamExecutor, nativeExecutorUnavailable, type WeightPrecision } from './executor.js';
import type { StepContext, StepGroup } from './layers/context.js';
import { StreamModel } from './model.js';
import { StatePool } from './state-pool.js';
import { SymbolSlots, type EvictionPolicy } from './slots.js';
import { randomWeights, type Weights } from './weights.js';

/**
 * The index of the first feature that is not a finite float32 (NaN, ±Infinity, beyond ±3.4e38, or not a
 * number at all), or undefined. One such value would make the symbol's recurrent state NaN for good, so
 * requests carrying one are refused before they reach any state (docs/stream.md).
 */
export function nonFiniteFeature(f: ArrayLike<number>): number | undefined {
  for (let i = 0; i < f.length; i++) {
    const v = f[i];
    if (typeof v !== 'number' || !Number.isFinite(Math.fround(v))) return i;
  }
  return undefined;
}

export interface StreamRequest {
  id: number;
  symbol: string;
  features: ArrayLike<number>;
}

export interface BatchResult {
  /** Request ids in processing order (symbol by symbol, each symbol's requests in order). */
  ids: number[];
  /** One row of 4 tower predictions per id. */
  predictions: number[][];
}

export interface EngineOptions {
  /** Preset name or explicit sizes (default 'small'). */
  config?: PresetName | StreamModelConfig;
  /** Weights (default: seeded random weights following the model's init). */
  weights?: Weights;
  /** Let the model empty `weights` as it prepares them (saves memory; the map is unusable afterwards). */
  consumeWeights?: boolean;
  seed?: number;
  /** Symbols held at once (default 64). */
  capacity?: number;
  eviction?: EvictionPolicy;
  backend?: BackendName;
  /** Called when a symbol's state is dropped to make room for another. */
  onEvict?: (symbol: string) => void;
  /**
   * How a batch runs on the native backend: 'native' = the whole model in one addon call
   * (lib/stream/executor.ts), 'js' = the per-kernel JS composition (the reference). Default 'auto':
   * the native executor whenever the backend is native and the addon has it.
   */
  executor?: 'auto' | 'native' | 'js';
  /** Dense weight storage of the native executor (default float32; bfloat16 needs the executor). */
  precision?: WeightPrecision;
}

export interface EngineStats {
  requests: number;
  /** forward calls (one per batch, or per pool-sized chunk of its symbols). */
  calls: number;
  /** Groups of symbols sharing a request count (one state-kernel call each per layer). */
  groups: number;
  /** Bytes of recurrent state read + written (each row of a call reads and writes its slot once). */
  stateBytesMoved: number;
  /** Seconds spent in the model's forward (one native call, or the JS composition); the rest is JS glue. */
  computeSeconds: number;
}

interface SymbolRequests {
  symbol: string;
  reqs: readonly StreamRequest[];
  /** Position in the batch, where its predictions go. */
  index: number;
}

interface ChunkJob {
  chunk: SymbolRequests[];
  byCount: Map<number, SymbolRequests[]>;
  features: Float32Array;
  ctx: StepContext;
}

export type RequestsBySymbol = Map<string, readonly StreamRequest[]> | Record<string, readonly StreamRequest[]>;

export class StreamEngine {
  readonly config: StreamModelConfig;
  readonly model: StreamModel;
  readonly pool: StatePool;
  readonly slots: SymbolSlots;
  backend?: BackendName;
  readonly stats: EngineStats = { requests: 0, calls: 0, groups: 0, stateBytesMoved: 0, computeSeconds: 0 };
  readonly executorMode: 'auto' | 'native' | 'js';
  readonly precision: WeightPrecision;
  private readonly onEvict?: (symbol: string) => void;
  private native?: NativeStreamExecutor;
  /** Set while an async batch runs: the pool and slots belong to it until it settles. */
  private busy = false;

  constructor(opts: EngineOptions = {}) {
    this.config = resolveConfig(opts.config ?? 'small');
    const capacity = checkInt('StreamEngine: capacity', opts.capacity ?? 64);
    // The model keeps what it needs (some tensors fused); the name → tensor map is not retained.
    const own = opts.weights === undefined;
    this.model = new StreamModel(this.config, opts.weights ?? randomWeights(this.config, opts.seed ?? 0), { consume: own || opts.consumeWeights === true });
    this.pool = new StatePool(this.config, capacity);
    this.slots = new SymbolSlots(capacity, opts.eviction ?? 'lru');
    this.backend = opts.backend;
    this.onEvict = opts.onEvict;
    this.executorMode = opts.executor ?? 'auto';
    if (!['auto', 'native', 'js'].includes(this.executorMode)) throw new RangeError(`StreamEngine: executor: expected 'auto', 'native' or 'js', got ${String(opts.executor)}`);
    this.precision = opts.precision ?? 'float32';
    if (this.precision !== 'float32' && this.precision !== 'bfloat16') throw new RangeError(`StreamEngine: precision: expected 'float32' or 'bfloat16', got ${String(opts.precision)}`);
    if (this.precision !== 'float32' && this.executorMode === 'js') throw new RangeError(`StreamEngine: precision ${this.precision} needs the native executor (executor 'js' given)`);
    if (this.executorMode === 'native' || this.precision !== 'float32') {
      const why = nativeExecutorUnavailable();
      if (why) throw new Error(`StreamEngine: the native executor is unavailable: ${why}`);
    }
  }

  /** The native executor when this batch should use it (created on first use), else undefined. */
  private executor(): NativeStreamExecutor | undefined {
    if (this.executorMode === 'js') return undefined;
    if (this.executorMode === 'auto' && this.precision === 'float32') {
      if ((this.backend ?? currentBackend().name) !== 'native' || nativeExecutorUnavailable()) return undefined;
    }
    this.native ??= new NativeStreamExecutor(this.model, this.pool, this.precision);
    return this.native;
  }

  /** The native executor batches run on now (undefined on the JS composition). */
  get nativeExecutor(): NativeStreamExecutor | undefined {
    return this.executor();
  }

  /** Whether batches run as one native call ('native') or through the JS composition ('js'). */
  get path(): 'native' | 'js' {
    return this.executor() ? 'native' : 'js';
  }

  private validate(groups: [string, readonly StreamRequest[]][]): void {
    const F = this.config.numFeatures;
    for (const [symbol, reqs] of groups) {
      if (typeof symbol !== 'string' || symbol.length === 0) throw new TypeError('processBatch: symbols must be non-empty strings');
      if (!Array.isArray(reqs) || reqs.length === 0) throw new TypeError(`processBatch: ${symbol}: expected a non-empty array of requests`);
      for (const r of reqs) {
        const f = r?.features;
        if (!f || typeof f.length !== 'number' || f.length !== F) {
          throw new RangeError(`processBatch: ${symbol} request ${r?.id}: expected ${F} features, got ${f?.length ?? 'none'}`);
        }
        const bad = nonFiniteFeature(f);
        if (bad !== undefined) {
          const v = f[bad];
          if (typeof v !== 'number') throw new TypeError(`processBatch: ${symbol} request ${r.id}: feature ${bad} is not a number`);
          throw new RangeError(`processBatch: ${symbol} request ${r.id}: feature ${bad} is ${v}, not a finite float32 (rejected so it cannot poison the symbol's state)`);
        }
      }
    }
  }

  /** Runs every request with exact per-symbol ordering; returns predictions in processing order. */
  processBatch(requestsBySymbol: RequestsBySymbol): BatchResult {
    const { entries, chunks } = this.begin(requestsBySymbol);
    const predictions: Float32Array[] = [];
    const exec = this.executor();
    for (const chunk of chunks) {
      const job = this.prepareChunk(chunk);
      const t0 = performance.now();
      const out = exec ? exec.forward(job.features, job.ctx) : this.model.forward(this.pool, job.features, { ...job.ctx, backend: this.backend });
      this.finishChunk(job, out, predictions, performance.now() - t0);
    }
    return this.end(entries, predictions);
  }

  /**
   * processBatch with the model's forward off the JS thread (the native executor on the libuv pool;
   * the JS composition runs synchronously). One batch at a time: another call while it runs throws.
   */
  async processBatchAsync(requestsBySymbol: RequestsBySymbol): Promise<BatchResult> {
    const { entries, chunks } = this.begin(requestsBySymbol);
    const predictions: Float32Array[] = [];
    const exec = this.executor();
    this.busy = true;
    try {
      for (const chunk of chunks) {
        const job = this.prepareChunk(chunk);
        const t0 = performance.now();
        const out = exec ? await exec.forwardAsync(job.features, job.ctx) : this.model.forward(this.pool, job.features, { ...job.ctx, backend: this.backend });
        this.finishChunk(job, out, predictions, performance.now() - t0);
      }
    } finally {
      this.busy = false;
    }
    return this.end(entries, predictions);
  }

  private checkIdle(what: string): void {
    if (this.busy) throw new Error(`${what}: an async batch is still running on this engine`);
  }

  private begin(requestsBySymbol: RequestsBySymbol): { entries: [string, readonly StreamRequest[]][]; chunks: SymbolRequests[][] } {
    this.checkIdle('processBatch');
    const entries = requestsBySymbol instanceof Map ? [...requestsBySymbol.entries()] : Object.entries(requestsBySymbol);
    this.validate(entries);
    const symbols = new Set(entries.map(([s]) => s));
    if (symbols.size !== entries.length) throw new RangeError('processBatch: a symbol appears twice');
    // Symbols are independent, so a batch with more symbols than slots runs in pool-sized chunks.
    const indexed = entries.map((e, i) => ({ symbol: e[0], reqs: e[1], index: i }));
    const chunks: SymbolRequests[][] = [];
    for (let at = 0; at < indexed.length; at += this.slots.capacity) chunks.push(indexed.slice(at, at + this.slots.capacity));
    return { entries, chunks };
  }

  private end(entries: [string, readonly StreamRequest[]][], predictions: Float32Array[]): BatchResult {
    const ids: number[] = [];
    const rows: number[][] = [];
    for (const [i, [, reqs]] of entries.entries()) {
      const p = predictions[i];
      reqs.forEach((r, i) => {
        ids.push(r.id);
        rows.push(Array.from(p.subarray(i * TOWERS.length, (i + 1) * TOWERS.length)));
      });
    }
    this.stats.requests += ids.length;
    return { ids, predictions: rows };
  }

  private prepareChunk(chunk: SymbolRequests[]): ChunkJob {
    const pinned = new Set(chunk.map((e) => e.symbol));
    const slotOf = new Map<string, number>();
    for (const { symbol } of chunk) {
      const a = this.slots.acquire(symbol, pinned);
      if (a.fresh) this.pool.reset(a.slot);
      if (a.evicted !== undefined) this.onEvict?.(a.evicted);
      slotOf.set(symbol, a.slot);
    }
    // Symbols with the same request count form a group (the state kernels' [B, T] rows); all groups
    // share one forward call, so projections and norms run once on every token of the chunk.
    const byCount = new Map<number, SymbolRequests[]>();
    for (const e of chunk) {
      const g = byCount.get(e.reqs.length) ?? [];
      g.push(e);
      byCount.set(e.reqs.length, g);
    }
    const F = this.config.numFeatures;
    const tokens = chunk.reduce((n, e) => n + e.reqs.length, 0);
    const features = new Float32Array(tokens * F);
    const groups: StepGroup[] = [];
    let row0 = 0;
    for (const [T, members] of byCount) {
      const slots = Int32Array.from(members, (e) => slotOf.get(e.symbol)!);
      members.forEach((e, b) => e.reqs.forEach((r, t) => features.set(r.features, (row0 + b * T + t) * F)));
      groups.push({ B: members.length, T, slots, row0 });
      row0 += members.length * T;
    }
    return { chunk, byCount, features, ctx: { tokens, groups } };
  }

  private finishChunk(job: ChunkJob, out: Float32Array, predictions: Float32Array[], ms: number): void {
    const W = TOWERS.length;
    for (const [gi, [T, members]] of [...job.byCount].entries()) {
      members.forEach((e, b) => {
        const at = job.ctx.groups[gi].row0 + b * T;
        predictions[e.index] = out.subarray(at * W, (at + T) * W);
      });
    }
    this.stats.calls++;
    this.stats.groups += job.ctx.groups.length;
    this.stats.stateBytesMoved += 2 * job.chunk.length * this.pool.bytesPerSlot;
    this.stats.computeSeconds += ms / 1000;
  }

  /**
   * Runs every kernel once on a throw-away symbol (JIT, native thread start-up) so the first real
   * request is not slow; the symbol's slot is released and stats are left as they were.
   */
  warmUp(): void {
    const name = '\u0000warm-up';
    const stats = { ...this.stats };
    this.processBatch(new Map([[name, [{ id: -1, symbol: name, features: new Float32Array(this.config.numFeatures) }]]]));
    this.slots.release(name);
    Object.assign(this.stats, stats);
  }

  /** Drops a symbol's state (its next request starts fresh). */
  resetSymbol(symbol: string): boolean {
    this.checkIdle('resetSymbol');
    return this.slots.release(symbol);
  }

  /** Saves every symbol's state and the symbol map to one file (atomic). */
  saveState(path: string): void {
    this.checkIdle('saveState');
    this.pool.save(path, this.slots.entries());
  }

  /** Restores a file written by `saveState`, replacing all current state. */
  loadState(path: string): void {
    this.checkIdle('loadState');
    const symbols = this.pool.load(path);
    this.slots.assign(symbols);
  }

  /** Saves one symbol's state (atomic). */
  saveSymbol(path: string, symbol: string): void {
    this.checkIdle('saveSymbol');
    const slot = this.slots.slotOf(symbol);
    if (slot === undefined) throw new RangeError(`saveSymbol: no state held for ${symbol}`);
    this.pool.saveSlot(path, slot, symbol);
  }

  /** Restores one symbol's state from a file written by `saveSymbol` (under `as`, default its own name). */
  loadSymbol(path: string, as?: string): string {
    this.checkIdle('loadSymbol');
    const { symbol, values } = this.pool.readSymbolFile(path);
    const name = as ?? symbol;
    const a = this.slots.acquire(name);
    if (a.evicted !== undefined) this.onEvict?.(a.evicted);
    this.pool.write(a.slot, values);
    return name;
  }
}
