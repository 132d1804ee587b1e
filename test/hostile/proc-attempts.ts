/**
 * Attempts that need a process of their own: saves killed by a signal (SIGINT/SIGTERM/SIGHUP are held
 * until the file is whole; SIGKILL leaves a temporary that the next save removes and reports), and
 * every failing CLI command, run with a time limit (a hang is a failure).
 */
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../../lib/safetensors.js';
import type { Attempt, Outcome } from './attempts.js';
import { scratch, stBytes } from './file-attempts.js';

const temps = (dir: string, base: string) => readdirSync(dir).filter((n) => n.startsWith(`${base}.tmp-`));

function wholeFile(path: string): string | undefined {
  try {
    readSafetensors(path);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

function killedSave(signal: NodeJS.Signals, i: number): Attempt {
  return {
    category: 'killed saves',
    name: `${signal} during a 190 MB state save`,
    timeoutMs: 120_000,
    run: async (): Promise<Outcome> => {
      const dir = join(scratch, `kill-${i}`);
      mkdirSync(dir, { recursive: true });
      const path = join(dir, 'state.safetensors');
      const child = fork(join(__dirname, '..', 'helpers', 'save-loop.ts'), [path, '1000'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      let stderr = '';
      child.stderr!.on('data', (d) => (stderr += d));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, sig) => r({ code, signal: sig })));
      await new Promise((r) => child.once('message', r));
      // Kill while the next save's temporary file exists (the window where a save can be lost), a little
      // later for each attempt.
      const tmp = `${path}.tmp-${child.pid}`;
      for (let t = 0; t < 2500 && !existsSync(tmp); t++) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, (i * 37) % 100));
      child.kill(signal);
      const end = await exited;
      const left = temps(dir, 'state.safetensors');
      const broken = wholeFile(path);
      if (signal !== 'SIGKILL') {
        const ok = end.signal === signal && left.length === 0 && broken === undefined;
        return { rejected: true, clear: end.signal === signal, lost: left.length > 0 || broken !== undefined, detail: `exit ${end.signal ?? end.code}; temporaries left ${left.length}; target ${broken ?? 'whole'}${ok ? '' : ` ${stderr.slice(0, 200)}`}` };
      }
      // SIGKILL cannot be caught: the next save to the path removes what it left, with a warning.
      writeSafetensors(path, { next: { data: new Float32Array(1), shape: [1] } });
      const after = temps(dir, 'state.safetensors');
      const removed = left.filter((n) => !after.includes(n));
      return { rejected: true, clear: true, lost: after.length > 0 || broken !== undefined, detail: `killed mid-save left ${left.length} temporaries, the next save removed ${removed.length}; target ${broken ?? 'whole'}` };
    },
  };
}

const CLI = join(__dirname, '..', '..', 'lib', 'cli.ts');

/** Runs the CLI; resolves with its exit code (null when killed at the time limit) and output. */
export function runCli(args: string[], timeoutMs = 45_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('exit', (code, sig) => {
      clearTimeout(timer);
      resolve({ code: sig ? null : code, out });
    });
  });
}

/** [command line, what the error must name]: each must exit non-zero, in time, naming it. */
export function failingCommands(): [string[], RegExp][] {
  const dir = join(scratch, 'cli');
  mkdirSync(dir, { recursive: true });
  const p = (n: string) => join(dir, n);
  writeFileSync(p('empty.safetensors'), stBytes('{}'));
  writeFileSync(p('overlap.safetensors'), stBytes({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12));
  writeFileSync(p('half.safetensors'), stBytes({ 'fc.weight': { dtype: 'F32', shape: [0.5, 8], data_offsets: [0, 16] } }, 16));
  writeFileSync(p('nan.ndjson'), '{"symbol":"A","features":[NaN]}\n');
  writeFileSync(p('preds.ndjson'), '{"unique_id": 1, "predictions": [1,2,3,4]}\n{oops\n');
  mkdirSync(p('golden'), { recursive: true });
  writeFileSync(p('golden/broken.safetensors'), stBytes('{"a": '));
  return [
    [['stream', 'serve', '--port', '70000'], /--port: expected an integer in 1\.\.65535, got '70000'/],
    [['stream', 'replay', '--speed', 'abc', '--serve'], /--speed: expected a number/],
    [['stream', 'replay', '--port', '-1'], /--port: expected an integer in 0\.\.65535/],
    [['stream', 'replay', '--max-connections', '0'], /--max-connections: expected an integer >= 1/],
    [['stream', 'replay', '--timeout-ms', 'soon'], /--timeout-ms: expected an integer/],
    [['stream', 'generate', '-o', p('g.ndjson'), '--delay-ms', 'abc'], /--delay-ms: expected a number/],
    [['stream', 'generate', '-o', p('g.ndjson'), '--delay-ms', '0x10'], /--delay-ms: expected a number/],
    [['stream', 'generate', '-o', p('g.ndjson'), '--requests', '1.5'], /--requests: expected an integer/],
    [['stream', 'serve', '--port', '1', '--retries', '0'], /server unreachable .*ECONNREFUSED/],
    [['stream', 'serve', '--idle-timeout-ms', '-5'], /--idle-timeout-ms: expected an integer/],
    [['stream', 'eval', '--capacity', '0'], /--capacity: expected an integer >= 1/],
    [['stream', 'eval', '--batch-size', 'abc'], /--batch-size: expected an integer/],
    [['stream', 'eval', '--mode', 'foo'], /--mode: expected one of fixed, arrival/],
    [['stream', 'eval', '--load-state', p('overlap.safetensors'), '--requests', '5'], /overlap\.safetensors: tensor "b".*overlaps/],
    [['stream', 'eval', '-s', p('nan.ndjson')], /nan\.ndjson: line 1: not a JSON object/],
    [['stream', 'eval', '-r', p('preds.ndjson'), '--requests', '5'], /preds\.ndjson: line 2: not JSON/],
    [['stream', 'eval', '-w', p('overlap.safetensors')], /overlap\.safetensors: tensor "b"/],
    [['score', '--limit', 'abc'], /option '--limit <n>' argument 'abc' is invalid/],
    [['score', '-p', p('empty.safetensors'), '--limit', '5'], /empty\.safetensors: holds no tensors/],
    [['score', '-w', p('half.safetensors'), '--limit', '5'], /half\.safetensors: tensor "fc\.weight": shape\[0\]: expected a non-negative integer, got 0\.5/],
    [['golden', p('golden'), '--backend', 'js'], /FAIL broken .*not JSON[\s\S]*0 passed, 1 failed/],
    [['golden', '--backend', 'gpu'], /unknown backend 'gpu'/],
  ];
}

export function procAttempts(): Attempt[] {
  const kills = (['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGKILL', 'SIGTERM', 'SIGKILL'] as NodeJS.Signals[]).map(killedSave);
  const cli: Attempt[] = failingCommands().map(([args, names]) => ({
    category: 'CLI',
    name: `hashmac ${args.map((a) => (a.includes('/') ? a.replace(/.*\//, '…/') : a)).join(' ')}`,
    timeoutMs: 60_000,
    run: async () => {
      const { code, out } = await runCli(args);
      if (code === null) return { rejected: true, clear: false, hung: true, detail: `killed at the 45 s limit: ${out.trim().split('\n').slice(-1)[0]?.slice(0, 160)}` };
      return { rejected: code !== 0, clear: names.test(out), detail: `exit ${code}: ${out.trim().split('\n').slice(-2).join(' | ').slice(0, 200)}` };
    },
  }));
  return [...kills, ...cli];
}
