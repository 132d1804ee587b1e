/**
 * Argument helpers shared by the state-step kernel families (mamba2, hawk, retnet, xlstm): the options
 * object, the optional time axis after the batch axis, and the aliasing rules of in-place state pools.
 */
import type { BackendName, CallOptions } from '../backend-contract.js';
import type { AnyArray, Tensor } from '../tensor.js';
import { checkKnownKeys, checkNoAlias, checkObject, Shapes, type Dim } from '../validate.js';

/** Slots of a state kernel: int32 [B] as a typed array or tensor (negative = padding). */
export type Slots = Int32Array | Tensor<Int32Array>;

export interface StateCallOptions extends CallOptions {
  slots?: Slots;
  /** Caller-provided output with the shape of x (reused across calls for allocation-free loops). */
  out?: Float32Array | Tensor;
}

/** The options of a multi-pool step (retentionStep, slstmStep, mlstmStep) beside its pool and inputs. */
export interface PoolStepOptions extends CallOptions {
  /** int32 [B]: pool row of each batch row (negative = padding). */
  slots?: Slots;
  /** Caller-provided output, the shape of the step's result. */
  out?: Float32Array;
}

/** The args object, rejecting keys the kernel does not know (a misspelt `dt_bias` must not be ignored). */
export function argsObject(fn: string, value: unknown, known: readonly string[]): Record<string, unknown> {
  return checkKnownKeys(fn, checkObject(`${fn}: args`, value), known);
}

/** A [B] or [B, T] style leading spec from the rank of x: `rank` counts the non-time axes of x. */
export function timeAxis(s: Shapes, fn: string, x: unknown, inner: readonly Dim[]): Dim[] {
  const r = s.rank('x', x);
  if (r === inner.length + 1) {
    s.bind('T', 1);
    return ['B'];
  }
  if (r === inner.length + 2) return ['B', 'T'];
  const names = inner.join(', ');
  throw new RangeError(`${fn}: x: expected shape [B, ${names}] or [B, T, ${names}], got rank ${r}`);
}

/** The time axis is optional: a tensor of rank `base` is one step, rank `base + 1` carries [B, T, ...]. */
export function timeForm(fn: string, s: Shapes, name: string, value: unknown, base: number): boolean {
  const rank = s.rank(name, value);
  if (rank !== base && rank !== base + 1) {
    throw new RangeError(`${fn}: ${name}: expected rank ${base} (one step) or ${base + 1} (with a time axis [B, T, ...]), got rank ${rank}`);
  }
  return rank === base + 1;
}

/** A symbolic spec with the time axis inserted after the batch axis when `timed`. */
export const dims = (timed: boolean, rest: (string | number)[]): (string | number)[] => (timed ? ['B', 'T', ...rest] : ['B', ...rest]);

/** State tensors are written in place: none may overlap another argument. */
export function checkStateAlias(fn: string, states: Record<string, AnyArray>, inputs: Record<string, AnyArray | undefined>): void {
  const names = Object.keys(states);
  names.forEach((name, i) => {
    const rest = Object.fromEntries(names.slice(i + 1).map((n) => [n, states[n]]));
    checkNoAlias(fn, name, states[name], { ...inputs, ...rest });
  });
}

export const backendOf = (o: Record<string, unknown>) => o.backend as BackendName | undefined;

