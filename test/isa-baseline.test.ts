/**
 * The addon must load on any x86-64 CPU: only the per-ISA copies of *_simd.cc may contain AVX code.
 * Disassembles every other object file of the build and checks for VEX/EVEX registers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { hasCommand } from './helpers.js';

const OBJ = join(__dirname, '..', 'build', 'Release', 'obj.target');

function objects(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? objects(p) : p.endsWith('.o') ? [p] : [];
  });
}

const skip = process.arch !== 'x64' ? 'x86-64 only' : !existsSync(OBJ) ? 'no node-gyp build' : !hasCommand('objdump') ? 'objdump missing' : false;

test('only the avx2/avx512 copies of the SIMD kernels use AVX registers', { skip }, () => {
  const objs = objects(OBJ);
  assert.ok(objs.length > 0);
  for (const o of objs) {
    const simd = o.includes('hashmac_simd_avx2') || o.includes('hashmac_simd_avx512');
    const asm = execFileSync('objdump', ['-d', '--no-show-raw-insn', o], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const avx = /%[yz]mm\d|%k[1-7]\b|\bv(?:fmadd|broadcast|pxor|popcnt|movdq|movups|movaps|addps|mulps)/.test(asm);
    if (simd) assert.ok(avx, `${o} should contain AVX code`);
    else assert.ok(!avx, `${o} contains AVX instructions but is part of the baseline build`);
  }
});
