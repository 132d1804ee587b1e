/**
 * The machine's limits, measured in the same run as the benchmarks by the addon's probes
 * (native/kernels/probes*.cc): the core clock under load, popcount and FMA peaks of the active ISA, the
 * Hamming inner loop's port limit (XOR + popcount + add) and memory bandwidth, each on every thread at
 * once. Memory bandwidth is measured two ways: a large copy (the reference issue 3 names: 'bandwidth'
 * cases are measured against it first), and an in-place update (x = x*a + b over a buffer far larger
 * than the caches), shown beside it because state kernels read pool lines and write the same lines
 * back, which the update models and a copy does not.
 */
import { loadNative } from '../native/addon.js';
import type { Limit } from './types.js';

export interface MachineLimits {
  isa: string;
  threads: number;
  /** Core clock under load, Hz per core (64 dependent adds per loop trip, one per cycle). */
  clockHz: number;
  /** Bits counted per second by the popcount instruction alone, all threads. */
  popcount: number;
  /** Bit-ops per second of acc += popcount(a ^ b), all threads: what a Hamming GEMM can reach. */
  hamming: number;
  /** float32 FLOP/s of independent FMAs (an FMA counts 2), all threads. */
  fma: number;
  /** Bytes per second of a large memcpy (read + write), all threads. */
  bandwidth: number;
  /** Bytes per second of a large in-place update x = x*a + b (read + write), all threads. */
  updateBandwidth: number;
}

type ProbeName = 'clock' | 'popcount' | 'hamming' | 'fma' | 'bandwidth' | 'update';

type ProbeResult = { rate: number; seconds: number; threads: number };

const UPDATE = 'in-place update bandwidth';
const COPY = 'copy bandwidth';

/** The best of `repeats` runs of one probe (other processes may share the cores). */
function probe(name: ProbeName, seconds: number, repeats: number): ProbeResult {
  const n = loadNative();
  if (!n.addon) throw new Error(`machine limits need the native addon: ${n.error}`);
  let best: ProbeResult = { rate: 0, seconds: 0, threads: 1 };
  for (let r = 0; r < repeats; r++) {
    const got = n.addon.probe(name, seconds) as ProbeResult;
    if (got.rate > best.rate) best = got;
  }
  return best;
}

/** Runs every probe for `seconds` each, on the active ISA and thread count. */
export function measureLimits(seconds = 0.25, repeats = 2): MachineLimits {
  const addon = loadNative().addon;
  if (!addon) throw new Error(`machine limits need the native addon: ${loadNative().error}`);
  const clock = probe('clock', seconds, repeats);
  return {
    isa: addon.getIsa(),
    threads: clock.threads,
    clockHz: clock.rate / clock.threads,
    popcount: probe('popcount', seconds, repeats).rate,
    hamming: probe('hamming', seconds, repeats).rate,
    fma: probe('fma', seconds, repeats).rate,
    bandwidth: probe('bandwidth', seconds, repeats).rate,
    updateBandwidth: probe('update', seconds, repeats).rate,
  };
}

/**
 * The limits of one kind measured again right after a case ran, on its ISA: on a shared machine the
 * load changes from minute to minute, and a fraction is only meaningful against a limit measured under
 * the same conditions.
 */
export function probeLimitsFor(limit: Limit, seconds: number): { name: string; rate: number }[] {
  if (limit === 'popcount') {
    return [{ name: 'xor+popcount+add port limit', rate: probe('hamming', seconds, 1).rate }, { name: 'popcount peak', rate: probe('popcount', seconds, 1).rate }];
  }
  if (limit === 'fma') return [{ name: 'FMA peak', rate: probe('fma', seconds, 1).rate }];
  return [{ name: COPY, rate: probe('bandwidth', seconds, 1).rate }, { name: UPDATE, rate: probe('update', seconds, 1).rate }];
}

/** The limits a case's throughput is compared with: the main one first. */
export function limitsFor(limit: Limit, m: MachineLimits): { name: string; rate: number }[] {
  if (limit === 'popcount') return [{ name: 'xor+popcount+add port limit', rate: m.hamming }, { name: 'popcount peak', rate: m.popcount }];
  if (limit === 'fma') return [{ name: 'FMA peak', rate: m.fma }];
  return [{ name: COPY, rate: m.bandwidth }, { name: UPDATE, rate: m.updateBandwidth }];
}

export const UNITS: Record<Limit, string> = { popcount: 'bit-ops/s', fma: 'FLOP/s', bandwidth: 'B/s' };
