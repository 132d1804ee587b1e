/**
 * GPU timings (run by scripts/gpu-check.sh; needs a device). Every CUDA kernel at sizes whose pools or
 * operands exceed L2 (50 MB), all arrays device-resident, timed with CUDA events after a warm-up (median
 * of --reps runs); reported as effective GB/s, FLOP/s or bit-ops/s, as a fraction of the limits measured
 * in the same run (a large device copy; register-only FMA and popcount kernels; our own FP32 GEMM as "a
 * large matrix product"), and against the native CPU backend on the same arrays. Ends with the latency
 * of one Mamba2 step at batch 1.
 *   node --import tsx scripts/gpu-bench.ts [--reps 50] [--native-reps 5] [--json file] [--filter text]
 */
import { writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadCuda, type CudaAddon } from '../lib/cuda/addon.js';
import { loadNative } from '../lib/native/addon.js';

type Limit = 'bandwidth' | 'fma' | 'popcount';
interface Case {
  name: string;
  fn: string;
  /** Host arrays and sizes in the addon's argument order (the native addon takes the same). */
  args: () => unknown[];
  work: { bytes?: number; flops?: number; bitops?: number };
  limit: Limit;
  /** Runs before timing (e.g. selects the Hamming algorithm). */
  before?: (cuda: CudaAddon) => void;
}

const argv = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const REPS = Number(opt('reps', '50'));
const NATIVE_REPS = Number(opt('native-reps', '5'));
const FILTER = opt('filter', '');
const JSON_OUT = opt('json', '');

let seed = 12345;
function floats(n: number, lo: number, hi: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    a[i] = lo + ((seed >>> 8) / 16777216) * (hi - lo);
  }
  return a;
}
const bytes = (n: number) => new Uint8Array(n).map(() => (Math.random() * 256) | 0);
const iota = (n: number) => Int32Array.from({ length: n }, (_, i) => i);
const F = 4;

const cases: Case[] = [];
for (const precision of ['fp32', 'tf32x3']) {
  const M = 65536, D = 256, K = 256;
  cases.push({ name: `signProject ${M}x${D} -> ${K} bits (${precision})`, fn: 'signProject', limit: 'fma', work: { flops: 2 * M * D * K },
    before: (c) => c.setSignPrecision(precision),
    args: () => [floats(M * D, -1, 1), floats(K * D, -1, 1), new Uint8Array(M * (K / 8)), new Float32Array(M), M, D, K, K / 8] });
}
for (const algo of ['popc', 'mma']) {
  const M = 8192, N = 8192, bits = 1024, stride = bits / 8;
  cases.push({ name: `hammingGemm ${M}x${N}x${bits} (${algo})`, fn: 'hammingGemm', limit: 'popcount', work: { bitops: M * N * bits },
    before: (c) => c.setHammingAlgo(algo),
    args: () => [bytes(M * stride), bytes(N * stride), new Int32Array(M * N), M, N, bits / 64, stride, stride] });
}
{
  const B = 512, D = 4096, N = 4096, Ti = 64, To = 64, K = 256, nI = D / Ti, nJ = N / To, ws = K / 8;
  cases.push({ name: `hashLinear B${B} ${D}->${N} tiles ${Ti}/${To} K${K}`, fn: 'hashLinear', limit: 'popcount',
    work: { bitops: B * N * nI * K },
    args: () => [floats(B * D, -1, 1), floats(nI * nJ * K * Ti, -1, 1), bytes(nI * N * ws), floats(nI * N, 0.5, 2), floats(N, -1, 1),
      new Float32Array(B * N), B, D, N, Ti, To, K, ws, 2 ** -23, 0] });
}
for (const T of [1, 8]) {
  const S = 128, H = 32, P = 64, N = 128, G = 1, B = S;
  const state = S * H * P * N * F, io = B * T * (3 * H * P + 2 * G * N + H) * F;
  cases.push({ name: `selectiveStateUpdate pool ${(state / 1e6).toFixed(0)} MB B${B} T${T}`, fn: 'selectiveStateUpdate', limit: 'bandwidth',
    work: { bytes: 2 * state + io },
    args: () => [floats(S * H * P * N, -1, 1), floats(B * T * H * P, -1, 1), floats(B * T * H, -3, 0), floats(H, -1, -0.1),
      floats(B * T * G * N, -1, 1), floats(B * T * G * N, -1, 1), floats(H, -1, 1), floats(B * T * H * P, -1, 1), floats(H, -1, 1),
      iota(B), new Float32Array(B * T * H * P), S, H, P, N, G, B, T, false, false, false, false, true] });
}
{
  const S = 256, C = 16384, L = 3, W = 4, B = S, T = 1;
  cases.push({ name: `causalConv1dUpdate pool ${((S * C * L * F) / 1e6).toFixed(0)} MB`, fn: 'causalConv1dUpdate', limit: 'bandwidth',
    work: { bytes: 2 * S * C * L * F + 2 * B * T * C * F + C * (W + 1) * F },
    args: () => [floats(S * C * L, -1, 1), floats(B * T * C, -1, 1), floats(C * W, -1, 1), floats(C, -1, 1), iota(B),
      new Float32Array(B * T * C), S, C, L, W, B, T, true] });
}
{
  const S = 1024, W = 16384, B = S, T = 1;
  cases.push({ name: `rglruStep pool ${((S * W * F) / 1e6).toFixed(0)} MB`, fn: 'rglruStep', limit: 'bandwidth',
    work: { bytes: 2 * S * W * F + 4 * B * T * W * F },
    args: () => [floats(S * W, -1, 1), floats(B * T * W, -1, 1), floats(B * T * W, -1, 1), floats(B * T * W, -1, 1), floats(W, 0.5, 0.99),
      null, iota(B), new Float32Array(B * T * W), S, W, B, T, 8, false] });
}
{
  const R = 4096, H = 32, Dh = 128;
  cases.push({ name: `rotary ${R}x${H}x${Dh}`, fn: 'rotary', limit: 'bandwidth', work: { bytes: 2 * R * H * Dh * F },
    args: () => [floats(R * H * Dh, -1, 1), iota(R), floats(Dh, 0, 1), new Float32Array(R * H * Dh), R, H, Dh] });
}
{
  const S = 64, H = 16, Dk = 128, Dv = 128, B = S, T = 1;
  cases.push({ name: `retentionStep pool ${((S * H * Dk * Dv * F) / 1e6).toFixed(0)} MB`, fn: 'retentionStep', limit: 'bandwidth',
    work: { bytes: 2 * S * H * Dk * Dv * F },
    args: () => [floats(S * H * Dk * Dv, -1, 1), floats(S * H, 1, 2), iota(S), floats(B * T * H * Dk, -1, 1), floats(B * T * H * Dk, -1, 1),
      floats(B * T * H * Dv, -1, 1), floats(H, 0.9, 0.99), floats(Dk, 0, 1), iota(B), new Float32Array(B * T * H * Dv),
      S, B, T, H, Dk, Dv, 1 / Math.sqrt(Dk)] });
}
{
  const S = 64, NH = 16, DK = 128, DV = 128, B = S, T = 1;
  cases.push({ name: `mlstmStep pool ${((S * NH * DK * DV * F) / 1e6).toFixed(0)} MB`, fn: 'mlstmStep', limit: 'bandwidth',
    work: { bytes: 2 * S * NH * DK * DV * F },
    args: () => [floats(S * NH * DK * DV, -1, 1), floats(S * NH * DK, -1, 1), new Float32Array(S * NH), floats(B * T * NH * DK, -1, 1),
      floats(B * T * NH * DK, -1, 1), floats(B * T * NH * DV, -1, 1), floats(B * T * NH, -1, 1), floats(B * T * NH, -1, 1), iota(B),
      new Float32Array(B * T * NH * DV), S, B, T, NH, DK, DV, 1e-6] });
}
{
  const S = 256, NH = 4, DH = 256, B = S, T = 1, Wd = NH * DH;
  cases.push({ name: `slstmStep B${B} ${NH}x${DH}`, fn: 'slstmStep', limit: 'fma', work: { flops: 2 * B * T * 4 * NH * DH * DH },
    args: () => [new Float32Array(S * Wd), new Float32Array(S * Wd), new Float32Array(S * Wd), new Float32Array(S * Wd).fill(-Infinity),
      floats(B * T * 4 * Wd, -1, 1), floats(4 * NH * DH * DH, -0.05, 0.05), floats(4 * Wd, -1, 1), iota(B), new Float32Array(B * T * Wd),
      S, B, T, NH, DH, 1e-6] });
}
{
  const M = 16384, D = 576, K = 256;
  cases.push({ name: `noisySignProject ${M}x${D} -> ${K} bits (bit-exact order)`, fn: 'noisySignProject', limit: 'fma', work: { flops: 2 * M * D * K },
    args: () => [floats(M * D, -1, 1), floats(K * D, -1, 1), floats(K, -0.1, 0.1), new Uint8Array(M * (K / 8)), M, D, K, K / 8, 8, 0.5, 1, 0] });
}
{
  const R = 4096, nb = 4, bi = 1024, bo = 1024;
  cases.push({ name: `blockLinear ${R}x${nb}x${bi}x${bo} (our FP32 GEMM)`, fn: 'blockLinear', limit: 'fma', work: { flops: 2 * R * nb * bi * bo },
    args: () => [floats(R * nb * bi, -1, 1), floats(nb * bo * bi, -1, 1), floats(nb * bo, -1, 1), new Float32Array(R * nb * bo), R, nb, bi, bo] });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

// The slots argument of each state kernel stays on the host: the addon checks slots before launching.
const SLOTS_ARG: Record<string, number> = {
  selectiveStateUpdate: 9, causalConv1dUpdate: 4, rglruStep: 6, retentionStep: 8, slstmStep: 7, mlstmStep: 8,
};

/** Device-resident copies of every typed array argument but slots. */
function onDevice(cuda: CudaAddon, fn: string, args: unknown[]): { args: unknown[]; free: () => void } {
  const bufs: Array<{ free(): void }> = [];
  const out = args.map((a, i) => {
    if (!ArrayBuffer.isView(a) || SLOTS_ARG[fn] === i) return a;
    const buf = new cuda.DeviceBuffer((a as ArrayBufferView).byteLength);
    buf.upload(a as ArrayBufferView);
    bufs.push(buf);
    return buf;
  });
  return { args: out, free: () => bufs.forEach((b) => b.free()) };
}

function timeGpu(cuda: CudaAddon, fn: string, args: unknown[]): number {
  for (let i = 0; i < 3; i++) cuda[fn](...args);
  const ms: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const e0 = cuda.recordEvent();
    cuda[fn](...args);
    const e1 = cuda.recordEvent();
    ms.push(cuda.elapsedMs(e0, e1));
  }
  return median(ms);
}

function timeHost(f: () => void, reps: number): number {
  f();
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

function main(): void {
  const c = loadCuda();
  if (!c.addon) throw new Error(`CUDA unavailable: ${c.error}`);
  const cuda = c.addon;
  const native = loadNative().addon;
  const dev = c.report!.devices[0];
  console.log(`device: ${dev.name} (cc ${dev.computeCapability}, ${dev.multiprocessors} SMs, ${(dev.l2Bytes / 2 ** 20).toFixed(0)} MiB L2, ` +
    `${(dev.memoryBytes / 2 ** 30).toFixed(0)} GiB, theoretical ${dev.peakBandwidthGBs.toFixed(0)} GB/s)`);
  const peaks = cuda.measurePeaks(2 ** 30, 20) as { copyGBs: number; fp32Tflops: number; popcTops: number };
  const limits: Record<Limit, { value: number; unit: string; scale: number }> = {
    bandwidth: { value: peaks.copyGBs * 1e9, unit: 'GB/s', scale: 1e9 },
    fma: { value: peaks.fp32Tflops * 1e12, unit: 'TFLOP/s', scale: 1e12 },
    popcount: { value: peaks.popcTops * 32e12, unit: 'Tbit-op/s', scale: 1e12 },
  };
  console.log(`measured limits: device copy ${peaks.copyGBs.toFixed(0)} GB/s, FP32 FMA ${peaks.fp32Tflops.toFixed(1)} TFLOP/s, ` +
    `popcount ${peaks.popcTops.toFixed(2)} T popc/s (${(peaks.popcTops * 32).toFixed(0)} Tbit-op/s)\n`);
  const results: Array<Record<string, unknown>> = [];
  console.log('case'.padEnd(58) + 'gpu ms'.padStart(10) + 'rate'.padStart(22) + '% limit'.padStart(9) + 'cpu ms'.padStart(10) + 'speedup'.padStart(9));
  for (const k of cases.filter((x) => x.name.includes(FILTER))) {
    k.before?.(cuda);
    const host = k.args();
    const d = onDevice(cuda, k.fn, host);
    const ms = timeGpu(cuda, k.fn, d.args);
    d.free();
    const amount = k.work.bytes ?? k.work.flops ?? k.work.bitops ?? 0;
    const rate = amount / (ms * 1e-3);
    const lim = limits[k.limit];
    let cpuMs: number | undefined;
    if (native && typeof native[k.fn] === 'function') cpuMs = timeHost(() => native[k.fn](...host), NATIVE_REPS);
    results.push({ case: k.name, gpuMs: ms, rate, unit: lim.unit, fractionOfLimit: rate / lim.value, cpuMs, speedup: cpuMs && cpuMs / ms });
    console.log(k.name.padEnd(58) + ms.toFixed(3).padStart(10) + `${(rate / lim.scale).toFixed(2)} ${lim.unit}`.padStart(22) +
      `${((100 * rate) / lim.value).toFixed(1)}%`.padStart(9) + (cpuMs === undefined ? '-' : cpuMs.toFixed(2)).padStart(10) +
      (cpuMs === undefined ? '-' : `${(cpuMs / ms).toFixed(1)}x`).padStart(9));
  }
  cuda.setHammingAlgo(process.env.HASHMAC_CUDA_HAMMING === 'mma' ? 'mma' : 'popc');
  cuda.setSignPrecision(process.env.HASHMAC_CUDA_SIGN === 'tf32x3' ? 'tf32x3' : 'fp32');

  // One Mamba2 step at batch 1 (Mamba2-2.7B head layout: 80 heads of 64, state 128, 1 group), state
  // resident: the GPU time of the call and the wall time a caller waits for the synchronous call.
  const H = 80, P = 64, N = 128;
  const host = [floats(H * P * N, -1, 1), floats(H * P, -1, 1), floats(H, -3, 0), floats(H, -1, -0.1), floats(N, -1, 1), floats(N, -1, 1),
    floats(H, -1, 1), floats(H * P, -1, 1), floats(H, -1, 1), new Int32Array([0]), new Float32Array(H * P), 1, H, P, N, 1, 1, 1,
    false, false, false, false, true];
  const state = new cuda.DeviceBuffer((host[0] as Float32Array).byteLength);
  state.upload(host[0] as Float32Array);
  const args = [state, ...host.slice(1)];
  const gpuMs = timeGpu(cuda, 'selectiveStateUpdate', args);
  const wallMs = timeHost(() => cuda.selectiveStateUpdate(...args), REPS);
  state.free();
  console.log(`\nMamba2 step, batch 1 (H ${H}, P ${P}, N ${N}, state resident, inputs copied per call): GPU ${(gpuMs * 1e3).toFixed(1)} us, ` +
    `wall ${(wallMs * 1e3).toFixed(1)} us per synchronous call`);
  results.push({ case: 'mamba2 step latency batch 1', gpuMs, wallMs });
  if (JSON_OUT) writeFileSync(JSON_OUT, JSON.stringify({ device: dev, peaks, results }, null, 2));
}

main();
