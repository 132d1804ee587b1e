/** What every layer of one forward call shares: the tokens' layout, their pool slots and the backend. */
import type { BackendName } from '../../backend.js';
import type { Tensor } from '../../tensor.js';
import type { StateTensor } from '../state-pool.js';

export interface StepContext {
  /** Batch rows (symbols) and steps per row: the call processes B*T tokens, row-major [B, T]. */
  B: number;
  T: number;
  /** Pool slot of each batch row. */
  slots: Int32Array;
  backend?: BackendName;
}

/**
 * A layer's state tensors (full pools, slot axis first), by the names of state-layout.ts. All are
 * float32 except RetNet's int32 `offsets` (read through `int32State`).
 */
export type LayerState = Record<string, Tensor>;

export function layerState(block: Record<string, StateTensor>): LayerState {
  return block as LayerState;
}

export function int32State(st: LayerState, name: string): Tensor<Int32Array> {
  const t = st[name] as unknown as StateTensor;
  if (!(t.data instanceof Int32Array)) throw new TypeError(`state ${name}: expected int32`);
  return t as Tensor<Int32Array>;
}

export type Param = Tensor;

/** [B, T, ...inner] view of B*T token rows. */
export const timed = (ctx: StepContext, data: Float32Array, ...inner: number[]): Tensor => ({ data, shape: [ctx.B, ctx.T, ...inner] });

/** [B*T, width] view of token rows. */
export const flat = (ctx: StepContext, data: Float32Array, width: number): Tensor => ({ data, shape: [ctx.B * ctx.T, width] });
