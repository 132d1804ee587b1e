/**
 * Per-kernel resource summary from a CUDA build log compiled with `-Xptxas -v` (the CUDA addon's
 * CMakeLists.txt always passes it): registers, stack frame and spill bytes per kernel and architecture.
 *   node --import tsx scripts/ptxas-report.ts <build log>
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface KernelResources {
  kernel: string;
  arch: string;
  registers: number;
  stackBytes: number;
  spillStores: number;
  spillLoads: number;
  sharedBytes: number;
}

/** Readable names via c++filt when present (binutils), else the mangled ones. */
function demangle(names: string[]): string[] {
  try {
    const out = execFileSync('c++filt', { input: names.join('\n'), encoding: 'utf8' }).split('\n');
    return names.map((n, i) => (out[i] ?? n).replace(/hashmac::cuda::\(anonymous namespace\)::/g, '').replace(/^void /, '').replace(/\(.*$/, ''));
  } catch {
    return names;
  }
}

export function parsePtxas(log: string): KernelResources[] {
  const rows: KernelResources[] = [];
  let cur: KernelResources | undefined;
  for (const line of log.split('\n')) {
    const entry = /Compiling entry function '(\S+)' for '(sm_\d+a?)'/.exec(line);
    if (entry) {
      cur = { kernel: entry[1], arch: entry[2], registers: -1, stackBytes: 0, spillStores: 0, spillLoads: 0, sharedBytes: 0 };
      rows.push(cur);
      continue;
    }
    if (!cur) continue;
    const stack = /(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads/.exec(line);
    if (stack) [cur.stackBytes, cur.spillStores, cur.spillLoads] = stack.slice(1).map(Number);
    const regs = /Used (\d+) registers/.exec(line);
    if (regs) cur.registers = Number(regs[1]);
    const smem = /(\d+) bytes smem/.exec(line);
    if (smem) cur.sharedBytes = Number(smem[1]);
  }
  const names = demangle(rows.map((r) => r.kernel));
  return rows.map((r, i) => ({ ...r, kernel: names[i] }));
}

export function formatPtxas(rows: KernelResources[]): string {
  const w = Math.max(...rows.map((r) => r.kernel.length), 6);
  const lines = [`${'kernel'.padEnd(w)}  arch    regs  stack  spill st/ld  smem`];
  for (const r of rows) {
    lines.push(`${r.kernel.padEnd(w)}  ${r.arch.padEnd(6)}  ${String(r.registers).padStart(4)}  ${String(r.stackBytes).padStart(5)}  ${`${r.spillStores}/${r.spillLoads}`.padStart(11)}  ${String(r.sharedBytes).padStart(4)}`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: ptxas-report.ts <build log>');
    process.exit(2);
  }
  console.log(formatPtxas(parsePtxas(readFileSync(file, 'utf8'))));
}
