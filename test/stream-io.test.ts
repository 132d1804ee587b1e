/**
 * Request streams (hackathon parquet, NDJSON, CSV), the generator, metrics, the evaluator's batching
 * and clock, and the symbol → slot manager.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { BatchResult, RequestsBySymbol } from '../lib/stream/engine.js';
import { evaluate } from '../lib/stream/evaluator.js';
import { generateStream } from '../lib/stream/generate.js';
import { percentile, towerErrors } from '../lib/stream/metrics.js';
import { readStream, writeStream } from '../lib/stream/records.js';
import { SymbolSlots } from '../lib/stream/slots.js';
import { HACKATHON_DIR as HACKATHON } from './stream-helpers.js';


test('reads the hackathon parquet streams (skipped without ../shared/fixtures/hackathon)', { skip: HACKATHON === '' }, async () => {
  const tiny = await readStream(join(HACKATHON, 'tiny.parquet'));
  assert.equal(tiny.length, 100);
  for (const r of tiny) {
    assert.equal(r.features.length, 79);
    assert.equal(r.targets?.length, 4);
    assert.match(r.symbol, /^SYM_\d{3}$/);
    assert.ok(r.delayMs >= 0 && Number.isFinite(r.delayMs));
  }
  assert.deepEqual(tiny.map((r) => r.id), [...Array(100).keys()]);
  const small = await readStream(join(HACKATHON, 'small.parquet'));
  assert.equal(small.length, 1000);
  assert.ok(new Set(small.map((r) => r.symbol)).size > 10);
});

test('NDJSON and CSV round-trip with the hackathon column names', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-stream-'));
  try {
    const recs = generateStream({ requests: 25, symbols: 4, seed: 2 }).map((r) => ({ ...r, targets: Float32Array.of(1, 2, 3, r.id) }));
    for (const ext of ['ndjson', 'csv']) {
      const path = join(dir, `s.${ext}`);
      writeStream(path, recs);
      const back = await readStream(path);
      assert.equal(back.length, 25);
      back.forEach((b, i) => {
        assert.equal(b.symbol, recs[i].symbol);
        assert.deepEqual(b.features, recs[i].features);
        assert.deepEqual(b.targets, recs[i].targets);
        assert.equal(Math.fround(b.delayMs), Math.fround(recs[i].delayMs));
      });
    }
    await assert.rejects(readStream(join(dir, 's.txt')), /unknown stream format/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('generated streams are reproducible and repeat symbols', () => {
  const a = generateStream({ requests: 200, symbols: 10, seed: 4 });
  const b = generateStream({ requests: 200, symbols: 10, seed: 4 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, generateStream({ requests: 200, symbols: 10, seed: 5 }));
  const first32 = new Set(a.slice(0, 32).map((r) => r.symbol));
  assert.ok(first32.size < 32, 'busy symbols repeat inside a batch');
});

test('percentile (nearest rank) and tower errors', () => {
  assert.equal(percentile([5, 1, 3, 2, 4], 50), 3);
  assert.equal(percentile([...Array(100).keys()].map((i) => i + 1), 99), 99);
  assert.ok(Number.isNaN(percentile([], 50)));
  const e = towerErrors(new Map([[1, [1, 2, 3, 4]], [2, [0, 0, 0, NaN]]]), new Map([[1, [1, 1, 1, 1]], [2, [1, 0, 0, 0]], [3, [9, 9, 9, 9]]]))!;
  assert.deepEqual(e.slice(0, 3), [{ max: 1, mean: 0.5 }, { max: 1, mean: 0.5 }, { max: 2, mean: 1 }]);
  assert.ok(Number.isNaN(e[3].max));
});

class EchoPredictor {
  batches: number[] = [];
  processBatch(by: RequestsBySymbol): BatchResult {
    const ids: number[] = [];
    const predictions: number[][] = [];
    for (const reqs of (by instanceof Map ? by : new Map(Object.entries(by))).values()) {
      for (const r of reqs) {
        ids.push(r.id);
        predictions.push([r.features[0], r.features[0], r.features[0], r.features[0]]);
      }
    }
    this.batches.push(ids.length);
    return { ids, predictions };
  }
}

test('evaluator: fixed batches, latency = batch time, errors vs targets and reference', () => {
  const recs = generateStream({ requests: 10, symbols: 3, seed: 1 }).map((r) => ({ ...r, targets: Float32Array.of(r.features[0], 0, 0, 0) }));
  let clock = 0;
  const p = new EchoPredictor();
  const rep = evaluate(p, recs, { batchSize: 4, now: () => (clock += 1) });
  assert.deepEqual(p.batches, [4, 4, 2]);
  assert.equal(rep.responseRate, 1);
  assert.equal(rep.latencyMs.p50, 1);
  assert.equal(rep.throughput, 10 / 3 * 1000);
  assert.equal(rep.vsTargets![0].max, 0);
  const ref = new Map(recs.map((r) => [r.id, [r.features[0], 0, 0, 0]]));
  assert.equal(evaluate(new EchoPredictor(), recs, { batchSize: 3, reference: ref }).vsReference![0].max, 0);
});

test('evaluator: arrival mode takes what has arrived, latency includes queueing', () => {
  const recs = generateStream({ requests: 6, symbols: 2, seed: 1 });
  [0, 0, 0, 10, 0.5, 100].forEach((d, i) => (recs[i].delayMs = d));
  // Each batch costs 2 ms of compute.
  let tick = 0;
  const p = new EchoPredictor();
  const rep = evaluate(p, recs, { batchSize: 8, mode: 'arrival', now: () => (tick++ % 2 === 0 ? 0 : 2) });
  // t=0: 3 arrived → done at 2; t=10: 1 → 12; 10.5 arrived meanwhile → done 14; t=110.5 → 112.5.
  assert.deepEqual(p.batches, [3, 1, 1, 1]);
  assert.equal(rep.latencyMs.max, 3.5);
  assert.equal(rep.responses, 6);
});

test('SymbolSlots: allocation, LRU eviction skipping pinned symbols, reject policy, assign', () => {
  const s = new SymbolSlots(2);
  assert.deepEqual(s.acquire('A'), { slot: 0, fresh: true });
  assert.deepEqual(s.acquire('B'), { slot: 1, fresh: true });
  assert.deepEqual(s.acquire('A'), { slot: 0, fresh: false });
  assert.deepEqual(s.acquire('C'), { slot: 1, fresh: true, evicted: 'B' });
  assert.deepEqual(s.acquire('D', new Set(['A'])), { slot: 1, fresh: true, evicted: 'C' });
  assert.throws(() => s.acquire('E', new Set(['A', 'D'])), /in use by the current batch/);
  const r = new SymbolSlots(1, 'reject');
  r.acquire('A');
  assert.throws(() => r.acquire('B'), /reject/);
  s.assign([['X', 1]]);
  assert.equal(s.slotOf('X'), 1);
  assert.deepEqual(s.acquire('Y'), { slot: 0, fresh: true });
  assert.throws(() => s.assign([['P', 0], ['Q', 0]]), /twice/);
  assert.throws(() => new SymbolSlots(0), RangeError);
});
