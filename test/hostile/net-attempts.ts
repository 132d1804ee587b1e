/**
 * Hostile peers on loopback: against the replay server (run in a child process whose RSS is read
 * after GC) and against the `stream serve` client (in process, facing a fake server).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { StreamClient } from '../../lib/stream/client.js';
import type { Predictor } from '../../lib/stream/evaluator.js';
import type { BatchResult, RequestsBySymbol } from '../../lib/stream/engine.js';
import type { Attempt, Outcome } from './attempts.js';

const MiB = 1 << 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Memory a server may gain under attack (its limits allow ~1 MiB per partial line, 16 MiB of unsent replies). */
export const RSS_BOUND = 48 * MiB;

interface Child {
  port: number;
  rss0: number;
  ask<T>(what: string): Promise<T>;
  stop(): Promise<void>;
}

async function serverChild(opts: object = {}): Promise<Child> {
  const child: ChildProcess = fork(join(__dirname, '..', 'helpers', 'replay-child.ts'), [JSON.stringify(opts)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const first = await new Promise<{ port: number; rss: number }>((resolve, reject) => {
    child.once('message', resolve as (m: unknown) => void);
    child.once('exit', (c) => reject(new Error(`replay child exited with ${c}`)));
  });
  return {
    port: first.port,
    rss0: first.rss,
    ask: <T>(what: string) => new Promise<T>((r) => {
      child.once('message', r as (m: unknown) => void);
      child.send(what);
    }),
    stop: async () => {
      child.kill('SIGKILL');
      await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    },
  };
}

const open = (port: number) => new Promise<Socket>((resolve, reject) => {
  const s = connect({ port, host: '127.0.0.1' }, () => resolve(s));
  s.once('error', reject);
});

/** RSS growth of the server while `attack` holds its connections; refused when under RSS_BOUND. */
async function rssAttack(name: string, opts: object, attack: (port: number) => Promise<Socket[]>): Promise<Outcome> {
  const c = await serverChild(opts);
  try {
    const sockets = await attack(c.port);
    await sleep(1500);
    const { rss } = await c.ask<{ rss: number }>('rss');
    for (const s of sockets) s.destroy();
    const grew = rss - c.rss0;
    return { rejected: grew < RSS_BOUND, clear: true, detail: `${name}: server RSS +${(grew / MiB).toFixed(1)} MiB (bound ${RSS_BOUND / MiB} MiB)` };
  } finally {
    await c.stop();
  }
}

class CountingPredictor implements Predictor {
  seen: number[] = [];
  /** Long decimals make replies larger than requests, so unread replies fill the kernel's buffers fast. */
  constructor(private readonly value = 0) {}
  processBatch(batch: RequestsBySymbol): BatchResult {
    const ids: number[] = [];
    const predictions: number[][] = [];
    for (const reqs of batch instanceof Map ? batch.values() : Object.values(batch)) {
      for (const r of reqs) {
        ids.push(r.id);
        predictions.push([this.value, this.value, this.value, this.value]);
      }
    }
    this.seen.push(...ids);
    return { ids, predictions };
  }
}

/** A fake server for the client: `onClient` gets each accepted socket. */
async function fakeServer(onClient: (s: Socket) => void): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
    onClient(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
}

const request = (id: number, features: string) => `{"message_type":"inference_request","unique_ids":[${id}],"symbols":["S"],"features":[${features}],"timestamp":0}\n`;

export function netAttempts(): Attempt[] {
  return [
    {
      category: 'network',
      name: 'server: 20 connections each sending 3 MiB with no newline',
      timeoutMs: 60_000,
      run: () => rssAttack('partial lines', {}, async (port) => {
        const socks = await Promise.all(Array.from({ length: 20 }, () => open(port)));
        const junk = Buffer.alloc(3 * MiB, 0x61);
        await Promise.all(socks.map((s) => new Promise((r) => s.write(junk, r))));
        return socks;
      }),
    },
    {
      category: 'network',
      name: 'server: a peer sends 2M invalid lines and never reads the error replies',
      timeoutMs: 60_000,
      run: () => rssAttack('slow reader', {}, async (port) => {
        const s = await open(port);
        s.pause();
        s.write(Buffer.from('x\n'.repeat(2_000_000)));
        return [s];
      }),
    },
    {
      category: 'network',
      name: 'server: 200 connections at once (cap 32)',
      timeoutMs: 60_000,
      run: async () => {
        const c = await serverChild({ maxConnections: 32 });
        try {
          const socks = await Promise.all(Array.from({ length: 200 }, () => open(c.port).catch(() => undefined)));
          await sleep(1000);
          const { sockets } = await c.ask<{ sockets: number }>('sockets');
          for (const s of socks) s?.destroy();
          return { rejected: sockets <= 32, clear: true, detail: `server holds ${sockets} of 200 connections` };
        } finally {
          await c.stop();
        }
      },
    },
    {
      category: 'network',
      name: 'server: an idle connection (timeout 500 ms)',
      timeoutMs: 60_000,
      run: async () => {
        const c = await serverChild({ idleTimeoutMs: 500 });
        try {
          const s = await open(c.port);
          const t0 = performance.now();
          const closed = await Promise.race([new Promise((r) => s.once('close', () => r(true))), sleep(5000).then(() => false)]);
          s.destroy();
          return { rejected: closed === true, clear: true, detail: closed ? `closed after ${(performance.now() - t0).toFixed(0)} ms` : 'still open after 5 s' };
        } finally {
          await c.stop();
        }
      },
    },
    {
      category: 'network',
      name: 'client: a server that floods requests and never reads the responses',
      timeoutMs: 60_000,
      run: async () => {
        let written = 0;
        const fake = await fakeServer((s) => {
          s.pause();
          const ids = Array.from({ length: 8 }, (_, i) => i);
          const line = `{"message_type":"inference_request","unique_ids":[${ids}],"symbols":[${ids.map((i) => `"S${i}"`)}],"features":[${ids.map(() => '[1]')}],"timestamp":0}\n`;
          const flood = () => {
            while (s.writable && written < 64 * MiB) {
              written += line.length;
              if (!s.write(line)) return void s.once('drain', flood);
            }
          };
          flood();
        });
        const client = new StreamClient(new CountingPredictor(0.12345678901234568), { port: fake.port, retries: 0, numFeatures: 1, maxBufferedBytes: 64 * 1024, maxQueue: 1e9 });
        client.start();
        const counts: number[] = [];
        for (let i = 0; i < 8; i++) {
          await sleep(500);
          counts.push(client.stats.received);
        }
        const a = counts[6], b = counts[7];
        client.stop();
        await fake.close();
        return { rejected: b === a, clear: true, detail: `client took ${a} then ${b} requests (server offered ${written} bytes); reading ${b === a ? 'paused' : 'went on'}` };
      },
    },
    {
      category: 'network',
      name: 'client: a 16 MiB line without newline, then a valid request',
      timeoutMs: 60_000,
      run: async () => {
        const fake = await fakeServer((s) => {
          s.write(Buffer.alloc(16 * MiB, 0x62));
          s.write('\n' + request(5, '[1,2,3]'));
        });
        const predictor = new CountingPredictor();
        const client = new StreamClient(predictor, { port: fake.port, retries: 0, numFeatures: 3 });
        client.start();
        for (let i = 0; i < 100 && predictor.seen.length === 0; i++) await sleep(50);
        client.stop();
        await fake.close();
        const ok = client.stats.invalidMessages === 1 && predictor.seen.includes(5);
        return { rejected: ok, clear: ok, detail: `invalid ${client.stats.invalidMessages}, served ${predictor.seen}` };
      },
    },
    {
      category: 'network',
      name: 'client: Python NaN feature in a request',
      timeoutMs: 30_000,
      run: async () => {
        let reply = '';
        const fake = await fakeServer((s) => {
          s.on('data', (d) => (reply += d));
          s.write(request(7, '[NaN,1,2]') + request(8, '[0,1,2]'));
        });
        const predictor = new CountingPredictor();
        const client = new StreamClient(predictor, { port: fake.port, retries: 0, numFeatures: 3 });
        client.start();
        for (let i = 0; i < 100 && !/unique_id 7/.test(reply); i++) await sleep(50);
        client.stop();
        await fake.close();
        const ok = /"message_type":"error".*unique_id 7: feature 0 is NaN/.test(reply);
        return { rejected: !predictor.seen.includes(7), clear: ok, detail: `served ${predictor.seen}; reply ${reply.split('\n').find((l) => l.includes('error'))?.slice(0, 160)}` };
      },
    },
    {
      category: 'network',
      name: 'client: terminal escape sequences in a server error',
      timeoutMs: 30_000,
      run: async () => {
        const fake = await fakeServer((s) => s.write('{"message_type":"error","error":"\\u001b[2J\\u001b]0;owned\\u0007","details":"\\r\\u202eevil"}\n'));
        const lines: string[] = [];
        const client = new StreamClient(new CountingPredictor(), { port: fake.port, retries: 0, log: (l) => lines.push(l) });
        client.start();
        for (let i = 0; i < 100 && !lines.some((l) => l.startsWith('server error')); i++) await sleep(50);
        client.stop();
        await fake.close();
        const line = lines.find((l) => l.startsWith('server error')) ?? '';
        // eslint-disable-next-line no-control-regex
        const clean = line !== '' && !/[\u0000-\u001f\u007f-\u009f\u202e]/.test(line);
        return { rejected: clean, clear: clean, detail: JSON.stringify(line) };
      },
    },
    {
      category: 'network',
      name: 'client: server unreachable',
      timeoutMs: 30_000,
      run: async () => {
        const fake = await fakeServer(() => {});
        const port = fake.port;
        await fake.close();
        const client = new StreamClient(new CountingPredictor(), { port, retries: 1, retryDelayMs: 50 });
        client.start();
        await client.closed;
        const f = client.failure ?? '';
        return { rejected: f !== '', clear: /ECONNREFUSED/.test(f), detail: f };
      },
    },
  ];
}
