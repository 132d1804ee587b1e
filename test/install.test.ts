/**
 * hashmac works as a dependency: `npm pack`, install the tarball into an empty project, then use it from
 * CommonJS, ES modules, TypeScript (types) and the `hashmac` bin. The tarball ships prebuilds, so the
 * consumer gets the native backend without compiling (npm may not run a dependency's install script).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const HAS_PREBUILD = existsSync(join(ROOT, 'prebuilds')) && readdirSync(join(ROOT, 'prebuilds')).length > 0;
const run = (cmd: string, args: string[], cwd: string) =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HASHMAC_BACKEND: '' } });

test('npm pack + install into an empty project: CJS, ESM, types and bin', { skip: !HAS_PREBUILD && 'run `npm run build` first (it makes the prebuilds)', timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-install-'));
  try {
    run('npm', ['pack', '--pack-destination', dir, '--ignore-scripts'], ROOT);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    const app = join(dir, 'app');
    run('mkdir', ['-p', app], dir);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', join(dir, tarball)], app);

    writeFileSync(join(app, 'use.cjs'), `
      const h = require('hashmac');
      const x = h.tensor(new Float32Array([1, -2, 3, 4]), [2, 2]);
      const r = h.signProject(x, h.tensor(new Float32Array([1, 0, 0, 1]), [2, 2]));
      console.log(JSON.stringify({ backend: h.info().backend, codes: [...r.codes.data] }));`);
    const cjs = JSON.parse(run('node', ['use.cjs'], app));
    assert.equal(cjs.backend, 'native');
    assert.deepEqual(cjs.codes.slice(0, 9), [1, 0, 0, 0, 0, 0, 0, 0, 3]);

    writeFileSync(join(app, 'use.mjs'), `
      import { hammingGemm, packBits, info } from 'hashmac';
      import hashmac from 'hashmac';
      const a = packBits([1, 0, 1], 1, 3);
      console.log(JSON.stringify({ backend: info().backend, d: [...hammingGemm(a, packBits([0, 0, 1], 1, 3)).data], same: hashmac.info === info }));`);
    const esm = JSON.parse(run('node', ['use.mjs'], app));
    assert.deepEqual(esm, { backend: 'native', d: [1], same: true });

    writeFileSync(join(app, 'use.ts'), `
      import { signProject, type Tensor, type PackedBits } from 'hashmac';
      const x: Tensor = { data: new Float32Array(4), shape: [2, 2] };
      const codes: PackedBits = signProject(x, x).codes;
      export const rows: number = codes.rows;`);
    writeFileSync(join(app, 'use.mts'), `
      import { hashLinear, encodeWeights, type EncodedWeights } from 'hashmac';
      export const f: typeof hashLinear = hashLinear;
      export type W = EncodedWeights;
      export const e = encodeWeights;`);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, types: [], skipLibCheck: false, lib: ['ES2022'] },
      files: ['use.ts', 'use.mts'],
    }));
    run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], app);

    const infoOut = run(join(app, 'node_modules', '.bin', 'hashmac'), ['info'], app);
    assert.match(infoOut, /backend: native/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the tarball ships the fixtures the commands read at run time and none of the test-only ones', { timeout: 60_000 }, () => {
  const [pack] = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT)) as { files: { path: string; size: number }[] }[];
  const paths = new Set(pack.files.map((f) => f.path));
  // lib/commands/model-options.ts and lib/sim/digits.ts (the default model), lib/commands/golden.ts (default cases).
  for (const f of ['digits.safetensors', 'resnet20-digits.safetensors', 'hashed-uniform-k256-t64.safetensors']) assert.ok(paths.has(`test/fixtures/digits/${f}`), f);
  assert.ok([...paths].some((p) => p.startsWith('test/fixtures/golden/') && p.endsWith('.safetensors')));
  assert.deepEqual([...paths].filter((p) => /^test\/fixtures\/(cifar10|torch)\//.test(p)), []);
  assert.deepEqual([...paths].filter((p) => p.endsWith('.map')), [], 'no source maps (their lib/*.ts is not shipped)');
});
