/**
 * What every layer of one forward call shares. The call's tokens are grouped: group g holds B_g symbols
 * with T_g queued requests each, its B_g·T_g token rows contiguous (symbol-major, then step). The
 * stateless parts (projections, norms, MLPs) run once on all tokens; the state kernels run once per
 * group with its time axis, writing their group's rows of one shared output.
 */
import type { BackendName } from '../../backend.js';
import type { Tensor } from '../../tensor.js';
import type { StateTensor } from '../state-pool.js';

export interface StepGroup {
  /** Symbols (batch rows) and steps per symbol. */
  B: number;
  T: number;
  /** Pool slot of each symbol. */
  slots: Int32Array;
  /** First token row of the group. */
  row0: number;
}

export interface StepContext {
  tokens: number;
  groups: readonly StepGroup[];
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

/** [tokens, width] view of token rows. */
export const flat = (ctx: StepContext, data: Float32Array, width: number): Tensor => ({ data, shape: [ctx.tokens, width] });

const size = (inner: readonly number[]) => inner.reduce((a, b) => a * b, 1);

/** A group's rows of a token-major array, as [B, T, ...inner] (a view, no copy). */
export type GroupView = (data: Float32Array, ...inner: number[]) => Tensor;

/**
 * Calls a state kernel once per group. `call` gets the group, a view maker for its rows of any
 * token-major input, and its rows of the shared output [tokens, ...outInner], which is returned.
 */
export function perGroup(ctx: StepContext, outInner: readonly number[], call: (g: StepGroup, view: GroupView, out: Float32Array) => void): Float32Array {
  const w = size(outInner);
  const out = new Float32Array(ctx.tokens * w);
  for (const g of ctx.groups) {
    const view: GroupView = (data, ...inner) => {
      const iw = size(inner);
      return { data: data.subarray(g.row0 * iw, (g.row0 + g.B * g.T) * iw), shape: [g.B, g.T, ...inner] };
    };
    call(g, view, out.subarray(g.row0 * w, (g.row0 + g.B * g.T) * w));
  }
  return out;
}
