/**
 * The hostile-input table of docs/tools.md, measured: runs every attempt of test/hostile/* (files,
 * saved states, streams, engine requests, golden cases, killed saves, network peers, CLI commands) and
 * prints "category | attempts | crashes | hangs | wrong acceptances | data lost" as markdown, then any
 * attempt that was not cleanly refused. `--verbose` prints every attempt's outcome.
 *
 *   node --import tsx scripts/hostile-figures.ts [--verbose]
 */
import { tally, type Category, type Tally } from '../test/hostile/attempts.js';
import { cleanScratch, fileAttempts } from '../test/hostile/file-attempts.js';
import { netAttempts } from '../test/hostile/net-attempts.js';
import { procAttempts } from '../test/hostile/proc-attempts.js';

async function main(): Promise<void> {
  const verbose = process.argv.includes('--verbose');
  const t0 = performance.now();
  let table: Map<Category, Tally>;
  try {
    table = await tally([...fileAttempts(), ...netAttempts(), ...procAttempts()], verbose ? (l) => console.error(l) : undefined);
  } finally {
    cleanScratch();
  }
  const rows = [...table.entries()];
  const total = rows.reduce((s, [, t]) => ({
    attempts: s.attempts + t.attempts, crashes: s.crashes + t.crashes, hangs: s.hangs + t.hangs,
    wrongAcceptances: s.wrongAcceptances + t.wrongAcceptances, dataLost: s.dataLost + t.dataLost,
  }), { attempts: 0, crashes: 0, hangs: 0, wrongAcceptances: 0, dataLost: 0 });
  console.log('| category | attempts | crashes | hangs | wrong acceptances | data lost |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const [c, t] of rows) console.log(`| ${c} | ${t.attempts} | ${t.crashes} | ${t.hangs} | ${t.wrongAcceptances} | ${t.dataLost} |`);
  console.log(`| **all** | **${total.attempts}** | **${total.crashes}** | **${total.hangs}** | **${total.wrongAcceptances}** | **${total.dataLost}** |`);
  const problems = rows.flatMap(([c, t]) => t.problems.map((p) => `${c} / ${p}`));
  console.log(problems.length ? `\n${problems.length} attempts not cleanly refused:\n${problems.join('\n')}` : '\nevery attempt was refused cleanly');
  console.log(`(${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  process.exit(problems.length ? 1 : 0);
}

void main();
