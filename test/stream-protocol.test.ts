/**
 * The live protocol: message checking, line framing with a size limit, and the whole loop — local
 * replay server ⇄ client — on loopback, including malformed and oversized input and a reconnect.
 * Every loop here is bounded: the server finishes after a fixed stream and a short response timeout.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { test } from 'node:test';
import fc from 'fast-check';
import { StreamClient } from '../lib/stream/client.js';
import type { BatchResult, RequestsBySymbol } from '../lib/stream/engine.js';
import { generateStream } from '../lib/stream/generate.js';
import { decodeMessage, encodeMessage, LineReader, type Message } from '../lib/stream/protocol.js';
import { ReplayServer } from '../lib/stream/replay-server.js';

/** A deterministic stand-in model: tower t predicts t + (sum of features) + (requests seen for the symbol). */
class CountingPredictor {
  readonly seen = new Map<string, number>();
  processBatch(by: RequestsBySymbol): BatchResult {
    const ids: number[] = [];
    const predictions: number[][] = [];
    for (const [symbol, reqs] of by instanceof Map ? by : Object.entries(by)) {
      for (const r of reqs) {
        const n = (this.seen.get(symbol) ?? 0) + 1;
        this.seen.set(symbol, n);
        const s = Array.from(r.features).reduce((a, b) => a + b, 0);
        ids.push(r.id);
        predictions.push([0, 1, 2, 3].map((t) => t + s + n));
      }
    }
    return { ids, predictions };
  }
}

test('protocol: every message type round-trips through encode/decode', () => {
  const msgs: Message[] = [
    { message_type: 'register' },
    { message_type: 'inference_request', unique_ids: [1, 2], symbols: ['SYM_000', 'SYM_001'], features: [[0.5], [1.5]], timestamp: 12.5 },
    { message_type: 'inference_response', unique_ids: [1], predictions: [[1, 2, 3, 4]], client_timestamp: 3 },
    { message_type: 'score_update', unique_ids: [1], trade_pnls: [0.1], accuracies: [0.2], latencies_ms: [0.3] },
    { message_type: 'heartbeat', timestamp: 4 },
    { message_type: 'error', error: 'x', details: 'y' },
  ];
  for (const m of msgs) {
    const line = encodeMessage(m);
    assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'));
    const d = decodeMessage(line.slice(0, -1));
    assert.ok(d.ok, JSON.stringify(d));
    assert.deepEqual(d.message, m);
  }
});

test('protocol: malformed messages become errors naming the problem', () => {
  const bad: [string, RegExp][] = [
    ['{not json', /not JSON/],
    ['[1,2]', /JSON object/],
    ['{"message_type":"launch"}', /unknown message type/],
    ['{"message_type":"inference_request","unique_ids":[1],"symbols":["A"],"timestamp":1}', /missing field features/],
    ['{"message_type":"inference_request","unique_ids":[1,2],"symbols":["A"],"features":[[1],[2]],"timestamp":1}', /symbols/],
    ['{"message_type":"inference_request","unique_ids":[1.5],"symbols":["A"],"features":[[1]],"timestamp":1}', /integer/],
    ['{"message_type":"inference_response","unique_ids":[1],"predictions":[["a"]],"client_timestamp":1}', /number/],
    ['{"message_type":"heartbeat"}', /timestamp/],
  ];
  for (const [line, why] of bad) {
    const d = decodeMessage(line);
    assert.equal(d.ok, false, line);
    if (!d.ok) assert.match(d.error, why, line);
  }
});

test("protocol: Python's NaN/Infinity literals decode as NaN", () => {
  const d = decodeMessage('{"message_type": "inference_request", "unique_ids": [7], "symbols": ["S"], "features": [[NaN, 1.0, -Infinity]], "timestamp": 1.0}');
  assert.ok(d.ok);
  if (d.ok && d.message.message_type === 'inference_request') assert.deepEqual(d.message.features[0], [NaN, 1, NaN]);
});

test('property: decoding never throws, on any text or JSON value', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.json(), fc.jsonValue().map((v) => JSON.stringify({ message_type: 'inference_request', ...(typeof v === 'object' && v ? v : { v }) }))), (line) => {
      const d = decodeMessage(line);
      assert.equal(typeof d.ok, 'boolean');
    }),
    { numRuns: 500 },
  );
});

test('property: any chunking of a byte stream gives the same lines; over-long lines are counted, not returned', () => {
  const lineArb = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }).map((l) => l.replace(/\n/g, ' ')), fc.constant('z'.repeat(40)));
  fc.assert(
    fc.property(fc.array(lineArb, { maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 8 }), (lines, cuts) => {
      const bytes = Buffer.from(lines.map((l) => l + '\n').join(''));
      const r = new LineReader(32);
      const got: string[] = [];
      let oversized = 0;
      for (let at = 0, i = 0; at < bytes.length; i++) {
        const next = Math.min(bytes.length, at + cuts[i % cuts.length]);
        const res = r.push(bytes.subarray(at, next));
        got.push(...res.lines);
        oversized += res.oversized;
        at = next;
      }
      const fits = lines.filter((l) => Buffer.byteLength(l) <= 32);
      assert.deepEqual(got, fits.filter((l) => l.trim() !== ''));
      assert.equal(oversized, lines.length - fits.length);
    }),
    { numRuns: 300 },
  );
});

test('LineReader: splits across chunks and skips oversized lines without losing the next', () => {
  const r = new LineReader(16);
  assert.deepEqual(r.push(Buffer.from('abc\nde')), { lines: ['abc'], oversized: 0 });
  assert.deepEqual(r.push(Buffer.from('f\n')), { lines: ['def'], oversized: 0 });
  assert.deepEqual(r.push(Buffer.from('x'.repeat(10))), { lines: [], oversized: 0 });
  assert.deepEqual(r.push(Buffer.from('y'.repeat(10))), { lines: [], oversized: 1 });
  assert.deepEqual(r.push(Buffer.from('zzz\nok\n')), { lines: ['ok'], oversized: 0 });
  assert.deepEqual(r.push(Buffer.from('q'.repeat(40) + '\nfine\n')), { lines: ['fine'], oversized: 1 });
});

test('replay server ⇄ client: every request answered in order per symbol, scored, on loopback', async () => {
  const records = generateStream({ requests: 120, symbols: 7, features: 5, meanDelayMs: 0.2, seed: 3 });
  const server = new ReplayServer(records, { responseTimeoutMs: 3000, heartbeatMs: 50 });
  const port = await server.listen();
  const predictor = new CountingPredictor();
  let scored = 0;
  const client = new StreamClient(predictor, { port, heartbeatMs: 50, retries: 0, onScore: (s) => (scored += s.unique_ids.length) });
  client.start();
  const summary = await server.done;
  client.stop();
  await server.close();
  assert.equal(summary.responses, 120);
  assert.equal(summary.responseRate, 1);
  assert.equal(summary.invalidMessages, 0);
  assert.ok(summary.latencyMs.p99 >= summary.latencyMs.p50 && summary.latencyMs.p50 >= 0);
  // The k-th request of a symbol saw k-1 before it (order kept across dynamic batches).
  const count = new Map<string, number>();
  for (const r of records) {
    const k = (count.get(r.symbol) ?? 0) + 1;
    count.set(r.symbol, k);
    const s = Array.from(r.features).reduce((a, b) => a + b, 0);
    assert.deepEqual(summary.predictions.get(r.id), [0, 1, 2, 3].map((t) => t + s + k));
  }
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(scored > 0);
});

test('replay server: malformed and oversized input is answered with errors, the connection survives', async () => {
  const records = generateStream({ requests: 3, symbols: 2, features: 4, meanDelayMs: 0, seed: 5 });
  const server = new ReplayServer(records, { responseTimeoutMs: 2000, maxLineBytes: 1024 });
  const port = await server.listen();
  const socket = connect({ port, host: '127.0.0.1' });
  const received: Message[] = [];
  let buf = '';
  socket.on('data', (c) => {
    buf += c.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const d = decodeMessage(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      if (d.ok) received.push(d.message);
    }
  });
  await new Promise((r) => socket.once('connect', r));
  socket.write('this is not json\n');
  socket.write('x'.repeat(5000) + '\n');
  socket.write('{"message_type":"inference_response","unique_ids":[0]}\n');
  socket.write(encodeMessage({ message_type: 'register' }));
  const waitFor = async (pred: () => boolean) => {
    for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(pred());
  };
  // All three records are due at once: one message carries them.
  const requested = () => received.flatMap((m) => (m.message_type === 'inference_request' ? m.unique_ids : []));
  await waitFor(() => requested().length === 3);
  assert.equal(received.filter((m) => m.message_type === 'inference_request').length, 1);
  assert.equal(received.filter((m) => m.message_type === 'error').length, 3);
  // An unknown id is rejected; the real ones are scored.
  socket.write(encodeMessage({ message_type: 'inference_response', unique_ids: [999], predictions: [[0, 0, 0, 0]], client_timestamp: 0 }));
  socket.write(encodeMessage({ message_type: 'inference_response', unique_ids: [0, 1, 2], predictions: [[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], client_timestamp: 0 }));
  const summary = await server.done;
  socket.destroy();
  await server.close();
  assert.equal(summary.invalidMessages, 3);
  assert.equal(summary.rejectedIds, 1);
  assert.equal(summary.responses, 3);
  assert.deepEqual(summary.predictions.get(2), [3, 3, 3, 3]);
});

test('client reconnects after a dropped connection and the replay resumes', async () => {
  const records = generateStream({ requests: 40, symbols: 3, features: 3, meanDelayMs: 1, seed: 9 });
  const server = new ReplayServer(records, { responseTimeoutMs: 1500 });
  const port = await server.listen();
  const predictor = new CountingPredictor();
  let killed = false;
  const client = new StreamClient(predictor, {
    port, retries: 3, retryDelayMs: 20,
    onScore: () => {
      // Drop the connection once, mid-stream, from the client side.
      if (!killed) {
        killed = true;
        (client as unknown as { conn: { socket: { destroy(): void } } }).conn.socket.destroy();
      }
    },
  });
  client.start();
  const summary = await server.done;
  client.stop();
  await server.close();
  assert.equal(summary.connections, 2);
  assert.equal(client.stats.connections, 2);
  assert.equal(summary.sent, 40);
  assert.ok(summary.responses >= 30, `responses ${summary.responses}`);
});

test('client gives up after its retries when no server listens', async () => {
  const probe = new ReplayServer([], {});
  const port = await probe.listen();
  await probe.close();
  const client = new StreamClient(new CountingPredictor(), { port, retries: 2, retryDelayMs: 10 });
  client.start();
  await client.closed;
  assert.equal(client.stats.connections, 0);
});

test('client: malformed and oversized server messages are skipped, later requests still answered', async () => {
  const { createServer } = await import('node:net');
  const answered: Message[] = [];
  const server = createServer((socket) => {
    let buf = '';
    socket.on('data', (c) => {
      buf += c.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const d = decodeMessage(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (!d.ok) continue;
        if (d.message.message_type === 'register') {
          socket.write('garbage\n' + 'y'.repeat(3000) + '\n{"message_type":"inference_request","unique_ids":[1]}\n');
          socket.write(encodeMessage({ message_type: 'inference_request', unique_ids: [5, 6], symbols: ['A', 'A'], features: [[1, 2], [3, 4]], timestamp: 0 }));
          // Wrong feature count for this client: dropped, not answered.
          socket.write(encodeMessage({ message_type: 'inference_request', unique_ids: [7], symbols: ['B'], features: [[1, 2, 3]], timestamp: 0 }));
        } else if (d.message.message_type === 'inference_response') answered.push(d.message);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  const client = new StreamClient(new CountingPredictor(), { port, retries: 0, maxLineBytes: 1024, numFeatures: 2 });
  client.start();
  for (let i = 0; i < 200 && answered.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 30));
  client.stop();
  await new Promise<void>((r) => server.close(() => r()));
  assert.equal(client.stats.invalidMessages, 3);
  assert.equal(client.stats.dropped, 1);
  const ids = answered.flatMap((m) => (m.message_type === 'inference_response' ? m.unique_ids : []));
  assert.deepEqual(ids, [5, 6]);
});
