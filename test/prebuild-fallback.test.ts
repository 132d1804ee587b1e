/**
 * The shipped prebuild and what a machine it does not fit gets (issue 17, README "Installing and building
 * from source"): the prebuild asks no particular libstdc++ of the host and at most glibc 2.34; it is
 * tagged glibc, so node-gyp-build never picks it on musl; and where it is present but does not load (a
 * broken file, another libc), the package runs on the JS reference backend with exactly one warning
 * saying why. The last two run the built package (dist/) from a copy of the package root that has no
 * build/ directory, so node-gyp-build can only find the prebuild.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasCommand } from './helpers.js';

const ROOT = join(__dirname, '..');
const DIR = join(ROOT, 'prebuilds', `${process.platform}-${process.arch}`);
const prebuilds = existsSync(DIR) ? readdirSync(DIR).filter((f) => f.endsWith('.node')) : [];
const noPrebuild = prebuilds.length === 0 && 'run `npm run build` first (it makes the prebuilds)';
const linux = process.platform === 'linux';

test('the linux prebuild needs no GLIBCXX/CXXABI version and at most GLIBC_2.34', { skip: noPrebuild || (!linux && 'linux only') || (!hasCommand('objdump') && 'no objdump') }, () => {
  for (const f of prebuilds) {
    const dyn = execFileSync('objdump', ['-T', join(DIR, f)], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const versions = new Set(dyn.match(/\b(GLIBC|GLIBCXX|CXXABI)_[0-9.]+/g) ?? []);
    assert.deepEqual([...versions].filter((v) => !v.startsWith('GLIBC_')), [], `${f} needs the host's libstdc++`);
    const newer = [...versions].filter((v) => {
      const [major, minor] = v.slice('GLIBC_'.length).split('.').map(Number);
      return major > 2 || (major === 2 && minor > 34);
    });
    assert.deepEqual(newer, [], `${f} needs a glibc newer than the documented 2.34`);
  }
});

test('linux prebuilds are tagged with their libc, so a musl host never picks a glibc one', { skip: noPrebuild || (!linux && 'linux only') }, () => {
  for (const f of prebuilds) assert.match(f, /\.(glibc|musl)\.node$/);
});

/** A copy of the package root (package.json, dist/, prebuilds/ as given) with the real node_modules. */
function packageCopy(t: { after(fn: () => void): void }, prebuild: (dir: string) => void): string {
  const root = mkdtempSync(join(tmpdir(), 'hashmac-prebuild-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  cpSync(join(ROOT, 'package.json'), join(root, 'package.json'));
  cpSync(join(ROOT, 'dist'), join(root, 'dist'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
  const dir = join(root, 'prebuilds', `${process.platform}-${process.arch}`);
  mkdirSync(dir, { recursive: true });
  prebuild(dir);
  return root;
}

/** Loads the package there, runs one kernel, and returns the backend it ran on and every warning line. */
function runThere(root: string, env: Record<string, string> = {}): { backend: string; warnings: string[] } {
  const script = `
    const h = require(${JSON.stringify(join(root, 'dist', 'index.js'))});
    const y = h.linear(h.tensor(new Float32Array([1, 2]), [1, 2]), h.tensor(new Float32Array([3, 4]), [1, 2]));
    if (y.data[0] !== 11) throw new Error('wrong result ' + y.data[0]);
    h.linear(h.tensor(new Float32Array([1, 2]), [1, 2]), h.tensor(new Float32Array([3, 4]), [1, 2]));
    console.log(h.currentBackend().name);`;
  const { HASHMAC_BACKEND: _, ...rest } = process.env;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...rest, ...env } });
  assert.equal(r.status, 0, r.stderr);
  return { backend: r.stdout.trim(), warnings: r.stderr.split('\n').filter((l) => /Warning/.test(l)) };
}

test('a prebuild that does not load: the JS backend, with one warning naming the cause', { skip: !existsSync(join(ROOT, 'dist')) && 'run `npm run build` first', timeout: 60_000 }, (t) => {
  const root = packageCopy(t, (dir) => writeFileSync(join(dir, 'hashmac.glibc.node'), 'not a shared object'));
  const r = runThere(root);
  assert.equal(r.backend, 'js');
  assert.equal(r.warnings.length, 1, r.warnings.join('\n'));
  assert.match(r.warnings[0], /HashmacBackendWarning: hashmac is using the slow JS reference backend \(native addon did not load: .*hashmac\.glibc\.node.*\)\. Run `npm rebuild hashmac`/);
});

test('a glibc prebuild on a musl host is not picked: the JS backend, with one warning', { skip: noPrebuild || (!linux && 'linux only'), timeout: 60_000 }, (t) => {
  const root = packageCopy(t, (dir) => { for (const f of prebuilds) cpSync(join(DIR, f), join(dir, f)); });
  assert.equal(runThere(root).backend, 'native', 'the copy loads its prebuild on this (glibc) host');
  // node-gyp-build takes the host's libc from LIBC when set (else /etc/alpine-release means musl).
  const r = runThere(root, { LIBC: 'musl' });
  assert.equal(r.backend, 'js');
  assert.equal(r.warnings.length, 1, r.warnings.join('\n'));
  assert.match(r.warnings[0], /native addon did not load: No native build was found for .*libc=musl/);
});
