/**
 * A small workload that runs every CUDA kernel once on awkward shapes (partial tiles, odd word counts,
 * padding slots, T > 1, every optional input), for compute-sanitizer (memcheck, racecheck, initcheck,
 * synccheck; scripts/gpu-check.sh), and compares each call's outputs and updated pools with the native
 * CPU addon when it has the same kernel (both addons take the same arguments). Also runs two streams
 * concurrently on device-resident pools. Exits 1 on any mismatch.
 *   node --import tsx scripts/gpu-sanitize.ts
 */
import { loadCuda, type CudaAddon } from '../lib/cuda/addon.js';
import { loadNative } from '../lib/native/addon.js';

let seed = 7;
function floats(n: number, lo = -1, hi = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    a[i] = lo + ((seed >>> 8) / 16777216) * (hi - lo);
  }
  return a;
}
const codes = (rows: number, stride: number, bits: number) => {
  const c = new Uint8Array(rows * stride);
  for (let r = 0; r < rows; r++) for (let j = 0; j < bits; j++) if (floats(1)[0] > 0) c[r * stride + (j >> 3)] |= 1 << (j & 7);
  return c;
};

interface Work {
  fn: string;
  args: () => unknown[];
  /** Indices of the arguments the kernel writes (outputs and pools), compared with the native addon. */
  written: number[];
  /** Float tolerance (exact for integers and codes). */
  rtol: number;
}

const S = 5, slots = () => new Int32Array([3, -1, 0]); // a padding row in the middle; pool rows 1, 2, 4 untouched
const B = 3, T = 3;
const work: Work[] = [
  { fn: 'signProject', written: [2, 3], rtol: 1e-5,
    args: () => [floats(67 * 45), floats(100 * 45), new Uint8Array(67 * 16), new Float32Array(67), 67, 45, 100, 16] },
  { fn: 'hammingGemm', written: [2], rtol: 0,
    args: () => [codes(70, 24, 190), codes(65, 24, 190), new Int32Array(70 * 65), 70, 65, 3, 24, 24] },
  { fn: 'encodeWeights', written: [2, 3], rtol: 1e-5,
    args: () => [floats(37 * 50), floats(4 * 3 * 70 * 16), new Uint8Array(4 * 37 * 16), new Float32Array(4 * 37), 37, 50, 16, 13, 70, 2 ** -23, 16] },
  { fn: 'hashLinear', written: [5], rtol: 1e-4,
    args: () => [floats(9 * 50), floats(4 * 3 * 70 * 16), codes(4 * 37, 16, 70), floats(4 * 37, 0.5, 2), floats(37), new Float32Array(9 * 37),
      9, 50, 37, 16, 13, 70, 16, 2 ** -23, 0] },
  { fn: 'selectiveStateUpdate', written: [0, 10], rtol: 1e-4,
    args: () => [floats(S * 4 * 5 * 100), floats(B * T * 4 * 5), floats(B * T * 4 * 5, -3, 0), floats(4 * 5 * 100, -1, -0.1), floats(B * T * 2 * 100),
      floats(B * T * 2 * 100), floats(4 * 5), floats(B * T * 4 * 5), floats(4 * 5), slots(), new Float32Array(B * T * 4 * 5),
      S, 4, 5, 100, 2, B, T, true, true, true, true, true] },
  { fn: 'causalConv1dUpdate', written: [0, 5], rtol: 1e-5,
    args: () => [floats(S * 33 * 5), floats(B * T * 33), floats(33 * 4), floats(33), slots(), new Float32Array(B * T * 33), S, 33, 5, 4, B, T, true] },
  { fn: 'rotary', written: [3], rtol: 1e-5,
    args: () => [floats(7 * 3 * 10), new Int32Array([0, 1, 5, 100, 7000, 123456, 2 ** 30]), floats(10, 0, 1), new Float32Array(7 * 3 * 10), 7, 3, 10] },
  { fn: 'retentionStep', written: [0, 1, 2, 9], rtol: 1e-4,
    args: () => [floats(S * 3 * 18 * 37), floats(S * 3, 1, 2), new Int32Array([0, 4, 9, 2, 1]), floats(B * T * 3 * 18), floats(B * T * 3 * 18),
      floats(B * T * 3 * 37), floats(3, 0.8, 0.99), floats(18, 0, 1), slots(), new Float32Array(B * T * 3 * 37), S, B, T, 3, 18, 37, 0.25] },
  { fn: 'slstmStep', written: [0, 1, 2, 3, 8], rtol: 1e-4,
    args: () => [floats(S * 2 * 40), floats(S * 2 * 40), floats(S * 2 * 40, 0.5, 2), new Float32Array(S * 2 * 40).fill(-Infinity),
      floats(B * T * 4 * 2 * 40), floats(4 * 2 * 40 * 40, -0.2, 0.2), floats(4 * 2 * 40), slots(), new Float32Array(B * T * 2 * 40),
      S, B, T, 2, 40, 1e-6] },
  { fn: 'mlstmStep', written: [0, 1, 2, 9], rtol: 1e-4,
    args: () => [floats(S * 2 * 20 * 45), floats(S * 2 * 20), floats(S * 2), floats(B * T * 2 * 20), floats(B * T * 2 * 20), floats(B * T * 2 * 45),
      floats(B * T * 2), floats(B * T * 2), slots(), new Float32Array(B * T * 2 * 45), S, B, T, 2, 20, 45, 1e-6] },
  { fn: 'rglruStep', written: [0, 7], rtol: 1e-5,
    args: () => [floats(S * 70), floats(B * T * 70), floats(B * T * 70), floats(B * T * 70), floats(70, 0.5, 0.99), new Uint8Array([0, 1, 0, 0, 0, 0, 1, 0, 0]),
      slots(), new Float32Array(B * T * 70), S, 70, B, T, 8, false] },
  { fn: 'noisySignProject', written: [3], rtol: 0,
    args: () => [floats(37 * 45), floats(70 * 45), floats(70, -0.2, 0.2), new Uint8Array(37 * 16), 37, 45, 70, 16, 4, 0.5, 12345, 7] },
  { fn: 'linear', written: [3], rtol: 1e-4, args: () => [floats(67 * 45), floats(70 * 45), floats(70), new Float32Array(67 * 70), 67, 45, 70] },
  { fn: 'normRows', written: [3], rtol: 1e-4, args: () => [floats(5 * 3 * 70), floats(210), floats(210), new Float32Array(5 * 210), 5, 210, 3, 1e-5, true] },
  { fn: 'activation', written: [1], rtol: 1e-5, args: () => [floats(1000, -12, 12), new Float32Array(1000), 1000, 1] },
  { fn: 'blockLinear', written: [3], rtol: 1e-4,
    args: () => [floats(67 * 3 * 21), floats(3 * 70 * 21), floats(3 * 70), new Float32Array(67 * 3 * 70), 67, 3, 21, 70] },
];

function compare(fn: string, i: number, got: ArrayLike<number>, want: ArrayLike<number>, rtol: number): string | undefined {
  for (let j = 0; j < want.length; j++) {
    const g = got[j], w = want[j];
    if (g === w || (Number.isNaN(g) && Number.isNaN(w))) continue;
    if (rtol > 0 && Math.abs(g - w) <= rtol * (1 + Math.abs(w))) continue;
    return `${fn}: argument ${i} differs at ${j}: cuda ${g}, native ${w}`;
  }
  return undefined;
}

async function main(): Promise<void> {
  const c = loadCuda();
  if (!c.addon) throw new Error(`CUDA unavailable: ${c.error}`);
  const cuda: CudaAddon = c.addon;
  const native = loadNative().addon;
  const failures: string[] = [];
  for (const [algo, precision] of [['popc', 'fp32'], ['mma', 'tf32x3']]) {
    cuda.setHammingAlgo(algo);
    cuda.setSignPrecision(precision);
    for (const w of work) {
      const args = w.args();
      const copy = args.map((a) => (ArrayBuffer.isView(a) ? (a as Float32Array).slice() : a));
      cuda[w.fn](...args);
      if (native && typeof native[w.fn] === 'function') {
        native[w.fn](...copy);
        for (const i of w.written) {
          const e = compare(w.fn, i, args[i] as Float32Array, copy[i] as Float32Array, w.rtol);
          if (e) failures.push(`${e} (hamming ${algo}, sign ${precision})`);
        }
        console.log(`${w.fn.padEnd(22)} ran, compared with native`);
      } else {
        console.log(`${w.fn.padEnd(22)} ran (native has no ${w.fn})`);
      }
    }
  }
  // Two handles, each with its own stream and resident pool, stepping concurrently.
  const streams = [new cuda.StreamHandle(), new cuda.StreamHandle()];
  const pools = streams.map((s) => {
    const h = new cuda.DeviceBuffer(S * 70 * 4, s);
    h.upload(floats(S * 70));
    return h;
  });
  const steps = streams.map((_, k) => cuda.rglruStepAsync(pools[k], floats(B * T * 70), floats(B * T * 70), floats(B * T * 70), floats(70, 0.5, 0.99),
    null, slots(), new Float32Array(B * T * 70), S, 70, B, T, 8, true));
  await Promise.all(steps);
  pools.forEach((p) => p.free());
  streams.forEach((s) => s.synchronize());
  cuda.synchronize();
  if (failures.length) {
    console.error(failures.join('\n'));
    process.exit(1);
  }
  console.log('all kernels ran; every compared output matches native');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
