/**
 * A local stand-in for the hackathon server (loopback only): streams a request file to the registered
 * client with the file's delays (scaled by `speed`), the records due at one moment in one
 * inference_request (up to `maxPerMessage`), scores every
 * inference_response (latency from send to receipt, error against the record's targets) with a
 * score_update, sends heartbeats, and answers malformed input with an error message without dropping
 * the connection. If the client reconnects and registers again, streaming resumes where it stopped.
 * Connections are capped in number, size of partial line, unread replies and idle time (connection.ts).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { TOWERS } from './config.js';
import { Connection } from './connection.js';
import type { ConnectionLimits } from './connection-limits.js';
import { percentile, towerErrors, type TowerError } from './metrics.js';
import type { Message } from './protocol.js';
import type { StreamRecord } from './records.js';

export interface ReplayOptions extends ConnectionLimits {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Multiplier on the recorded delays (0: send everything at once). Default 1. */
  speed?: number;
  /** How long to wait for outstanding responses after the last request is sent. Default 5000 ms. */
  responseTimeoutMs?: number;
  heartbeatMs?: number;
  /** Requests due at the same moment go out together, up to this many per message. Default 64. */
  maxPerMessage?: number;
  /** Connections open at once (default 32); more are refused as they arrive. */
  maxConnections?: number;
  log?: (line: string) => void;
}

export interface ReplaySummary {
  requests: number;
  sent: number;
  responses: number;
  responseRate: number;
  latencyMs: { mean: number; p50: number; p99: number; max: number };
  vsTargets?: TowerError[];
  invalidMessages: number;
  /** Responses naming ids that were never sent or already answered. */
  rejectedIds: number;
  connections: number;
  predictions: Map<number, number[]>;
}

const mean = (a: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
};

export class ReplayServer {
  private server?: Server;
  private active?: Connection;
  private readonly sockets = new Set<Socket>();
  private readonly sentAt = new Map<number, number>();
  private readonly byId = new Map<number, StreamRecord>();
  private readonly latencies: number[] = [];
  private readonly predictions = new Map<number, number[]>();
  private cursor = 0;
  private startedAt = -1;
  private pausedAt = 0;
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private finishTimer?: NodeJS.Timeout;
  private invalid = 0;
  private rejected = 0;
  private connections = 0;
  private finished = false;
  private resolveDone!: (s: ReplaySummary) => void;
  /** Resolves once every request was sent and answered (or the response timeout passed). */
  readonly done: Promise<ReplaySummary>;
  private readonly arrivals: number[];

  constructor(readonly records: readonly StreamRecord[], readonly opts: ReplayOptions = {}) {
    this.done = new Promise((r) => (this.resolveDone = r));
    let t = 0;
    const speed = opts.speed ?? 1;
    this.arrivals = records.map((r) => (t += r.delayMs * speed));
    for (const r of records) this.byId.set(r.id, r);
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  async listen(): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = this.opts.maxConnections ?? 32;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port ?? 0, this.opts.host ?? '127.0.0.1', () => resolve());
    });
    this.heartbeat = setInterval(() => this.active?.send({ message_type: 'heartbeat', timestamp: Date.now() / 1000 }), this.opts.heartbeatMs ?? 5000);
    return (server.address() as AddressInfo).port;
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    const conn: Connection = new Connection(
      socket,
      {
        onMessage: (m) => this.onMessage(conn, m),
        onInvalid: (error) => {
          this.invalid++;
          conn.send({ message_type: 'error', error: 'invalid message', details: error });
        },
        onLimit: (reason) => this.log(`closed a connection: ${reason}`),
        onClose: () => {
          if (this.active === conn) {
            this.active = undefined;
            this.pause();
          }
        },
      },
      { maxLineBytes: this.opts.maxLineBytes, maxBufferedBytes: this.opts.maxBufferedBytes, idleTimeoutMs: this.opts.idleTimeoutMs ?? 60_000 },
    );
  }

  private onMessage(conn: Connection, m: Message): void {
    switch (m.message_type) {
      case 'register':
        if (this.active && this.active !== conn) {
          conn.send({ message_type: 'error', error: 'another client is registered' });
          return;
        }
        if (this.finished) {
          conn.send({ message_type: 'error', error: 'replay finished' });
          return;
        }
        this.connections++;
        this.active = conn;
        this.log(`client registered (connection ${this.connections}), ${this.records.length - this.cursor} requests to send`);
        this.resume();
        return;
      case 'inference_response':
        if (conn !== this.active) {
          conn.send({ message_type: 'error', error: 'not registered' });
          return;
        }
        this.score(conn, m.unique_ids, m.predictions);
        return;
      case 'heartbeat':
        return;
      default:
        this.invalid++;
        conn.send({ message_type: 'error', error: `unexpected message from a client: ${m.message_type}` });
    }
  }

  private score(conn: Connection, ids: number[], preds: number[][]): void {
    const now = performance.now();
    const scored: number[] = [], pnls: number[] = [], accs: number[] = [], lats: number[] = [];
    ids.forEach((id, i) => {
      const sent = this.sentAt.get(id);
      const p = preds[i];
      if (sent === undefined || this.predictions.has(id) || p.length !== TOWERS.length) {
        this.rejected++;
        return;
      }
      const lat = now - sent;
      this.predictions.set(id, p);
      this.latencies.push(lat);
      const target = this.byId.get(id)!.targets;
      // Without prices, a toy trade: position = mean prediction, return = mean target.
      scored.push(id);
      lats.push(lat);
      accs.push(target ? mean(p.map((v, t) => Math.abs(v - target[t]))) : NaN);
      pnls.push(target ? mean(p) * mean(target) : 0);
    });
    if (ids.length > scored.length) conn.send({ message_type: 'error', error: 'rejected predictions', details: `${ids.length - scored.length} ids unknown, repeated or without ${TOWERS.length} values` });
    if (scored.length > 0) conn.send({ message_type: 'score_update', unique_ids: scored, trade_pnls: pnls, accuracies: accs, latencies_ms: lats });
    this.maybeFinish();
  }

  private resume(): void {
    if (this.startedAt < 0) this.startedAt = performance.now();
    else this.startedAt += performance.now() - this.pausedAt;
    this.pump();
  }

  private pause(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pausedAt = performance.now();
  }

  /** Sends every record whose time has come, then sleeps until the next one. */
  private pump(): void {
    this.timer = undefined;
    const conn = this.active;
    if (!conn) return;
    const elapsed = performance.now() - this.startedAt;
    const most = this.opts.maxPerMessage ?? 64;
    while (this.cursor < this.records.length && this.arrivals[this.cursor] <= elapsed) {
      const due: StreamRecord[] = [];
      while (due.length < most && this.cursor < this.records.length && this.arrivals[this.cursor] <= elapsed) due.push(this.records[this.cursor++]);
      const now = performance.now();
      for (const r of due) this.sentAt.set(r.id, now);
      conn.send({
        message_type: 'inference_request',
        unique_ids: due.map((r) => r.id),
        symbols: due.map((r) => r.symbol),
        features: due.map((r) => Array.from(r.features)),
        timestamp: Date.now() / 1000,
      });
    }
    if (this.cursor < this.records.length) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, this.arrivals[this.cursor] - (performance.now() - this.startedAt)));
    } else {
      this.finishTimer ??= setTimeout(() => this.finish(), this.opts.responseTimeoutMs ?? 5000);
      this.maybeFinish();
    }
  }

  private maybeFinish(): void {
    if (this.cursor === this.records.length && this.predictions.size === this.sentAt.size) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.finishTimer);
    const targets = new Map<number, Float32Array>();
    for (const r of this.records) if (r.targets) targets.set(r.id, r.targets);
    const lat = this.latencies;
    this.resolveDone({
      requests: this.records.length,
      sent: this.sentAt.size,
      responses: this.predictions.size,
      responseRate: this.records.length ? this.predictions.size / this.records.length : 1,
      latencyMs: { mean: mean(lat), p50: percentile(lat, 50), p99: percentile(lat, 99), max: lat.reduce((a, b) => Math.max(a, b), 0) },
      vsTargets: targets.size ? towerErrors(this.predictions, targets) : undefined,
      invalidMessages: this.invalid,
      rejectedIds: this.rejected,
      connections: this.connections,
      predictions: this.predictions,
    });
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    clearTimeout(this.timer);
    clearTimeout(this.finishTimer);
    clearInterval(this.heartbeat);
    for (const s of this.sockets) s.destroy();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }
}
