/**
 * Atomic file replacement: the content goes to `<file>.tmp-<pid>`, is fsynced, renamed over the target,
 * and the directory is fsynced, so after a crash or power loss readers find the old file or the whole
 * new one, never a mix. A failed write removes its temporary file.
 *
 * Signals: writes are synchronous, so Node runs a JS signal handler only after the write has finished.
 * The first atomic write installs SIGINT/SIGTERM/SIGHUP handlers that remove any temporary file still
 * registered and, when no other handler is listening, end the process by the same signal (the default
 * behaviour, deferred until the file is whole). A SIGKILL cannot be caught: the next write to the same
 * path removes temporaries whose process is gone, and reports them.
 */
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const live = new Set<string>();
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let guarded = false;

function removeLive(): void {
  for (const p of live) {
    try {
      unlinkSync(p);
    } catch {
      // already gone
    }
  }
  live.clear();
}

function onSignal(sig: NodeJS.Signals): void {
  removeLive();
  if (process.listenerCount(sig) === 1) {
    process.removeListener(sig, onSignal);
    process.kill(process.pid, sig);
  }
}

function guardSignals(): void {
  if (guarded) return;
  guarded = true;
  for (const s of SIGNALS) process.on(s, onSignal);
  process.on('exit', removeLive);
}

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Temporary files of `path` left by processes that no longer run. */
export function staleTemps(path: string): string[] {
  const dir = dirname(path);
  const prefix = `${basename(path)}.tmp-`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)) && !alive(Number(n.slice(prefix.length))))
    .map((n) => join(dir, n));
}

/** Removes `staleTemps(path)`, with a process warning naming each; returns the paths removed. */
export function removeStaleTemps(path: string): string[] {
  const removed: string[] = [];
  for (const p of staleTemps(path)) {
    try {
      unlinkSync(p);
      removed.push(p);
      process.emitWarning(`removed ${p}, a temporary file left by a killed process`, 'StaleTempFile');
    } catch {
      // another process removed it first
    }
  }
  return removed;
}

function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch (e) {
    // Some file systems (and Windows) cannot fsync a directory; the rename itself has happened.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM' && code !== 'EBADF') throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes `path` atomically; `write` receives the temporary file's descriptor. */
export function atomicWrite(path: string, write: (fd: number) => void): void {
  guardSignals();
  removeStaleTemps(path);
  const tmp = `${path}.tmp-${process.pid}`;
  live.add(tmp);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    write(fd);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
    live.delete(tmp);
    fsyncDir(dirname(path));
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    if (live.delete(tmp)) {
      try {
        unlinkSync(tmp);
      } catch {
        // never created
      }
    }
    throw e;
  }
}

/** Writes all of `bytes` at the descriptor's position, in pieces below the 2 GiB limit of one call. */
export function writeAll(fd: number, bytes: Uint8Array): void {
  const CHUNK = 1 << 28;
  for (let at = 0; at < bytes.byteLength; ) {
    const n = writeSync(fd, bytes, at, Math.min(CHUNK, bytes.byteLength - at));
    at += n;
  }
}

/** Atomic replacement of a text file. */
export function atomicWriteText(path: string, text: string): void {
  atomicWrite(path, (fd) => writeAll(fd, Buffer.from(text, 'utf8')));
}
