/**
 * The inference client: connects to a hackathon-compatible server, registers, queues incoming
 * requests per symbol (bounded; overflow is dropped as the hackathon client does), and serves them in
 * dynamic batches — whenever the predictor is free it takes everything queued. Heartbeats every
 * `heartbeatMs`; if the connection drops it reconnects (up to `retries` times, `retryDelayMs` apart).
 */
import { connect } from 'node:net';
import { Connection } from './connection.js';
import type { ConnectionLimits } from './connection-limits.js';
import { nonFiniteFeature, type StreamRequest } from './engine.js';
import type { Predictor } from './evaluator.js';
import { printable, type InferenceRequestMessage, type Message, type ScoreUpdateMessage } from './protocol.js';

export interface ClientOptions extends ConnectionLimits {
  host?: string;
  port: number;
  /** Per-symbol queue bound (default 100, as in the hackathon client). */
  maxQueue?: number;
  /** Features per request; requests with another count are dropped on arrival. */
  numFeatures?: number;
  heartbeatMs?: number;
  retries?: number;
  retryDelayMs?: number;
  log?: (line: string) => void;
  onScore?: (score: ScoreUpdateMessage) => void;
}

export interface ClientStats {
  received: number;
  answered: number;
  dropped: number;
  /** Requests refused with an `error` reply (a non-finite feature). */
  rejected: number;
  batches: number;
  serverErrors: number;
  invalidMessages: number;
  connections: number;
}

export class StreamClient {
  readonly stats: ClientStats = { received: 0, answered: 0, dropped: 0, rejected: 0, batches: 0, serverErrors: 0, invalidMessages: 0, connections: 0 };
  private conn?: Connection;
  private readonly queues = new Map<string, StreamRequest[]>();
  private scheduled = false;
  private stopped = false;
  private attempts = 0;
  private heartbeat?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private lastError?: string;
  /** Why the client stopped on its own (server unreachable after every retry); undefined after stop(). */
  failure?: string;
  private resolveClosed!: () => void;
  /** Resolves when the client stops (stop(), or the server is gone after all retries). */
  readonly closed: Promise<void>;

  constructor(readonly predictor: Predictor, readonly opts: ClientOptions) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
  }

  private log(line: string): void {
    this.opts.log?.(line);
  }

  start(): void {
    this.heartbeat = setInterval(() => this.conn?.send({ message_type: 'heartbeat', timestamp: Date.now() / 1000 }), this.opts.heartbeatMs ?? 5000);
    this.connect();
  }

  private connect(): void {
    if (this.stopped) return;
    const socket = connect({ host: this.opts.host ?? '127.0.0.1', port: this.opts.port });
    let opened = false;
    socket.once('connect', () => {
      opened = true;
      this.attempts = 0;
      this.stats.connections++;
      this.log(`connected to ${this.opts.host ?? '127.0.0.1'}:${this.opts.port}`);
      conn.send({ message_type: 'register' });
    });
    const conn: Connection = new Connection(
      socket,
      {
        onMessage: (m) => this.onMessage(m),
        onInvalid: (error) => {
          this.stats.invalidMessages++;
          this.log(`ignored an invalid message: ${printable(error)}`);
        },
        onLimit: (reason) => (this.lastError = reason),
        onError: (e) => (this.lastError = e.message),
        onClose: () => {
          if (this.conn === conn) this.conn = undefined;
          if (this.stopped) return;
          this.log(`${opened ? 'connection closed' : 'connection failed'}${this.lastError ? `: ${this.lastError}` : ''}`);
          this.retry();
        },
      },
      { maxLineBytes: this.opts.maxLineBytes, maxBufferedBytes: this.opts.maxBufferedBytes, idleTimeoutMs: this.opts.idleTimeoutMs ?? 120_000 },
    );
    this.conn = conn;
  }

  private retry(): void {
    if (this.attempts >= (this.opts.retries ?? 5)) {
      this.failure = `server unreachable after ${this.attempts} retries${this.lastError ? ` (${this.lastError})` : ''}`;
      this.log(`giving up: ${this.failure}`);
      this.stop(this.failure);
      return;
    }
    this.attempts++;
    this.retryTimer = setTimeout(() => this.connect(), this.opts.retryDelayMs ?? 1000);
  }

  private onMessage(m: Message): void {
    switch (m.message_type) {
      case 'inference_request':
        this.enqueue(m);
        return;
      case 'score_update':
        this.opts.onScore?.(m);
        return;
      case 'error':
        this.stats.serverErrors++;
        this.log(`server error: ${printable(m.error)}${m.details ? ` (${printable(m.details)})` : ''}`);
        return;
      default:
        return;
    }
  }

  private enqueue(m: InferenceRequestMessage): void {
    const max = this.opts.maxQueue ?? 100;
    const refused: string[] = [];
    m.unique_ids.forEach((id, i) => {
      this.stats.received++;
      // A non-finite feature would poison the symbol's state for good: refused, with the id, before any queue.
      const bad = nonFiniteFeature(m.features[i]);
      if (bad !== undefined) {
        this.stats.rejected++;
        refused.push(`unique_id ${id}: feature ${bad} is ${m.features[i][bad]}, not a finite float32`);
        return;
      }
      const q = this.queues.get(m.symbols[i]) ?? [];
      const badShape = this.opts.numFeatures !== undefined && m.features[i].length !== this.opts.numFeatures;
      if (q.length >= max || badShape) {
        this.stats.dropped++;
        return;
      }
      q.push({ id, symbol: m.symbols[i], features: m.features[i] });
      this.queues.set(m.symbols[i], q);
    });
    if (refused.length > 0) this.conn?.send({ message_type: 'error', error: 'invalid request', details: refused.join('; ') });
    if (!this.scheduled) {
      this.scheduled = true;
      // Let the rest of the socket's data arrive first, so one batch takes everything queued.
      setImmediate(() => this.serve());
    }
  }

  private serve(): void {
    this.scheduled = false;
    if (this.queues.size === 0) return;
    const batch = new Map(this.queues);
    this.queues.clear();
    const conn = this.conn;
    let ids: number[] = [];
    let predictions: number[][] = [];
    try {
      ({ ids, predictions } = this.predictor.processBatch(batch));
    } catch (e) {
      // A request the model cannot take (e.g. wrong feature count) must not stop the client.
      for (const reqs of batch.values()) this.stats.dropped += reqs.length;
      this.log(`batch failed: ${(e as Error).message}`);
      return;
    }
    this.stats.batches++;
    if (conn?.send({ message_type: 'inference_response', unique_ids: ids, predictions, client_timestamp: Date.now() / 1000 })) {
      this.stats.answered += ids.length;
    }
  }

  stop(failure?: string): void {
    if (this.stopped) return;
    this.failure = failure;
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.retryTimer);
    this.conn?.close();
    this.conn = undefined;
    this.resolveClosed();
  }
}
