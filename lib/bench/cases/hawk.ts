/**
 * Microbenchmarks of the Hawk kernels at the hackathon shapes (RG-LRU W=2048, every pool row busy and the
 * pool larger than the caches, T = 1 and 8, measured against memory bandwidth; block linear 16 blocks of
 * 128x128, measured against FMA peak).
 */
import type { BackendName } from '../../backend.js';
import { blockLinear, rglruStep } from '../../kernels/hawk.js';
import { compiled, EXP_FLOP, F32, lead, random, stateCase, type StateKernel } from '../state-cases.js';
import type { BenchCase, BenchWork } from '../types.js';

const RGLRU_W = 2048;
export const rglru: StateKernel = {
  bytes: (slots, steps) => F32 * (2 * slots * RGLRU_W + 4 * slots * steps * RGLRU_W),
  // Per feature and step (hawk_simd.cc rglru_value): both gate sigmoids (2 exps, 2 additions, one shared
  // division, 3 products), x * gate (1), log a_t (2), a_t = exp, 1 - a_t^2 (its 8-term series, 18, and
  // 1 - a*a, 2, both computed), the square root (1) and the recurrence (3).
  flops: (slots, steps) => (3 * EXP_FLOP + 6 + 1 + 2 + 20 + 1 + 3) * slots * steps * RGLRU_W,
  make: (slots, steps, backend) => {
    const W = RGLRU_W, l = lead(slots, steps);
    const args = {
      h: random([slots, W]), x: random([...l, W]), gateX: random([...l, W]), gateA: random([...l, W]), a: random([W], 0.5, 1),
      out: new Float32Array(slots * steps * W), backend,
    };
    return () => void rglruStep(args);
  },
};

function blockLinearCall(rows: number, backend: BackendName): { fn: () => void; work: BenchWork } {
  const nb = 16, bi = 128, bo = 128;
  const x = random([rows, nb * bi]), weight = random([nb, bo, bi]), bias = random([nb * bo]);
  const out = new Float32Array(rows * nb * bo);
  return { fn: () => void blockLinear(x, weight, { bias, out, backend }), work: { flops: 2 * rows * nb * bo * bi } };
}

export const cases: BenchCase[] = [
  // Batches sized so that the bytes of a call (state, inputs, outputs) are well over 128 MB (4x L3).
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
