/**
 * Hostile files (issue 14): every malformed safetensors header, saved state, request stream, engine
 * request and golden case of test/hostile/file-attempts.ts must be refused with an error naming the
 * file and field (or request id), and a refused state leaves the engine's pool and symbol map
 * byte-identical. Valid edge cases must still read.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { removeStaleTemps, staleTemps } from '../lib/atomic-file.js';
import { parseSafetensors, readSafetensors, writeSafetensors } from '../lib/safetensors.js';
import { judge } from './hostile/attempts.js';
import { busyEngine, cleanScratch, fileAttempts, scratch, snapshot, VALID_SAFETENSORS } from './hostile/file-attempts.js';

after(cleanScratch);

for (const a of fileAttempts()) {
  test(`${a.category}: ${a.name}`, async () => {
    const { verdicts, detail } = await judge(a);
    assert.deepEqual(verdicts, ['refused'], detail);
  });
}

test('safetensors: valid edge cases read back (zero-size tensors, no tensors, a tensor named __proto__, padding)', () => {
  for (const [name, bytes, check] of VALID_SAFETENSORS) {
    assert.ok(check(parseSafetensors(bytes, name)), name);
    const path = join(scratch, `valid-${name.replace(/\W/g, '_')}.safetensors`);
    writeFileSync(path, bytes);
    assert.ok(check(readSafetensors(path)), `${name} (file)`);
  }
});

test('safetensors: what the writer writes, the strict reader reads (every dtype the writer takes)', () => {
  const path = join(scratch, 'roundtrip.safetensors');
  const tensors = {
    f: { data: Float32Array.from([1.5, -2]), shape: [2] },
    d: { dtype: 'F64' as const, data: Float64Array.from([3]), shape: [1, 1] },
    i: { data: Int32Array.from([7, 8, 9]), shape: [3] },
    s: { dtype: 'I16' as const, data: Int16Array.from([-1]), shape: [1] },
    b: { dtype: 'I8' as const, data: Int8Array.from([-3, 4]), shape: [2] },
    u: { data: Uint8Array.from([200]), shape: [1] },
    z: { data: new Float32Array(0), shape: [0, 5] },
    h: { dtype: 'BF16' as const, shape: [1], data: Uint16Array.from([0x3f80]) },
  };
  writeSafetensors(path, tensors, { note: 'x' });
  const f = readSafetensors(path);
  assert.equal(f.metadata.note, 'x');
  for (const [name, t] of Object.entries(tensors)) {
    assert.deepEqual(Array.from(f.tensors.get(name)!.data as ArrayLike<number>), Array.from(t.data as ArrayLike<number>), name);
    assert.deepEqual(f.tensors.get(name)!.shape, t.shape, name);
  }
  assert.throws(() => writeSafetensors(path, { a: { data: new Float32Array(3), shape: [2] } }), /tensor a: shape \[2\] of F32 does not match its 12 bytes/);
  assert.throws(() => writeSafetensors(path, { __metadata__: { data: new Float32Array(1), shape: [1] } }), /reserved/);
});

test('loadState: a refused file leaves pool bytes and symbol map exactly as they were, and predictions unchanged', () => {
  const engine = busyEngine();
  const twin = busyEngine();
  const path = join(scratch, 'dup-slot.safetensors');
  engine.saveState(path);
  const f = readSafetensors(path);
  f.metadata.symbols = JSON.stringify({ AA: 0, ZZ: 0 });
  writeSafetensors(path, Object.fromEntries(f.tensors), f.metadata);
  const before = snapshot(engine);
  assert.throws(() => engine.loadState(path), /slot 0 is assigned to both AA and ZZ/);
  assert.equal(snapshot(engine), before);
  const next = () => new Map([['AA', [{ id: 1, symbol: 'AA', features: [0.1, 0.2, 0.3, 0.4, 0.5] }]]]);
  assert.deepEqual(engine.processBatch(next()), twin.processBatch(next()));
});

test('atomic writes: a failed write removes its temporary; stale temporaries of dead processes are found and removed', () => {
  const dir = join(scratch, 'atomic');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'x.safetensors');
  writeSafetensors(path, { a: { data: Float32Array.from([1]), shape: [1] } });
  // A tensor whose bytes disagree with its shape is refused before any file is opened.
  assert.throws(() => writeSafetensors(path, { b: { data: new Float32Array(2), shape: [3] } }), /does not match/);
  // A write that fails late (the rename, onto a non-empty directory) removes its temporary.
  const busy = join(dir, 'busy');
  mkdirSync(busy);
  writeFileSync(join(busy, 'keep'), 'x');
  assert.throws(() => writeSafetensors(busy, { a: { data: Float32Array.from([1]), shape: [1] } }), /EISDIR|ENOTEMPTY|EEXIST/);
  assert.deepEqual(readdirSync(dir).sort(), ['busy', 'x.safetensors']);
  assert.deepEqual([...(readSafetensors(path).tensors.get('a')!.data as Float32Array)], [1]);
  // pid 2^22 + 1 is above Linux's pid_max default ceiling: no such process.
  const stale = `${path}.tmp-4194305`;
  writeFileSync(stale, 'partial');
  writeFileSync(`${path}.tmp-${process.pid}`, 'ours, in flight');
  assert.deepEqual(staleTemps(path), [stale]);
  assert.deepEqual(removeStaleTemps(path), [stale]);
  assert.deepEqual(readdirSync(dir).sort(), ['busy', 'x.safetensors', `x.safetensors.tmp-${process.pid}`]);
});
