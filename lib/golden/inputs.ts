/**
 * What every golden adapter is made of: a case file's `in.*` tensors as typed API arguments, and the
 * adapter interface itself. Its own module, so the family adapters (lib/golden/<family>.ts) and the table
 * that gathers them (adapters.ts) have no import cycle.
 */
import type { BackendName } from '../backend-contract.js';
import type { StoredTensor } from '../safetensors.js';
import type { AnyArray, Tensor } from '../tensor.js';

export type GoldenInputs = Record<string, StoredTensor>;
export type GoldenOutputs = Record<string, Tensor<AnyArray>>;

export interface GoldenAdapter {
  run(inputs: GoldenInputs, params: Record<string, any>, backend: BackendName): GoldenOutputs | Promise<GoldenOutputs>;
}

/** The input as a float32 tensor (golden inputs are F32 unless noted). */
export const f32 = (t: StoredTensor): Tensor => ({ data: t.data as Float32Array, shape: t.shape });
export const i32 = (t: StoredTensor): Tensor<Int32Array> => ({ data: t.data as Int32Array, shape: t.shape });
export const u8 = (t: StoredTensor): Tensor<Uint8Array> => ({ data: t.data as Uint8Array, shape: t.shape });
/** An optional input. */
export const opt = <T>(t: StoredTensor | undefined, f: (t: StoredTensor) => T): T | undefined => (t ? f(t) : undefined);
