/**
 * The shape of a microbenchmark case. Each kernel family contributes `lib/bench/cases/<family>.ts`
 * exporting `cases: BenchCase[]` (picked up automatically: every module in that folder is loaded); the
 * harness (`npm run bench`, `hashmac bench`) times them with the `benchmark` package, measures the
 * machine's limits in the same run, and reports throughput as a fraction of the relevant limit and as a
 * ratio to the JS reference and to peers.
 */
import type { BackendName } from '../backend.js';

/** The machine limit a case is measured against (bit-ops for popcount, FLOP for fma, bytes for bandwidth). */
export type Limit = 'popcount' | 'fma' | 'bandwidth';

export interface BenchWork {
  /** Bytes of state/operands that must cross memory per call (for bandwidth-bound kernels). */
  bytes?: number;
  /** Floating-point operations per call (an FMA counts 2). */
  flops?: number;
  /** Bit operations per call (M·N·K for a Hamming GEMM). */
  bitops?: number;
}

/** One timed function with the work it does per call (a smaller problem than the case's, for slow variants). */
export interface ScaledSetup {
  fn: () => void | Promise<void>;
  work: BenchWork;
  /** What this variant does, when not obvious from its name (e.g. 'MatMul + JS sign/pack'). */
  note?: string;
}

/** Throughput goals a case reports as met or missed (units of its limit per second; ratios). */
export interface BenchTargets {
  /** Absolute throughput of the native backend, in the limit's unit per second. */
  throughput?: number;
  /** Minimum native / JS-reference throughput ratio. */
  vsReference?: number;
  /** Minimum native / peer throughput ratio, per peer name. */
  vsPeer?: Record<string, number>;
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
  /** Other libraries doing the same job, by name; a setup returns undefined when the peer is not installed. */
  peers?: Record<string, () => ScaledSetup | undefined | Promise<ScaledSetup | undefined>>;
  targets?: BenchTargets;
}

/** The amount of work of a case in the unit of its limit. */
export function workUnits(work: BenchWork, limit: Limit): number {
  const v = limit === 'popcount' ? work.bitops : limit === 'fma' ? work.flops : work.bytes;
  if (v === undefined) throw new RangeError(`bench: work has no ${limit === 'popcount' ? 'bitops' : limit === 'fma' ? 'flops' : 'bytes'} for limit '${limit}'`);
  return v;
}
