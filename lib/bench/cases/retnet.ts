/**
 * Benchmarks of the RetNet retention step at the hackathon shape (H=8, Dk=Dv=256), with every pool slot in
 * the batch and T = 1 and T = 8 steps per call. The pool (128 MiB, 4x a 32 MB L3) exceeds the last-level
 * cache, so each call streams the whole state from memory: measured against bandwidth, with `work.bytes`
 * = state read + written plus inputs and outputs.
 */
import type { BackendName } from '../../backend.js';
import { retentionStep, retnetAngle } from '../../kernels/retnet.js';
import { createRetentionState } from '../../kernels/retnet-pools.js';
import { F32, filled, POOL_BYTES, poolCase } from '../state-cases.js';
import type { BenchCase, BenchWork } from '../types.js';

const RET = { H: 8, Dk: 256, Dv: 256 };

export function retentionWork(B: number, T: number): BenchWork {
  const { H, Dk, Dv } = RET;
  const state = B * (H * Dk * Dv + H + 1) * F32;
  const io = B * T * H * (2 * Dk + 2 * Dv) * F32;  // q, k, v in; o out
  // Per state element and step (decay_outer.h): the decay (1), + k v (FMA, 2), the read-out q s (FMA, 2).
  return { bytes: 2 * state + io, flops: B * T * H * Dk * Dv * 5 };
}

export function retentionCall(B: number, T: number, backend: BackendName): () => void {
  const { H, Dk, Dv } = RET;
  const state = createRetentionState(B, { heads: H, keyDim: Dk, valueDim: Dv });
  const lead = T === 1 ? [B] : [B, T];
  const args = {
    ...state, q: filled([...lead, H, Dk], 1), k: filled([...lead, H, Dk], 2), v: filled([...lead, H, Dv], 3),
    decay: filled([H], 4, 0.9, 0.99), angle: retnetAngle(Dk), out: new Float32Array(B * T * H * Dv), backend,
  };
  return () => void retentionStep(args);
}

const RET_SLOTS = POOL_BYTES / (RET.H * RET.Dk * RET.Dv * F32);  // 64 slots

export const cases: BenchCase[] = [1, 8].map((T) =>
  poolCase('retentionStep', `H${RET.H}xDk${RET.Dk}xDv${RET.Dv}`, 'bandwidth', RET_SLOTS, T, retentionWork, retentionCall));
