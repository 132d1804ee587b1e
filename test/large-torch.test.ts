/**
 * A zip-format torch checkpoint over 2 GiB (issue 14): `readTensorFile` used to read torch files into one
 * buffer, which Node cannot hold past 2 GiB. The file (a 2.02 GiB float32 tensor after a small one, ZIP64
 * records, laid out by `zipParts` as `writeTorchFile` does) is written sparse: only the marked ranges of
 * the big tensor (its start, around the 2 GiB mark, its end) are written, the rest is a hole that reads
 * as zeros, so the test costs little disk time. It is read back exactly, and the reader's memory beyond
 * the tensors it returns stays small: each storage is read straight into its own array, no whole-file
 * buffer. Skipped, saying why, without 5 GiB of free memory or 3 GiB of free disk; deleted afterwards.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, statfsSync, statSync, writeSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTensorFile } from '../lib/torch/index.js';
import { zipParts } from '../lib/torch/zip.js';
import { stateDictPickle, tensorOps } from './torch-pickles.js';

const GiB = 2 ** 30;
const ELEMENTS = 2 ** 29 + 2 ** 22; // 2.02 GiB of float32
/** Element ranges of the big tensor that hold values (the rest stays 0). */
const MARKED: [number, number][] = [[0, 2 ** 18], [2 ** 29 - 2 ** 17, 2 ** 29 + 2 ** 17], [ELEMENTS - 2 ** 18, ELEMENTS]];

const dir = mkdtempSync(join(tmpdir(), 'hashmac-large-torch-'));
const fs = statfsSync(dir);
const diskFree = fs.bavail * fs.bsize;
const why = freemem() < 5 * GiB ? `needs 5 GiB of free memory, ${(freemem() / GiB).toFixed(1)} GiB free` : diskFree < 3 * GiB ? `needs 3 GiB of free disk in ${dir}, ${(diskFree / GiB).toFixed(1)} GiB free` : undefined;
if (why) rmSync(dir, { recursive: true });

/** Writes the checkpoint with holes where the big tensor is zero; returns the big tensor's expected values. */
function writeSparseCheckpoint(path: string): Float32Array {
  // A fresh array is zero pages the kernel has not materialised: only the marked ranges become resident.
  const big = new Float32Array(ELEMENTS);
  for (const [from, to] of MARKED) for (let i = from; i < to; i++) big[i] = (i % 65521) + 1;
  const bigBytes = new Uint8Array(big.buffer);
  const pkl = stateDictPickle([
    ['head.weight', tensorOps('FloatStorage', '0', 3, 0, [3], [1])],
    ['body.big', tensorOps('FloatStorage', '1', ELEMENTS, 0, [ELEMENTS / 1024, 1024], [1024, 1])],
  ]);
  const parts = zipParts([
    { name: 'archive/data.pkl', data: pkl },
    { name: 'archive/data/0', data: new Uint8Array(new Float32Array([1.5, -2, 3.25]).buffer) },
    { name: 'archive/data/1', data: bigBytes },
    { name: 'archive/version', data: new TextEncoder().encode('3\n') },
  ]);
  const fd = openSync(path, 'w');
  try {
    let at = 0;
    for (const part of parts) {
      const ranges = part === bigBytes ? MARKED.map(([a, b]) => [4 * a, 4 * b]) : [[0, part.byteLength]];
      for (const [from, to] of ranges) writeSync(fd, part, from, to - from, at + from);
      at += part.byteLength;
    }
  } finally {
    closeSync(fd);
  }
  return big;
}

test('a 2.02 GiB torch zip checkpoint loads back exactly without a whole-file buffer', { skip: why, timeout: 300_000 }, (t) => {
  const path = join(dir, 'big.pt');
  try {
    const t0 = Date.now();
    const want = writeSparseCheckpoint(path);
    const size = statSync(path).size;
    assert.ok(size > 2 * GiB, `file is ${size} bytes`);
    const t1 = Date.now();
    const rss0 = process.memoryUsage().rss;
    const file = readTensorFile(path);
    const grown = process.memoryUsage().rss - rss0;
    t.diagnostic(`${size} bytes: written (sparse) in ${((t1 - t0) / 1000).toFixed(1)} s, read in ${((Date.now() - t1) / 1000).toFixed(1)} s; RSS +${(grown / 2 ** 20).toFixed(0)} MiB reading`);
    const big = file.tensors.get('body.big')!;
    assert.equal(big.dtype, 'F32');
    assert.deepEqual(big.shape, [ELEMENTS / 1024, 1024]);
    const data = big.data as Float32Array;
    let wrong = -1;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== want[i]) {
        wrong = i;
        break;
      }
    }
    assert.equal(wrong, -1, `element ${wrong} is ${data[wrong]}, expected ${want[wrong]}`);
    assert.deepEqual(Array.from(file.tensors.get('head.weight')!.data as Float32Array), [1.5, -2, 3.25]);
    // The tensors themselves are resident (data.byteLength); anything near another file size on top
    // would be a whole-file buffer or a second copy.
    const extra = grown - data.byteLength;
    assert.ok(extra < 256 * 2 ** 20, `RSS grew ${grown} bytes reading a ${size}-byte file: ${extra} beyond the tensors`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
