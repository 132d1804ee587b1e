/**
 * Plug-in folders: every module of a folder that exports an array under a given name contributes its
 * items (benchmark cases in lib/bench/cases, fuzz specs in lib/fuzz/specs), so a kernel family adds its
 * own by adding one file. Works from sources under tsx (.ts) and from dist/ (.js).
 */
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const req = createRequire(__filename);

export function loadExports<T>(dir: string, name: string, skip: (file: string) => boolean = () => false): T[] {
  const ext = __filename.endsWith('.ts') ? /\.ts$/ : /\.js$/;
  const files = readdirSync(dir).filter((f) => ext.test(f) && !f.endsWith('.d.ts') && !f.startsWith('index.') && !skip(f)).sort();
  const items: T[] = [];
  for (const f of files) {
    const mod = req(join(dir, f)) as Record<string, unknown>;
    if (Array.isArray(mod[name])) items.push(...(mod[name] as T[]));
  }
  return items;
}
