/** `hashmac bench [kernels…]`: microbenchmarks of every kernel against the machine's measured limits. */
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import { BACKENDS, type BackendName } from '../backend.js';
import { allCases } from '../bench/cases/index.js';
import { formatReport } from '../bench/format.js';
import { renderHtml } from '../bench/html.js';
import { runBench, selectCases } from '../bench/runner.js';
import type { BenchCase } from '../bench/types.js';
import { ISAS, setNumThreads, type Isa } from '../runtime.js';
import { list } from './options.js';

interface BenchFlags {
  backend?: BackendName[];
  isa?: Isa[];
  shape?: string[];
  json?: string | boolean;
  html?: string;
  peers: boolean;
  reference: boolean;
  quick?: boolean;
  list?: boolean;
  threads?: string;
}

/** Registers `bench`; `extraCases` adds cases from outside the package (bench/*.ts of a checkout). */
export function registerBench(program: Command, extraCases: BenchCase[] = []): void {
  program
    .command('bench')
    .description('microbenchmarks of every kernel: throughput, fraction of the machine limits measured in the same run, JS reference and peers')
    .argument('[kernels...]', 'only these kernels (API names, e.g. hammingGemm) or case names')
    .option('-b, --backend <list>', `backends to time (${BACKENDS.join(',')}; default native,cuda; js times the full shape)`, list(BACKENDS, 'backend'))
    .option('--isa <list>', `native ISAs to time (${ISAS.join(',')}; default the active one)`, list(ISAS, 'ISA'))
    .option('-s, --shape <text...>', 'only cases whose shape contains text (e.g. 4096x4096x1024)')
    .option('--json [file]', 'write the results as JSON (to stdout without a file)')
    .option('--html <file>', 'write a self-contained HTML report with charts')
    .option('--no-peers', 'skip peer libraries (simsimd, onnxruntime-node)')
    .option('--no-reference', 'skip the JS reference')
    .option('--quick', 'short sampling (smoke runs)')
    .option('-t, --threads <n>', 'threads for the kernels, the limit probes and the peers (default: the runtime\'s, HASHMAC_THREADS or all cores)')
    .option('--list', 'list the cases and exit')
    .action(async (kernels: string[], opts: BenchFlags) => {
      const cases = selectCases([...allCases(), ...extraCases], { kernels, shapes: opts.shape });
      if (opts.list) {
        for (const c of cases) console.log(`${c.name}  [${c.limit}]${c.peers ? `  peers: ${Object.keys(c.peers).join(', ')}` : ''}`);
        return;
      }
      if (opts.threads !== undefined) {
        const n = Number(opts.threads);
        if (!Number.isInteger(n) || n < 1) throw new Error(`--threads: expected an integer >= 1, got '${opts.threads}'`);
        setNumThreads(n);
      }
      if (!cases.length) throw new Error(`no benchmark case matches ${[...kernels, ...(opts.shape ?? [])].join(' ') || '(none defined)'}`);
      const bar = new SingleBar({ format: 'bench [{bar}] {value}/{total} {label}', stream: process.stderr, hideCursor: true, clearOnComplete: true }, Presets.shades_classic);
      let started = false;
      const report = await runBench(cases, {
        backends: opts.backend, isas: opts.isa, peers: opts.peers, reference: opts.reference, quick: opts.quick,
        onProgress: (done, total, label) => {
          if (!started) {
            bar.start(total, done, { label });
            started = true;
          } else bar.update(done, { label });
        },
      });
      bar.stop();
      if (opts.json === true) {
        console.log(JSON.stringify(report, null, 2));
      } else {
        console.log(formatReport(report));
        if (typeof opts.json === 'string') writeFileSync(opts.json, JSON.stringify(report, null, 2));
      }
      if (opts.html) {
        writeFileSync(opts.html, renderHtml(report));
        console.error(`wrote ${opts.html}`);
      }
    });
}
