/**
 * What the measuring scripts (state-ceiling.ts, fma-fraction.ts, bench-ab.ts) share: rates per second of
 * process CPU time, which time slices lost to other processes on the shared cores do not count.
 */
import type { NativeAddon } from '../lib/native/addon.js';

/** User + system CPU seconds of this process so far. */
export const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1];

/** An addon probe's rate (its unit per CPU-second): two runs of different lengths, so its buffer setup cancels. */
export function probePerCpuSecond(addon: NativeAddon, name: string, short: number, long: number): number {
  const run = (s: number) => {
    const c0 = cpuSeconds();
    const g = addon.probe(name, s);
    return [g.rate * g.seconds, cpuSeconds() - c0];
  };
  const [w1, c1] = run(short), [w2, c2] = run(long);
  return (w2 - w1) / (c2 - c1);
}

/** Calls of fn in a loop for at least `seconds` of CPU time: units of work per CPU-second. */
export function ratePerCpuSecond(fn: () => void, unitsPerCall: number, seconds: number): number {
  const c0 = cpuSeconds();
  let n = 0;
  while (cpuSeconds() - c0 < seconds) {
    fn();
    n++;
  }
  return (unitsPerCall * n) / (cpuSeconds() - c0);
}
