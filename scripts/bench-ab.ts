/**
 * Interleaved A/B of bench cases between two built checkouts, in one process:
 *   node --import tsx scripts/bench-ab.ts [--wall] <checkout A> <checkout B> <rounds> <case name>...
 * Each checkout's bench cases run on its own native addon; calls alternate A, B, B, A, ... so machine
 * load (2 shared cores here) falls on both alike, which separate processes cannot promise. Per round, the
 * CPU time of two calls of each (--wall: their wall time, which also sees threads idling on an uneven
 * split of the work); prints the medians and the median of the per-round ratios B/A.
 */
import { resolve } from 'node:path';
import { median } from './cpu-time.js';

interface BenchCase { name: string; setup(backend: string): () => void }

const args = process.argv.slice(2);
const wall = args[0] === '--wall';
const [dirA, dirB, roundsArg, ...names] = wall ? args.slice(1) : args;
if (!dirA || !dirB || !names.length) {
  console.error('usage: node --import tsx scripts/bench-ab.ts [--wall] <checkout A> <checkout B> <rounds> <case name>...');
  process.exit(2);
}
const rounds = Number(roundsArg);
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`rounds: expected an integer >= 1, got '${roundsArg}'`);

const casesOf = (dir: string): BenchCase[] => require(resolve(dir, 'lib/bench/cases/index.ts')).allCases();
const [casesA, casesB] = [casesOf(dirA), casesOf(dirB)];
const micros = (run: () => void) => {
  const [t, w] = [process.cpuUsage(), process.hrtime.bigint()];
  run();
  run();
  if (wall) return Number(process.hrtime.bigint() - w) / 2e3;
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 2;
};

for (const name of names) {
  const find = (cases: BenchCase[], dir: string) => {
    const c = cases.find((x) => x.name === name);
    if (!c) throw new Error(`${dir}: no bench case named '${name}'`);
    return c.setup('native');
  };
  const [a, b] = [find(casesA, dirA), find(casesB, dirB)];
  for (let i = 0; i < 3; i++) (a(), b());
  const ta: number[] = [], tb: number[] = [], ratio: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const [x, y] = i % 2 ? [micros(b), micros(a)] : [micros(a), micros(b)];
    const [ua, ub] = i % 2 ? [y, x] : [x, y];
    ta.push(ua);
    tb.push(ub);
    ratio.push(ub / ua);
  }
  console.log(`${name.padEnd(48)} A ${median(ta).toFixed(0).padStart(7)} us  B ${median(tb).toFixed(0).padStart(7)} us  B/A median ${median(ratio).toFixed(3)}`);
}
