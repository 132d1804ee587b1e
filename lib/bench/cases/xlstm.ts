/**
 * Benchmarks of the xLSTM state kernels at the hackathon shapes (mLSTM NH=8, DK=DV=512; sLSTM NH=4,
 * DH=512), with every pool slot in the batch and T = 1 and T = 8 steps per call. The mLSTM pool (128 MiB,
 * 4x a 32 MB L3) exceeds the last-level cache, so each call streams the whole state from memory: measured
 * against bandwidth, with `work.bytes` = state read + written plus inputs and outputs. The sLSTM state is
 * small (32 KiB per slot) and its recurrent weights are shared by the batch, so with the whole batch it is
 * bound by the recurrent matvecs: measured against FMA peak.
 */
import type { BackendName } from '../../backend.js';
import { mlstmStep, slstmStep } from '../../kernels/xlstm.js';
import { createMlstmState, createSlstmState } from '../../kernels/xlstm-pools.js';
import { F32, filled, POOL_BYTES, poolCase } from '../state-cases.js';
import type { BenchCase, BenchWork } from '../types.js';

// ---- mLSTM --------------------------------------------------------------------------------------------
const ML = { NH: 8, DK: 512, DV: 512 };

export function mlstmWork(B: number, T: number): BenchWork {
  const { NH, DK, DV } = ML;
  const state = B * NH * (DK * DV + DK + 1) * F32;
  const io = B * T * NH * (2 * DK + 2 * DV + 2) * F32;  // q, k, v, gates in; h out
  // Per state element and step (decay_outer.h): the decay (1), + k v (FMA, 2), the read-out q s (FMA, 2).
  return { bytes: 2 * state + io, flops: B * T * NH * DK * DV * 5 };
}

export function mlstmCall(B: number, T: number, backend: BackendName): () => void {
  const { NH, DK, DV } = ML;
  const state = createMlstmState(B, { heads: NH, keyDim: DK, valueDim: DV });
  const lead = T === 1 ? [B] : [B, T];
  const args = {
    ...state, q: filled([...lead, NH, DK], 5), k: filled([...lead, NH, DK], 6), v: filled([...lead, NH, DV], 7),
    iPre: filled([...lead, NH], 8), fPre: filled([...lead, NH], 9, 2, 4), out: new Float32Array(B * T * NH * DV), backend,
  };
  return () => void mlstmStep(args);
}

// ---- sLSTM --------------------------------------------------------------------------------------------
const SL = { NH: 4, DH: 512 };

export function slstmWork(B: number, T: number): BenchWork {
  const { NH, DH } = SL;
  const W = NH * DH;
  const state = B * 4 * W * F32;
  const weights = 4 * NH * DH * DH * F32 + 4 * W * F32;
  const io = B * T * 5 * W * F32;  // wx in, h out
  return { bytes: 2 * state + weights + io, flops: 2 * B * T * 4 * NH * DH * DH };
}

export function slstmCall(B: number, T: number, backend: BackendName): () => void {
  const { NH, DH } = SL;
  const W = NH * DH;
  const state = createSlstmState(B, { heads: NH, headDim: DH });
  const args = {
    ...state, wx: filled(T === 1 ? [B, 4, W] : [B, T, 4, W], 10), R: filled([4, NH, DH, DH], 11, -0.04, 0.04),
    rBias: filled([4, W], 12), out: new Float32Array(B * T * W), backend,
  };
  return () => void slstmStep(args);
}

const ML_SLOTS = POOL_BYTES / (ML.NH * ML.DK * ML.DV * F32);  // 16 slots
const SL_SLOTS = 128;  // 4 MiB of state (> L2) plus 16 MiB of recurrent weights

export const cases: BenchCase[] = [1, 8].flatMap((T) => [
  poolCase('mlstmStep', `NH${ML.NH}xDK${ML.DK}xDV${ML.DV}`, 'bandwidth', ML_SLOTS, T, mlstmWork, mlstmCall),
  poolCase('slstmStep', `NH${SL.NH}xDH${SL.DH}`, 'fma', SL_SLOTS, T, slstmWork, slstmCall),
]);
