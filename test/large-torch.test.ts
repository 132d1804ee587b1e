/**
 * A zip-format torch checkpoint over 2 GiB (issue 14): `readTensorFile` used to read torch files into one
 * buffer, which Node cannot hold past 2 GiB. The file (one 2.02 GiB float32 tensor between two small
 * ones, ZIP64 records) is written by a child process with `writeTorchFile` (streamed), read back here
 * exactly, and the reader's memory beyond the tensors it returns stays small: each storage is read
 * straight into its own array, no whole-file buffer. Skipped, saying why, without 5 GiB of free memory
 * or 3 GiB of free disk; the file is deleted afterwards.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync, statSync } from 'node:fs';
import { freemem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readTensorFile } from '../lib/torch/index.js';

const GiB = 2 ** 30;
const ELEMENTS = 2 ** 29 + 2 ** 22; // 2.02 GiB of float32
const bigValue = (i: number) => i % 65521; // as test/helpers/write-big-torch.ts writes it

const dir = mkdtempSync(join(tmpdir(), 'hashmac-large-torch-'));
const fs = statfsSync(dir);
const diskFree = fs.bavail * fs.bsize;
const why = freemem() < 5 * GiB ? `needs 5 GiB of free memory, ${(freemem() / GiB).toFixed(1)} GiB free` : diskFree < 3 * GiB ? `needs 3 GiB of free disk in ${dir}, ${(diskFree / GiB).toFixed(1)} GiB free` : undefined;
if (why) rmSync(dir, { recursive: true });

test('a 2.02 GiB torch zip checkpoint loads back exactly without a whole-file buffer', { skip: why, timeout: 300_000 }, (t) => {
  const path = join(dir, 'big.pt');
  try {
    const t0 = Date.now();
    execFileSync(process.execPath, ['--import', 'tsx', join(__dirname, 'helpers', 'write-big-torch.ts'), path, String(ELEMENTS)], { stdio: 'inherit' });
    const size = statSync(path).size;
    assert.ok(size > 2 * GiB, `file is ${size} bytes`);
    const t1 = Date.now();
    const rss0 = process.memoryUsage().rss;
    const file = readTensorFile(path);
    const grown = process.memoryUsage().rss - rss0;
    t.diagnostic(`${size} bytes: written in ${((t1 - t0) / 1000).toFixed(1)} s (child process), read in ${((Date.now() - t1) / 1000).toFixed(1)} s; RSS +${(grown / 2 ** 20).toFixed(0)} MiB reading`);
    const big = file.tensors.get('body.big')!;
    assert.equal(big.dtype, 'F32');
    assert.deepEqual(big.shape, [ELEMENTS / 1024, 1024]);
    const data = big.data as Float32Array;
    let wrong = -1;
    for (let i = 0; i < data.length; i++) {
      if (data[i] !== bigValue(i)) {
        wrong = i;
        break;
      }
    }
    assert.equal(wrong, -1, `element ${wrong} differs`);
    assert.deepEqual(Array.from(file.tensors.get('head.weight')!.data as Float32Array), [1.5, -2, 3.25]);
    assert.deepEqual(Array.from(file.tensors.get('tail.count')!.data as BigInt64Array), [7n, -9n]);
    assert.deepEqual(file.metadata, { epoch: '12' });
    // The tensors themselves are resident (data.byteLength); anything near another file size on top
    // would be a whole-file buffer or a second copy.
    const extra = grown - data.byteLength;
    assert.ok(extra < 256 * 2 ** 20, `RSS grew ${grown} bytes reading a ${size}-byte file: ${extra} beyond the tensors`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
