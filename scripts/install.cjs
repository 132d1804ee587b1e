#!/usr/bin/env node
// npm's install step for hashmac. The package works without its native addon (the JS reference backend
// computes the same results, slower), so installing must never fail for want of a compiler:
//   1. a prebuild from prebuilds/ that loads here -> done, nothing compiled;
//   2. else (or with --build-from-source) compile the addon with node-gyp;
//   3. if that fails, print one warning saying how to get native, and succeed.
// npm may also skip this script altogether (--ignore-scripts, allowScripts): the run-time selection then
// falls back to JS by itself and says why (lib/backend.ts).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const pkg = require(path.join(root, 'package.json'));

/** Loads the addon node-gyp-build finds in a fresh process: a prebuild for another glibc fails here. */
function loadError() {
  const probe = `require(${JSON.stringify(require.resolve('node-gyp-build'))})(${JSON.stringify(root)}).version()`;
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  if (r.status === 0) return undefined;
  const lines = `${r.stderr}`.split('\n').map((l) => l.trim());
  return lines.find((l) => /^[A-Za-z]*Error: /.test(l))?.replace(/^[A-Za-z]*Error: /, '') ?? `exit ${r.status}`;
}

/** node-gyp as npm provides it (npm_config_node_gyp), else an installed one, else the one on PATH. */
function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  try { candidates.push(require.resolve('node-gyp/bin/node-gyp.js')); } catch { /* not installed */ }
  const found = candidates.find((f) => f && fs.existsSync(f));
  return found ? [process.execPath, found] : ['node-gyp'];
}

function compile() {
  const [cmd, ...args] = nodeGyp();
  const r = spawnSync(cmd, [...args, 'rebuild'], { cwd: root, encoding: 'utf8', env: process.env });
  if (r.status === 0) return { ok: true };
  const log = path.join(root, 'hashmac-build-error.log');
  fs.writeFileSync(log, `${r.error ? r.error.message : ''}${r.stdout ?? ''}${r.stderr ?? ''}`);
  // node-gyp says why in its first "gyp ERR!" line that is not a stack frame or the generic summary.
  const errs = `${r.stderr ?? ''}`.split('\n').filter((l) => /gyp ERR!/.test(l));
  // node-gyp's own summary ("configure error", "build error") and the first named cause under it, e.g.
  // "Could not find any Python installation to use" or "not found: make".
  const texts = errs.map((l) => l.replace(/^.*gyp ERR!\s*/, '').trim());
  const stage = texts.find((t) => /^(configure|build) error/.test(t));
  const cause = texts.find((t) => /^stack Error: /.test(t)) ?? texts.find((t) => /^(Could not|not found)/i.test(t));
  const telling = [stage, cause?.replace(/^stack Error: /, '')].filter(Boolean).join(': ') || texts[0];
  const why = r.error ? `${cmd}: ${r.error.code ?? r.error.message}` : (telling ?? `node-gyp exited with ${r.status}`);
  fs.rmSync(path.join(root, 'build'), { recursive: true, force: true });   // nothing half-built is left to load
  return { ok: false, why, log };
}

const fromSource = [pkg.name, 'true'].includes(process.env.npm_config_build_from_source ?? '');
const prebuildError = loadError();
if (prebuildError === undefined && !fromSource) process.exit(0);

const built = compile();
const builtError = built.ok ? loadError() : undefined;
if (built.ok && builtError === undefined) process.exit(0);
if (built.ok) fs.rmSync(path.join(root, 'build'), { recursive: true, force: true });

const why = built.ok ? `the compiled addon does not load: ${builtError}` : `compiling it failed: ${built.why}; log: ${built.log}`;
const howToNative = [
  'hashmac: for the native CPU kernels, install a C++17 compiler, make and Python 3 (Debian/Ubuntu:',
  'hashmac: apt-get install g++ make python3; Alpine: apk add g++ make python3), then: npm rebuild hashmac',
];
process.stderr.write(['', ...(prebuildError === undefined
  ? [`hashmac: WARNING: --build-from-source: ${why}.`, 'hashmac: the prebuilt native addon is used instead.', ...howToNative]
  : [`hashmac: WARNING: no native addon. No prebuild loads on ${process.platform}-${process.arch} (${prebuildError}) and ${why}.`,
    'hashmac: installed with the JS reference backend: same results, much slower.', ...howToNative]), ''].join('\n'));
