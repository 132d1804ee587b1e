/** `hashmac golden [dir]`: run golden cases on every backend and ISA. */
import type { Command } from 'commander';
import { join } from 'node:path';
import { BACKENDS, type BackendName } from '../backend.js';
import { runGolden } from '../golden/runner.js';
import { PACKAGE_ROOT } from '../native/addon.js';
import { ISAS, type Isa } from '../runtime.js';
import { list, textOut } from './options.js';

export const DEFAULT_GOLDEN_DIR = join(PACKAGE_ROOT, 'test', 'fixtures', 'golden');


export function registerGolden(program: Command): void {
  program
    .command('golden')
    .description('run every *.safetensors golden case of a directory on every available backend and ISA')
    .argument('[dir]', 'directory of golden cases', DEFAULT_GOLDEN_DIR)
    .option('-b, --backend <list>', `only these backends (${BACKENDS.join(',')})`, list(BACKENDS, 'backend'))
    .option('--isa <list>', `only these native ISAs (${ISAS.join(',')})`, list(ISAS, 'ISA'))
    .option('-f, --filter <text>', 'only cases whose file name contains text')
    .option('--json', 'print one JSON object on stdout (counts, each case with its per-backend/ISA result); the text goes to stderr')
    .action(async (dir: string, opts: { backend?: BackendName[]; isa?: Isa[]; filter?: string; json?: boolean }) => {
      const log = textOut(opts.json);
      const report = await runGolden({ dir, backends: opts.backend, isas: opts.isa, filter: opts.filter, log });
      if (opts.json) console.log(JSON.stringify({ dir, ...report }, null, 2));
      log(`${report.passed} passed, ${report.failed} failed${report.skipped ? `, ${report.skipped} skipped` : ''}`);
      if (report.failed > 0) process.exitCode = 1;
    });
}
