/**
 * Benchmarks of the recurrent-b state kernels at the hackathon shapes (retention H=8, Dk=Dv=256; mLSTM
 * NH=8, DK=DV=512; sLSTM NH=4, DH=512), with every pool slot in the batch and T = 1 and T = 8 steps per
 * call. Retention and mLSTM pools (128 MiB, 4x a 32 MB L3) exceed the last-level cache, so each call streams the whole
 * state from memory: they are measured against bandwidth, with `work.bytes` = state read + written plus
 * inputs and outputs. The sLSTM state is small (32 KiB per slot) and its recurrent weights are shared by
 * the batch, so with the whole batch it is bound by the recurrent matvecs: measured against FMA peak.
 */
import { backendsFor, type BackendName } from '../../backend.js';
import {
  createMlstmState, createRetentionState, createSlstmState, mlstmStep, retentionStep, retnetAngle, slstmStep,
} from '../../kernels/recurrent-b.js';
import type { Tensor } from '../../tensor.js';
import type { BenchCase, BenchWork } from '../types.js';

const F32 = 4;
const MiB = 1 << 20;
/** State pool of the bandwidth cases: four times a 32 MB L3, so no call finds its state still cached. */
const POOL_BYTES = 128 * MiB;

function filled(shape: number[], seed: number, lo = -1, hi = 1): Tensor {
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

// ---- retention ----------------------------------------------------------------------------------------
const RET = { H: 8, Dk: 256, Dv: 256 };

function retentionWork(B: number, T: number): BenchWork {
  const { H, Dk, Dv } = RET;
  const state = B * (H * Dk * Dv + H + 1) * F32;
  const io = B * T * H * (2 * Dk + 2 * Dv) * F32;  // q, k, v in; o out
  return { bytes: 2 * state + io, flops: B * T * H * Dk * Dv * 6 };
}

function retentionCall(B: number, T: number, backend: BackendName): () => void {
  const { H, Dk, Dv } = RET;
  const state = createRetentionState(B, { heads: H, keyDim: Dk, valueDim: Dv });
  const lead = T === 1 ? [B] : [B, T];
  const args = {
    ...state, q: filled([...lead, H, Dk], 1), k: filled([...lead, H, Dk], 2), v: filled([...lead, H, Dv], 3),
    decay: filled([H], 4, 0.9, 0.99), angle: retnetAngle(Dk), out: new Float32Array(B * T * H * Dv), backend,
  };
  return () => void retentionStep(args);
}

function retentionCase(T: number): BenchCase {
  const B = POOL_BYTES / (RET.H * RET.Dk * RET.Dv * F32);  // 64 slots
  return {
    name: `retentionStep/H${RET.H}xDk${RET.Dk}xDv${RET.Dv}/pool${B}/T${T}`,
    kernel: 'retentionStep',
    work: retentionWork(B, T),
    limit: 'bandwidth',
    setup: (backend) => (runsOn('retentionStep', backend) ? retentionCall(B, T, backend) : undefined),
    referenceSetup: () => ({ fn: retentionCall(1, T, 'js'), work: retentionWork(1, T) }),
  };
}

// ---- mLSTM --------------------------------------------------------------------------------------------
const ML = { NH: 8, DK: 512, DV: 512 };

function mlstmWork(B: number, T: number): BenchWork {
  const { NH, DK, DV } = ML;
  const state = B * NH * (DK * DV + DK + 1) * F32;
  const io = B * T * NH * (2 * DK + 2 * DV + 2) * F32;  // q, k, v, gates in; h out
  return { bytes: 2 * state + io, flops: B * T * NH * DK * DV * 6 };
}

function mlstmCall(B: number, T: number, backend: BackendName): () => void {
  const { NH, DK, DV } = ML;
  const state = createMlstmState(B, { heads: NH, keyDim: DK, valueDim: DV });
  const lead = T === 1 ? [B] : [B, T];
  const args = {
    ...state, q: filled([...lead, NH, DK], 5), k: filled([...lead, NH, DK], 6), v: filled([...lead, NH, DV], 7),
    iPre: filled([...lead, NH], 8), fPre: filled([...lead, NH], 9, 2, 4), out: new Float32Array(B * T * NH * DV), backend,
  };
  return () => void mlstmStep(args);
}

function mlstmCase(T: number): BenchCase {
  const B = POOL_BYTES / (ML.NH * ML.DK * ML.DV * F32);  // 16 slots
  return {
    name: `mlstmStep/NH${ML.NH}xDK${ML.DK}xDV${ML.DV}/pool${B}/T${T}`,
    kernel: 'mlstmStep',
    work: mlstmWork(B, T),
    limit: 'bandwidth',
    setup: (backend) => (runsOn('mlstmStep', backend) ? mlstmCall(B, T, backend) : undefined),
    referenceSetup: () => ({ fn: mlstmCall(1, T, 'js'), work: mlstmWork(1, T) }),
  };
}

// ---- sLSTM --------------------------------------------------------------------------------------------
const SL = { NH: 4, DH: 512 };

function slstmWork(B: number, T: number): BenchWork {
  const { NH, DH } = SL;
  const W = NH * DH;
  const state = B * 4 * W * F32;
  const weights = 4 * NH * DH * DH * F32 + 4 * W * F32;
  const io = B * T * 5 * W * F32;  // wx in, h out
  return { bytes: 2 * state + weights + io, flops: 2 * B * T * 4 * NH * DH * DH };
}

function slstmCall(B: number, T: number, backend: BackendName): () => void {
  const { NH, DH } = SL;
  const W = NH * DH;
  const state = createSlstmState(B, { heads: NH, headDim: DH });
  const args = {
    ...state, wx: filled(T === 1 ? [B, 4, W] : [B, T, 4, W], 10), R: filled([4, NH, DH, DH], 11, -0.04, 0.04),
    rBias: filled([4, W], 12), out: new Float32Array(B * T * W), backend,
  };
  return () => void slstmStep(args);
}

function slstmCase(T: number): BenchCase {
  const B = 128;  // 4 MiB of state (> L2) plus 16 MiB of recurrent weights
  return {
    name: `slstmStep/NH${SL.NH}xDH${SL.DH}/pool${B}/T${T}`,
    kernel: 'slstmStep',
    work: slstmWork(B, T),
    limit: 'fma',
    setup: (backend) => (runsOn('slstmStep', backend) ? slstmCall(B, T, backend) : undefined),
    referenceSetup: () => ({ fn: slstmCall(1, T, 'js'), work: slstmWork(1, T) }),
  };
}

export const cases: BenchCase[] = [1, 8].flatMap((T) => [retentionCase(T), mlstmCase(T), slstmCase(T)]);
