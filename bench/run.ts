/**
 * `npm run bench [-- kernels… --json file --html file …]`: the same harness and cases as `hashmac bench`
 * (lib/bench/cases/*.ts). Any bench/<family>.ts here that exports `cases` is run too, but only from a
 * checkout: cases meant to ship belong in lib/bench/cases/.
 */
import { Command } from 'commander';
import type { BenchCase } from '../lib/bench/types.js';
import { loadExports } from '../lib/modules.js';
import { registerBench } from '../lib/commands/bench.js';

const local = loadExports<BenchCase>(__dirname, 'cases', (f) => f === 'run.ts' || f === 'types.ts');
const program = new Command().name('npm run bench');
registerBench(program, local);
program.parseAsync(['node', 'bench', 'bench', ...process.argv.slice(2)]).catch((e: Error) => {
  console.error(`bench: ${e.message}`);
  process.exitCode = 2;
});
