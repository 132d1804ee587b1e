/**
 * Compute ceiling of the state kernels, robust to a loaded machine:
 *   HASHMAC_NUM_THREADS=1 node --import tsx scripts/state-ceiling.ts [ssu conv rglru retention mlstm slstm]
 * Each kernel runs its bench case's shape on one thread with a pool small enough to stay in the caches,
 * timed in process CPU time (time slices lost to other processes do not count), and the same for the FMA
 * and in-place update probes. It prints the bench's accounted bytes (FLOP for sLSTM) per CPU-second: the
 * rate the kernel's instructions allow when memory is never the limit. Against the quiet machine's
 * in-place update bandwidth per core (the bench's 'update' limit / threads) it says whether a case can be
 * memory-bound at all; the hashmac bench fraction of a case cannot exceed ceiling / per-core limit.
 */
import { loadNative } from '../lib/native/addon.js';
import { median, probePerCpuSecond, ratePerCpuSecond } from './cpu-time.js';
import { conv, ssu } from '../lib/bench/cases/mamba2.js';
import { rglru } from '../lib/bench/cases/hawk.js';
import { retentionCall, retentionWork } from '../lib/bench/cases/retnet.js';
import { mlstmCall, mlstmWork, slstmCall, slstmWork } from '../lib/bench/cases/xlstm.js';

type Kernel = { slots: number; units: (s: number, t: number) => number; make: (s: number, t: number) => () => void };
const KERNELS: Record<string, Kernel> = {
  ssu: { slots: 1, units: ssu.bytes, make: (s, t) => ssu.make(s, t, 'native') },
  conv: { slots: 64, units: conv.bytes, make: (s, t) => conv.make(s, t, 'native') },
  rglru: { slots: 128, units: rglru.bytes, make: (s, t) => rglru.make(s, t, 'native') },
  retention: { slots: 2, units: (s, t) => retentionWork(s, t).bytes!, make: (s, t) => retentionCall(s, t, 'native') },
  mlstm: { slots: 1, units: (s, t) => mlstmWork(s, t).bytes!, make: (s, t) => mlstmCall(s, t, 'native') },
  slstm: { slots: 128, units: (s, t) => slstmWork(s, t).flops!, make: (s, t) => slstmCall(s, t, 'native') },
};

/** A probe's rate per CPU-second, the median of 5. */
const probeRate = (name: string): number => median(Array.from({ length: 5 }, () => probePerCpuSecond(loadNative().addon!, name, 0.05, 0.25)));

console.log(`per thread, per CPU-second: FMA ${(probeRate('fma') / 1e9).toFixed(0)} GFLOP/s, in-place update ${(probeRate('update') / 1e9).toFixed(1)} GB/s`);
const names = process.argv.slice(2);
for (const name of names.length ? names : Object.keys(KERNELS)) {
  const k = KERNELS[name];
  if (!k) throw new Error(`unknown kernel ${name}: expected one of ${Object.keys(KERNELS).join(', ')}`);
  const cells = [1, 8].map((T) => {
    const fn = k.make(k.slots, T);
    for (let i = 0; i < 3; i++) fn();
    const rates = Array.from({ length: 15 }, () => ratePerCpuSecond(fn, k.units(k.slots, T), 0.02));
    return `T${T} ${(median(rates) / 1e9).toFixed(1)}`;
  });
  console.log(`${name.padEnd(10)} ${name === 'slstm' ? 'GFLOP' : 'GB'} per CPU-second: ${cells.join('   ')}`);
}
