/**
 * A fuzz spec tells `hashmac fuzz` how to draw random cases of one kernel. A case is in golden-file form
 * (SPEC "Golden case files": `in.*` tensors and params), so it runs through the kernel's golden adapter
 * on the JS reference and on the backend under test, and a failing case is written as a golden file
 * that `hashmac golden` replays. Kernel families add specs by adding a file to lib/fuzz/specs/ that
 * exports `specs: FuzzSpec[]`.
 */
import type * as fc from 'fast-check';
import type { GoldenInputs, GoldenOutputs } from '../golden/adapters.js';

export interface FuzzCase {
  /** The `in.*` tensors, by name without the prefix. */
  inputs: GoldenInputs;
  /** The golden `params` (JSON-serialisable). */
  params: Record<string, unknown>;
}

/** Per output (`out.<name>`): |got - want| <= atol + rtol*|want|; outputs not listed must match exactly. */
export type Tolerance = Record<string, { atol: number; rtol: number }>;

export interface FuzzSpec {
  /** SPEC kernel name (snake_case), the key of its golden adapter, e.g. 'hamming_gemm'. */
  kernel: string;
  /** Random cases: shapes with tails, edge values, slots and time steps as the kernel has them. */
  arbitrary: () => fc.Arbitrary<FuzzCase>;
  /** Tolerances for one case, given the JS reference's outputs. */
  tolerance?: (c: FuzzCase, want: GoldenOutputs) => Tolerance;
}
