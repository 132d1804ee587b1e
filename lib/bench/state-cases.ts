/**
 * What the state-kernel benchmark cases (lib/bench/cases: mamba2, hawk, retnet, xlstm) share: input
 * fillers, the backends a case runs on, and the bandwidth-bound case of a state kernel at one shape.
 */
import { backendsFor, type BackendName } from '../backend.js';
import type { Tensor } from '../tensor.js';
import type { BenchCase, BenchWork } from './types.js';

export const F32 = 4;

export function random(shape: number[], lo = -1, hi = 1): Tensor {
  const data = new Float32Array(shape.reduce((p, d) => p * d, 1));
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = lo + (s / 4294967296) * (hi - lo);
  }
  return { data, shape };
}

export const lead = (batch: number, steps: number) => (steps > 1 ? [batch, steps] : [batch]);
/** Full shapes run on compiled backends that implement the kernel; the JS reference runs `referenceSetup`. */
export const compiled = (kernel: string, backend: BackendName) => backend !== 'js' && backendsFor(kernel).includes(backend);

/** A state kernel at one shape: its bytes and FLOP per call from sizes alone, and a call on fresh buffers. */
export interface StateKernel {
  bytes(slots: number, steps: number): number;
  /** Arithmetic of the native kernel's vector code (see EXP_FLOP), for the fraction of the FMA peak. */
  flops(slots: number, steps: number): number;
  make(slots: number, steps: number, backend: BackendName): () => void;
}

/**
 * FLOP of one float32 exp as the native kernels compute it (vec.h exp_in_range): the reduction (an FMA,
 * a subtraction, two FMAs), the degree-7 polynomial (7 FMAs) and the scaling by 2^n, an FMA counting 2.
 * Divisions and square roots count 1 each although they take the slow unit far longer: the fraction of
 * the FMA peak is a lower bound of how busy the arithmetic units are.
 */
export const EXP_FLOP = 22;

export /** Every pool row busy; the JS reference runs one row of the same shape (the harness scales by work). */
function stateCase(kernel: string, shape: string, k: StateKernel, slots: number, steps: number): BenchCase {
  return {
    name: `${kernel}/${shape}/slots${slots}/T${steps}`,
    kernel,
    work: { bytes: k.bytes(slots, steps), flops: k.flops(slots, steps) },
    limit: 'bandwidth',
    setup: (backend) => (compiled(kernel, backend) ? k.make(slots, steps, backend) : undefined),
    referenceSetup: () => ({ fn: k.make(1, steps, 'js'), work: { bytes: k.bytes(1, steps), flops: k.flops(1, steps) } }),
  };
}

export const MiB = 1 << 20;
/** State pool of the bandwidth cases: four times a 32 MB L3, so no call finds its state still cached. */
export const POOL_BYTES = 128 * MiB;

export function filled(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;  // xorshift32: cheap filler, values need not be random-quality
    data[i] = lo + ((x >>> 0) / 4294967296) * (hi - lo);
  }
  return { data, shape };
}

const runsOn = (kernel: string, backend: BackendName) => backendsFor(kernel).includes(backend);

/** A case of a pool kernel on B slots, T steps a call (`call` builds the call on fresh buffers); the JS reference runs one slot. */
export function poolCase(
  kernel: string, shape: string, limit: BenchCase['limit'], B: number, T: number,
  work: (B: number, T: number) => BenchWork, call: (B: number, T: number, backend: BackendName) => () => void,
): BenchCase {
  return {
    name: `${kernel}/${shape}/pool${B}/T${T}`,
    kernel,
    work: work(B, T),
    limit,
    setup: (backend) => (runsOn(kernel, backend) ? call(B, T, backend) : undefined),
    referenceSetup: () => ({ fn: call(1, T, 'js'), work: work(1, T) }),
  };
}
