/**
 * `--json` on the commands a script drives (issue 17): stdout is exactly one JSON object (parsed whole
 * here, so any stray line fails the test), the human-readable text goes to stderr.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { isBackendAvailable } from '../lib/backend.js';
import { supportedIsas } from '../lib/runtime.js';
import { generateStream } from '../lib/stream/generate.js';
import { ReplayServer } from '../lib/stream/replay-server.js';

const CLI = join(__dirname, '..', 'lib', 'cli.ts');
const native = isBackendAvailable('native');
const ARGS = ['--import', 'tsx', CLI];
/** stdout and stderr of a CLI run that must succeed. */
function runCli(...args: string[]): { stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...ARGS, ...args], { encoding: 'utf8', timeout: 170_000 });
  assert.equal(r.status, 0, r.stderr);
  return { stdout: r.stdout, stderr: r.stderr };
}
const cli = (...args: string[]) => runCli(...args).stdout;

/** Runs the CLI asynchronously (a server in this process must keep answering); `whenUp` may signal it. */
function spawnCli(args: string[], whenUp?: (child: ReturnType<typeof spawn>) => Promise<void>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...ARGS, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const closed = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  void whenUp?.(child);
  return closed;
}

test('search --json: every point with its K per layer and scores (null where invalid), the best per pair with its test result', { timeout: 180_000 }, () => {
  const j = JSON.parse(cli('search', '--json', '--lengths', '512,1024', '--budget', '1', '--limit', '8', '--calibration', '16'));
  assert.equal(j.calibrationSamples, 16);
  assert.ok(j.points.length >= 2);
  for (const p of j.points) {
    assert.equal(Object.keys(p.hashLengths).length, 22);
    assert.equal(p.scores.length, 2);
    assert.ok(p.scores.every((s: number | null) => s === null || (s >= 0 && s <= 1)));
  }
  assert.equal(j.best.length, 2);
  for (const b of j.best) {
    assert.deepEqual(b.hashLengths, j.points[b.point].hashLengths);
    assert.equal(b.test.samples, 8);
    assert.ok(Math.abs(b.test.accuracyDrop - (b.test.denseAccuracy - b.test.hashedAccuracy)) < 1e-12);
  }
});

test('fuzz --json names the ISAs it tested and each kernel\'s result; the text says the same on stderr', { skip: !native && 'no native addon', timeout: 60_000 }, () => {
  const isa = supportedIsas()[0];
  const r = runCli('fuzz', 'hamming_gemm', 'sign_project', '--runs', '3', '--seed', '7', '--isa', isa, '--json');
  const j = JSON.parse(r.stdout);
  assert.equal(j.seed, 7);
  assert.deepEqual(j.isas, [isa]);
  assert.deepEqual(j.kernels.map((k: { kernel: string }) => k.kernel).sort(), ['hamming_gemm', 'sign_project']);
  assert.ok(j.kernels.every((k: { status: string; cases: number }) => k.status === 'ok' && k.cases === 3));
  assert.equal(j.failed, 0);
  assert.match(r.stderr, new RegExp(`ISAs ${isa} each against the JS reference`));
  assert.match(r.stderr, new RegExp(`6 cases in .* on native \\(${isa}\\), 0 kernels with mismatches`));
});

test('golden --json: counts and every case with its per-backend/ISA variants', { timeout: 60_000 }, () => {
  const j = JSON.parse(cli('golden', '-f', 'hamming_gemm', '--json'));
  assert.equal(j.cases.length, 2);
  assert.equal(j.passed + j.failed + j.skipped, j.cases.length);
  assert.equal(j.failed, 0);
  for (const c of j.cases) {
    assert.equal(c.kernel, 'hamming_gemm');
    assert.equal(c.variants.js, 'ok');
    if (native) for (const isa of supportedIsas()) assert.equal(c.variants[`native/${isa}`], 'ok', JSON.stringify(c.variants));
  }
});

test('stream replay --serve --json: the summary as one object, no predictions map in it', { timeout: 90_000 }, () => {
  const j = JSON.parse(cli('stream', 'replay', '--serve', '--json', '--port', '0', '--requests', '30', '--symbols', '3', '--speed', '0', '--timeout-ms', '3000'));
  assert.equal(j.requests, 30);
  assert.equal(j.sent, 30);
  assert.equal(j.responses, 30);
  assert.equal(j.responseRate, 1);
  assert.ok(j.port > 0);
  assert.equal(j.client.answered, 30);
  assert.equal(j.predictions, undefined);
});

test('stream serve --json against a local replay server: counts on stdout, the log and the random-weights warning on stderr', { timeout: 90_000 }, async () => {
  const server = new ReplayServer(generateStream({ requests: 20, symbols: 2, meanDelayMs: 0 }), { port: 0, speed: 0, responseTimeoutMs: 3000 });
  const port = await server.listen();
  const r = await spawnCli(['stream', 'serve', '--json', '--port', String(port), '--retries', '0'], async (child) => {
    await server.done;
    child.kill('SIGINT');   // serve runs until stopped; SIGINT is its clean stop
  });
  await server.close();
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.port, port);
  assert.equal(j.answered, 20);
  assert.equal(j.failure, null);
  assert.match(r.stderr, /WARNING: no -w\/--weights/);
  assert.match(r.stderr, /connected to 127\.0\.0\.1/);
});

test('stream serve --json with nothing listening: the failure in the JSON, exit non-zero', { timeout: 60_000 }, async () => {
  // A port just released by a listener of our own: nothing listens there now.
  const s = new ReplayServer([], { port: 0 });
  const port = await s.listen();
  await s.close();
  const r = await spawnCli(['stream', 'serve', '--json', '--port', String(port), '--retries', '0']);
  assert.notEqual(r.code, 0);
  const j = JSON.parse(r.stdout);
  assert.match(j.failure, /server unreachable after 0 retries/);
  assert.equal(j.answered, 0);
});
