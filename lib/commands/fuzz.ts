/** `hashmac fuzz [kernels…]`: differential fuzzing of a backend against the JS reference. */
import type { Command } from 'commander';
import { MultiBar, Presets } from 'cli-progress';
import { allSpecs } from '../fuzz/specs/index.js';
import { runFuzz } from '../fuzz/runner.js';
import { ISAS, supportedIsas, type Isa } from '../runtime.js';
import { integer, list, textOut } from './options.js';

interface FuzzFlags {
  backend: 'native' | 'cuda';
  isa?: Isa[];
  seed?: number;
  runs?: number;
  time?: number;
  out: string;
  list?: boolean;
  json?: boolean;
}

export function registerFuzz(program: Command): void {
  program
    .command('fuzz')
    .description('differential fuzzing against the JS reference; a mismatch is shrunk and written as a golden case')
    .argument('[kernels...]', 'only these kernels (SPEC names, e.g. hamming_gemm, or API names)')
    .option('-b, --backend <name>', 'backend under test (native or cuda)', (v: string) => {
      if (v !== 'native' && v !== 'cuda') throw new Error(`--backend: expected native or cuda, got '${v}'`);
      return v;
    }, 'native')
    .option('--isa <list>', `native ISAs to test (${ISAS.join(',')}; default all supported)`, list(ISAS, 'ISA'))
    .option('--seed <n>', 'random seed (default: drawn and printed)', integer('--seed'))
    .option('--runs <n>', 'cases per kernel (default 100)', integer('--runs', 1))
    .option('--time <seconds>', 'time budget shared by the kernels, instead of --runs', integer('--time', 1))
    .option('-o, --out <dir>', 'where failing cases are written', '.fuzz-cases')
    .option('--list', 'list the kernels that have fuzz specs')
    .option('--json', 'print one JSON object on stdout (seed, backend, ISAs tested, per-kernel results); the text goes to stderr')
    .action(async (kernels: string[], opts: FuzzFlags) => {
      const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase());
      const specs = allSpecs().filter((s) => !kernels.length || kernels.includes(s.kernel) || kernels.includes(camel(s.kernel)));
      if (opts.list) {
        console.log(opts.json ? JSON.stringify(allSpecs().map((s) => s.kernel)) : allSpecs().map((s) => s.kernel).join('\n'));
        return;
      }
      const log = textOut(opts.json);
      if (!specs.length) throw new Error(`no fuzz spec for ${kernels.join(', ')} (have: ${allSpecs().map((s) => s.kernel).join(', ')})`);
      const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 31);
      // Which ISAs each case runs on (the runner's selection: supported, narrowed by --isa), so a pass says what it covered.
      const isas = opts.backend === 'native' ? supportedIsas().filter((i) => !opts.isa || opts.isa.includes(i)) : [];
      if (opts.backend === 'native' && opts.isa && !isas.length) throw new Error(`fuzz: none of the ISAs ${opts.isa?.join(', ')} is supported on this CPU (supported: ${supportedIsas().join(', ') || 'none: no native addon'})`);
      const tested = opts.backend === 'native' ? `, ISAs ${isas.join(', ') || 'none (no native addon)'} each against the JS reference` : ' against the JS reference';
      log(`hashmac fuzz: seed ${seed}, backend ${opts.backend}${tested}, ${opts.time ? `${opts.time} s` : `${opts.runs ?? 100} cases per kernel`}`);
      const bars = new MultiBar({ format: '{kernel} {value} cases', stream: process.stderr, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
      const bar = new Map<string, ReturnType<MultiBar['create']>>();
      const start = Date.now();
      const results = await runFuzz({
        specs, backend: opts.backend, isas: opts.isa, seed, runs: opts.runs, timeMs: opts.time ? opts.time * 1000 : undefined, outDir: opts.out,
        onProgress: (kernel, cases) => {
          if (!bar.has(kernel)) bar.set(kernel, bars.create(0, 0, { kernel: kernel.padEnd(24) }));
          bar.get(kernel)!.update(cases, { kernel: kernel.padEnd(24) });
        },
      });
      bars.stop();
      let failed = 0, total = 0;
      for (const r of results) {
        total += r.cases;
        if (r.skipped) log(`skip ${r.kernel}: ${r.skipped}`);
        else if (r.failure) {
          failed++;
          log(`FAIL ${r.kernel}: ${r.cases} cases, ${(r.ms / 1000).toFixed(1)} s\n     ${r.failure.message}\n     shrunk case: ${r.failure.file} (replay: hashmac golden ${opts.out} -f ${r.kernel}.fuzz-${seed}; reproduce: --seed ${seed})`);
        } else log(`ok   ${r.kernel}: ${r.cases} cases, ${(r.ms / 1000).toFixed(1)} s`);
      }
      const seconds = (Date.now() - start) / 1000;
      log(`${total} cases in ${seconds.toFixed(1)} s on ${opts.backend}${isas.length ? ` (${isas.join(', ')})` : ''}, ${failed} kernel${failed === 1 ? '' : 's'} with mismatches (seed ${seed})`);
      if (opts.json) {
        console.log(JSON.stringify({
          seed, backend: opts.backend, isas: opts.backend === 'native' ? isas : null, cases: total, seconds, failed,
          kernels: results.map((r) => ({ kernel: r.kernel, cases: r.cases, seconds: r.ms / 1000, status: r.skipped ? 'skipped' : r.failure ? 'failed' : 'ok', skipped: r.skipped ?? null, failure: r.failure ?? null })),
        }, null, 2));
      }
      if (failed) process.exitCode = 1;
    });
}
