/**
 * Fraction of the FMA limit a bench case reaches per CPU-second, robust to a loaded machine:
 *   HASHMAC_NUM_THREADS=1 node --import tsx scripts/fma-fraction.ts <checkout> <rounds> <case name>...
 * Each round runs the FMA probe (two lengths, so its setup cancels) and then the case for 0.15 CPU-seconds,
 * both timed in process CPU time, so time slices lost to other processes count for neither. Prints the
 * case's FLOP per CPU-second, the probe's, and the median (range) of their per-round ratio. With two
 * threads, a thread blocked waiting for the other uses no CPU time, so load imbalance does not show here:
 * `scripts/bench-ab.ts --wall` shows it. <checkout> is a built checkout (its addon and bench cases).
 */
import { resolve } from 'node:path';
import { median, probePerCpuSecond, ratePerCpuSecond } from './cpu-time.js';
const [dir, roundsArg, ...names] = process.argv.slice(2);
const rounds = Number(roundsArg);
if (!dir || !names.length || !Number.isInteger(rounds) || rounds < 1) {
  console.error('usage: node --import tsx scripts/fma-fraction.ts <checkout> <rounds> <case name>...');
  process.exit(2);
}
const addon = require(resolve(dir, 'lib/native/addon.ts')).loadNative().addon;
const cases = require(resolve(dir, 'lib/bench/cases/index.ts')).allCases();
const threads = addon.getNumThreads();
for (const name of names) {
  const c = cases.find((x: any) => x.name === name);
  if (!c || !c.work.flops) throw new Error(`no bench case with a FLOP count named '${name}'`);
  const f = c.setup('native');
  f(); f();
  const fr: number[] = [], rt: number[] = [], pr: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const p = probePerCpuSecond(addon, 'fma', 0.03, 0.15);
    const rate = ratePerCpuSecond(f, c.work.flops, 0.15);
    fr.push(rate / p); rt.push(rate); pr.push(p);
  }
  console.log(`${name} threads ${threads}: ${(median(rt) / 1e9).toFixed(1)} GFLOP per CPU-s, probe ${(median(pr) / 1e9).toFixed(0)} per CPU-s, fraction median ${median(fr).toFixed(3)} [${Math.min(...fr).toFixed(3)}-${Math.max(...fr).toFixed(3)}]`);
}
