/**
 * The whole streaming model as one native call (native/kernels/stream_executor.*): the model's prepared
 * weights and the state pool's arrays are handed to the addon once, by field name; each forward is then
 * one crossing that runs every layer of every tower for the batch. The JS composition (model.ts) stays
 * the reference and the oracle: the executor calls the same kernels in the same order, so on the same
 * ISA and thread count it gives the same numbers.
 */
import { markAsUntransferable } from 'node:worker_threads';
import { loadNative, type NativeAddon } from '../native/addon.js';
import { TOWERS } from './config.js';
import { isBatchInvariant } from './kernels.js';
import type { StepContext, StepGroup } from './layers/context.js';
import type { StreamModel } from './model.js';
import { statePrefix } from './state-layout.js';
import type { StatePool } from './state-pool.js';

/** Storage of the dense weights: float32 (default, exact) or bfloat16 with float32 accumulation. */
export type WeightPrecision = 'float32' | 'bfloat16';

/** A prepared layer object with every tensor reduced to its data (the binding reads arrays by name). */
function layerArrays(layer: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const data = (v: unknown): unknown => (v instanceof Float32Array ? v : Array.isArray(v) ? v.map(data) : (v as { data: unknown }).data);
  for (const [k, v] of Object.entries(layer as Record<string, unknown>)) out[k] = data(v);
  return out;
}

/** The model object `createStreamExecutor` reads (field names as in native/binding/stream_executor_binding.cc). */
export function executorModel(model: StreamModel, pool: StatePool, precision: WeightPrecision): Record<string, unknown> {
  const d = model.dims;
  const lin = (l: { weight: { data: Float32Array }; bias?: Float32Array }) => ({ weight: l.weight.data, bias: l.bias });
  return {
    sizes: { hidden: d.hidden, proj: d.proj, features: d.features, heads: d.retHeads, depth: model.config.towerDepth, capacity: pool.capacity },
    precision,
    output: lin(model.outputProj),
    towers: model.towers.map((tw, t) => ({
      kind: tw.kind,
      up: lin(tw.up),
      down: lin(tw.down),
      blocks: tw.blocks.map((bw, b) => {
        const layer = layerArrays(bw.layer);
        if (tw.kind === 'retnet') layer.kScale = d.retHeadSize ** -0.5;
        const state = Object.fromEntries(Object.entries(pool.block(statePrefix(t, b))).map(([k, v]) => [k, v.data]));
        return { norm1: bw.norm1, norm2: bw.norm2, fc1: lin(bw.fc1), fc2: lin(bw.fc2), layer, state };
      }),
    })),
  };
}

function forEachArray(v: unknown, fn: (a: ArrayBufferView) => void): void {
  if (ArrayBuffer.isView(v)) fn(v);
  else if (Array.isArray(v)) for (const e of v) forEachArray(e, fn);
  else if (v && typeof v === 'object') for (const e of Object.values(v)) forEachArray(e, fn);
}

/** Why the native executor cannot be used here, or undefined when it can. */
export function nativeExecutorUnavailable(): string | undefined {
  const { addon, error } = loadNative();
  if (!addon) return error ?? 'native addon not loaded';
  if (typeof addon.createStreamExecutor !== 'function') return 'this build of the addon has no stream executor';
  return undefined;
}

export class NativeStreamExecutor {
  private readonly addon: NativeAddon;
  private readonly handle: unknown;
  /** Bytes of weights one forward reads (dense weights at their stored precision). */
  readonly weightBytes: number;

  constructor(model: StreamModel, pool: StatePool, readonly precision: WeightPrecision = 'float32') {
    const why = nativeExecutorUnavailable();
    if (why) throw new Error(`NativeStreamExecutor: ${why}`);
    this.addon = loadNative().addon!;
    const arrays = executorModel(model, pool, precision);
    // The executor uses the engine's weights and pools in place (too large to copy per run), and JS can
    // reach them (StreamEngine.model, .pool): their buffers become untransferable, so a transfer during a
    // run copies (Node 18-20) or throws (Node 21+) instead of taking the memory from under it. Each run
    // also checks that every one is still where it was (docs/ARCHITECTURE.md, "Async ownership").
    forEachArray(arrays, (a) => markAsUntransferable(a.buffer));
    const made = this.addon.createStreamExecutor(arrays) as { handle: unknown; weightBytes: number };
    this.handle = made.handle;
    this.weightBytes = made.weightBytes;
  }

  private plan(features: Float32Array, ctx: StepContext) {
    const groups = new Int32Array(3 * ctx.groups.length);
    const slots = new Int32Array(ctx.groups.reduce((n, g) => n + g.B, 0));
    let at = 0;
    ctx.groups.forEach((g: StepGroup, i) => {
      groups.set([g.B, g.T, g.row0], 3 * i);
      slots.set(g.slots, at);
      at += g.B;
    });
    const out = new Float32Array(ctx.tokens * TOWERS.length);
    return { executor: this.handle, features, tokens: ctx.tokens, groups, slots, out, batchInvariant: isBatchInvariant() };
  }

  /** As StreamModel.forward: predictions [tokens, 4]; the slots' states are updated in place. */
  forward(features: Float32Array, ctx: StepContext): Float32Array {
    const plan = this.plan(features, ctx);
    this.addon.streamExecutorRun(plan);
    return plan.out;
  }

  /**
   * Seconds to read every dense weight once (each matrix times a ones vector with the step's own
   * kernels; median of `repeats` passes, caches warm): the floor under a one-token step.
   */
  readWeightsSeconds(repeats = 50): number {
    return this.addon.streamExecutorReadWeights({ executor: this.handle, repeats }) as number;
  }

  /** forward on the libuv thread pool; the pool's arrays must not be touched until it settles. */
  async forwardAsync(features: Float32Array, ctx: StepContext): Promise<Float32Array> {
    const plan = this.plan(features, ctx);
    await this.addon.streamExecutorRunAsync(plan);
    return plan.out;
  }
}
