/** `hashmac info`: backends, ISA, threads, devices, versions. */
import type { Command } from 'commander';
import { info } from '../runtime.js';

export function registerInfo(program: Command): void {
  program
    .command('info')
    .description('show the backend in use and why, the native ISA and threads, CUDA devices, versions')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const i = info();
      if (opts.json) {
        console.log(JSON.stringify(i, null, 2));
        return;
      }
      console.log(`hashmac ${i.version}  (node ${process.version}, ${process.platform}-${process.arch})`);
      console.log(`backend: ${i.backend}  (${i.reason})`);
      for (const [name, s] of Object.entries(i.backends)) console.log(`  ${name.padEnd(6)} ${s.available ? 'available' : 'unavailable'}: ${s.reason}`);
      if (i.native) {
        console.log(`native: isa ${i.native.isa} (supported: ${i.native.supportedIsas.join(', ')}), threads ${i.native.threads} of ${i.native.hardwareThreads}`);
      }
      if (i.cuda) console.log(`cuda: ${JSON.stringify(i.cuda)}`);
    });
}
