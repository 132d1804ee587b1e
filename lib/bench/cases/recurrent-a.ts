/**
 * Microbenchmarks of the recurrent-a kernels at the hackathon shapes (Mamba2 H=64, P=64, N=128; RG-LRU
 * W=2048; conv C=4096, W=4), every pool row busy and the pool larger than the caches, for T = 1 and 8.
 * The state kernels are measured against memory bandwidth: `work.bytes` counts the state read and
 * written once per call plus the inputs read and outputs written.
 */
import { backendsFor, type BackendName } from '../../backend.js';
import { blockLinear, causalConv1dUpdate, rglruStep, selectiveStateUpdate } from '../../kernels/recurrent-a.js';
import type { Tensor } from '../../tensor.js';
import type { BenchCase, BenchWork } from '../types.js';

const F32 = 4;

function random(shape: number[], lo = -1, hi = 1): Tensor {
  const data = new Float32Array(shape.reduce((p, d) => p * d, 1));
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = lo + (s / 4294967296) * (hi - lo);
  }
  return { data, shape };
}

const lead = (batch: number, steps: number) => (steps > 1 ? [batch, steps] : [batch]);
/** Full shapes run on compiled backends that implement the kernel; the JS reference runs `referenceSetup`. */
const compiled = (kernel: string, backend: BackendName) => backend !== 'js' && backendsFor(kernel).includes(backend);

/** A state kernel at one shape: its bytes per call from sizes alone, and a call on fresh buffers. */
interface StateKernel {
  bytes(slots: number, steps: number): number;
  make(slots: number, steps: number, backend: BackendName): () => void;
}

// ---------------------------------------------------------------------------------------------------
const MAMBA2 = { H: 64, P: 64, N: 128, G: 1 };
const ssu: StateKernel = {
  bytes: (slots, steps) => {
    const { H, P, N, G } = MAMBA2;
    return F32 * (2 * slots * H * P * N + slots * steps * (2 * H * P + H + 2 * G * N));
  },
  make: (slots, steps, backend) => {
    const { H, P, N, G } = MAMBA2, l = lead(slots, steps);
    const args = {
      state: random([slots, H, P, N], -0.1, 0.1), x: random([...l, H, P]), dt: random([...l, H], -2, 0), A: random([H], -1, -0.1),
      B: random([...l, G, N]), C: random([...l, G, N]), D: random([H]), dtBias: random([H], -0.5, 0.5), dtSoftplus: true,
      out: new Float32Array(slots * steps * H * P), backend,
    };
    return () => void selectiveStateUpdate(args);
  },
};

const CONV = { C: 4096, W: 4, L: 3 };
const conv: StateKernel = {
  bytes: (slots, steps) => F32 * (2 * slots * CONV.C * CONV.L + 2 * slots * steps * CONV.C),
  make: (slots, steps, backend) => {
    const { C, W, L } = CONV, l = lead(slots, steps);
    const args = {
      convState: random([slots, C, L]), x: random([...l, C]), weight: random([C, W]), bias: random([C]), activation: 'silu' as const,
      out: new Float32Array(slots * steps * C), backend,
    };
    return () => void causalConv1dUpdate(args);
  },
};

const RGLRU_W = 2048;
const rglru: StateKernel = {
  bytes: (slots, steps) => F32 * (2 * slots * RGLRU_W + 4 * slots * steps * RGLRU_W),
  make: (slots, steps, backend) => {
    const W = RGLRU_W, l = lead(slots, steps);
    const args = {
      h: random([slots, W]), x: random([...l, W]), gateX: random([...l, W]), gateA: random([...l, W]), a: random([W], 0.5, 1),
      out: new Float32Array(slots * steps * W), backend,
    };
    return () => void rglruStep(args);
  },
};

/** Every pool row busy; the JS reference runs one row of the same shape (the harness scales by work). */
function stateCase(kernel: string, shape: string, k: StateKernel, slots: number, steps: number): BenchCase {
  return {
    name: `${kernel}/${shape}/slots${slots}/T${steps}`,
    kernel,
    work: { bytes: k.bytes(slots, steps) },
    limit: 'bandwidth',
    setup: (backend) => (compiled(kernel, backend) ? k.make(slots, steps, backend) : undefined),
    referenceSetup: () => ({ fn: k.make(1, steps, 'js'), work: { bytes: k.bytes(1, steps) } }),
  };
}

function blockLinearCall(rows: number, backend: BackendName): { fn: () => void; work: BenchWork } {
  const nb = 16, bi = 128, bo = 128;
  const x = random([rows, nb * bi]), weight = random([nb, bo, bi]), bias = random([nb * bo]);
  const out = new Float32Array(rows * nb * bo);
  return { fn: () => void blockLinear(x, weight, { bias, out, backend }), work: { flops: 2 * rows * nb * bo * bi } };
}

export const cases: BenchCase[] = [
  stateCase('selectiveStateUpdate', 'H64xP64xN128', ssu, 64, 1),
  stateCase('selectiveStateUpdate', 'H64xP64xN128', ssu, 64, 8),
  // Batches sized so that the bytes of a call (state, inputs, outputs) are well over 128 MB (4x L3).
  stateCase('causalConv1dUpdate', 'C4096xW4', conv, 2048, 1),
  stateCase('causalConv1dUpdate', 'C4096xW4', conv, 512, 8),
  stateCase('rglruStep', 'W2048', rglru, 4096, 1),
  stateCase('rglruStep', 'W2048', rglru, 512, 8),
  {
    name: 'blockLinear/16x128x128/rows1024',
    kernel: 'blockLinear',
    work: { flops: 2 * 1024 * 16 * 128 * 128 },
    limit: 'fma',
    setup: (backend) => (compiled('blockLinear', backend) ? blockLinearCall(1024, backend).fn : undefined),
    referenceSetup: () => blockLinearCall(8, 'js'),
  },
];
