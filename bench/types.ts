/**
 * The shape of a microbenchmark case. Each kernel family contributes a `bench/<family>.ts` that exports
 * `cases: BenchCase[]`; the harness (bench/run.ts, `hashmac bench`) times them with the `benchmark`
 * package, measures the machine's limits in the same run, and reports throughput as a fraction of the
 * relevant limit and as a ratio to the JS reference and to peers.
 */
import type { BackendName } from '../lib/backend.js';

/** The machine limit a case is measured against. */
export type Limit = 'popcount' | 'fma' | 'bandwidth';

export interface BenchWork {
  /** Bytes of state/operands that must cross memory per call (for bandwidth-bound kernels). */
  bytes?: number;
  /** Floating-point operations per call (an FMA counts 2). */
  flops?: number;
  /** Bit operations per call (M·N·K for a Hamming GEMM). */
  bitops?: number;
}

export interface BenchCase {
  /** Unique, e.g. 'hammingGemm/4096x4096x1024'. */
  name: string;
  /** Kernel family and API name, for filtering (`hashmac bench hammingGemm`). */
  kernel: string;
  /** What one call does; the harness divides by time. */
  work: BenchWork;
  limit: Limit;
  /** Builds inputs for one backend and returns the function to time (one call). Undefined = not run there. */
  setup(backend: BackendName): (() => void) | undefined;
  /** Scale for the JS reference, which is too slow for the full shape: the harness times a smaller setup and scales. */
  referenceSetup?: () => { fn: () => void; work: BenchWork };
}
