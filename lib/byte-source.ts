/**
 * Random access to the bytes of a file format reader's input: a buffer already in memory, or an open
 * file read with positional reads. The readers of large formats (torch zip and legacy files) go through
 * it so that a file is never read into one whole-file buffer: Node cannot read more than 2 GiB in one
 * call, and a whole-file buffer doubles the memory of a checkpoint whose tensors are copied out anyway.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export interface ByteSource {
  /** Names the input in errors (the path, or the caller's label for a buffer). */
  readonly name: string;
  /** Total bytes. */
  readonly size: number;
  /**
   * `length` bytes at `position`; the caller checks the range against `size` first (with its own message).
   * A buffer source returns a view; a file source a new array of its own (so its ArrayBuffer is aligned).
   */
  read(position: number, length: number): Uint8Array;
}

/** Fills `target` from `position` in pieces below the 2 GiB limit of one read; returns the bytes read (short at EOF). */
export function readFullyAt(fd: number, target: Uint8Array, position: number): number {
  const CHUNK = 1 << 28;
  let at = 0;
  while (at < target.byteLength) {
    const n = readSync(fd, target, at, Math.min(CHUNK, target.byteLength - at), position + at);
    if (n === 0) break;
    at += n;
  }
  return at;
}

function checkRange(name: string, size: number, position: number, length: number): void {
  if (!(Number.isSafeInteger(position) && Number.isSafeInteger(length) && position >= 0 && length >= 0 && position + length <= size)) {
    throw new RangeError(`${name}: read of ${length} bytes at ${position} is outside the ${size}-byte file`);
  }
}

export function bufferSource(buf: Uint8Array, name: string): ByteSource {
  return {
    name,
    size: buf.byteLength,
    read(position, length) {
      checkRange(name, buf.byteLength, position, length);
      return buf.subarray(position, position + length);
    },
  };
}

/** An open file; `close` it when done (or use `withFileSource`). */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;

  constructor(readonly name: string) {
    this.fd = openSync(name, 'r');
    try {
      this.size = fstatSync(this.fd).size;
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  read(position: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new Error(`${this.name}: file is closed`);
    checkRange(this.name, this.size, position, length);
    const out = new Uint8Array(length);
    const n = readFullyAt(this.fd, out, position);
    if (n !== length) throw new RangeError(`${this.name}: file ended at byte ${position + n} (it shrank while being read?)`);
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

export function withFileSource<T>(path: string, use: (src: FileSource) => T): T {
  const src = new FileSource(path);
  try {
    return use(src);
  } finally {
    src.close();
  }
}
