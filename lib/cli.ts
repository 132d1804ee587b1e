#!/usr/bin/env node
/** The `hashmac` command-line program. Each command lives in lib/commands/ and registers itself here. */
import { Command } from 'commander';
import { VERSION } from './runtime.js';
import { registerGolden } from './commands/golden.js';
import { registerInfo } from './commands/info.js';
import { registerLearn } from './commands/learn.js';
import { registerScore } from './commands/score.js';
import { registerSearch } from './commands/search.js';
import { registerStream } from './commands/stream.js';
import { registerBench } from './commands/bench.js';
import { registerFuzz } from './commands/fuzz.js';
import { registerSimulate } from './commands/simulate.js';
import { registerConvert } from './commands/convert.js';

const program = new Command();
program.name('hashmac').description('hashed matrix products and fused recurrent kernels: tools').version(VERSION);
registerGolden(program);
registerInfo(program);
registerScore(program);
registerLearn(program);
registerSearch(program);
registerStream(program);
registerBench(program);
registerFuzz(program);
registerSimulate(program);
registerConvert(program);

program.parseAsync(process.argv).catch((e: Error) => {
  console.error(`hashmac: ${e.message}`);
  process.exitCode = 2;
  // A failed command may leave a timer or socket behind: exit anyway rather than hang (unref: no delay otherwise).
  setTimeout(() => process.exit(2), 500).unref();
});
