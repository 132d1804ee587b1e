/**
 * Every benchmark case: each module in this folder (one per kernel family, e.g. lsh.ts, ssm.ts) that
 * exports `cases: BenchCase[]` is loaded, so a family adds its benchmarks by adding one file here. The
 * same modules serve `npm run bench` (from sources) and `hashmac bench` (from dist/ in an installed package).
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BenchCase } from '../types.js';

const req = createRequire(__filename);

/** Loads every `cases` export of the modules in `dir` (.ts sources under tsx, .js under dist). */
export function loadCaseModules(dir: string, skip: (file: string) => boolean = () => false): BenchCase[] {
  const ext = __filename.endsWith('.ts') ? /\.ts$/ : /\.js$/;
  const files = readdirSync(dir).filter((f) => ext.test(f) && !f.endsWith('.d.ts') && !skip(f)).sort();
  const cases: BenchCase[] = [];
  for (const f of files) {
    const mod = req(join(dir, f)) as { cases?: BenchCase[] };
    if (Array.isArray(mod.cases)) cases.push(...mod.cases);
  }
  return cases;
}

export function allCases(): BenchCase[] {
  return loadCaseModules(__dirname, (f) => f.startsWith('index.'));
}
