/**
 * The gateway: the hackathon TCP protocol on one side (it connects to the server like the serving
 * client does), the cluster on the other. Each request is published on req.<symbol>; answers come
 * from the responses stream, where JetStream has already dropped replayed duplicates, and go back as
 * `inference_response` messages — a symbol's answers in the order its partition's owner produced them.
 * An id the gateway is not waiting for (answered already, or unknown) is never sent twice.
 *
 * Publishing keeps each symbol's order even when a NATS server dies: a symbol has at most one publish
 * in flight, retried (same Nats-Msg-Id, so a stored-but-unacknowledged one is not stored twice) until
 * the request stream acknowledges it; only then is the symbol's next request published. Symbols are
 * published independently of each other.
 *
 * When the server the gateway is connected to dies, the client reconnects to another one of the list
 * (or one the cluster advertised); the publishes in flight fail or time out and are retried as above,
 * and the answers' ordered consumer is re-created from the last answer it delivered — or, before the
 * first one, from the end of the responses stream when the gateway started, so nothing produced
 * meanwhile is skipped (and nothing older replayed).
 */
import { connect as tcpConnect } from 'node:net';
import type { NatsConnection } from '@nats-io/transport-node';
import { Connection } from '../connection.js';
import type { InferenceRequestMessage, Message } from '../protocol.js';
import { publishSubject, RESPONSE_STREAM, symbolToken, type RequestBody, type ResponseBody } from './names.js';
import { Follower } from './follow.js';
import { connectCluster, openCluster, publishUntilStored, type ClusterHandles } from './setup.js';

export interface GatewayOptions {
  servers: string[];
  host?: string;
  port: number;
  /** Send answers in one message per this many ms at most (default 2). */
  flushMs?: number;
  /** Heartbeat to the server this often (default 5000 ms): while the cluster recovers from a failure
   *  no answer may flow for a while, and a server that drops silent clients must not drop us. */
  heartbeatMs?: number;
  /** Connect to servers[0] first (else a random one of the list); the chaos script uses it to kill
   *  the very server the gateway is connected to. */
  preferFirstServer?: boolean;
  log?: (line: string) => void;
}

export interface GatewayStats {
  requests: number;
  answered: number;
  duplicatesDropped: number;
  publishErrors: number;
  /** Times the NATS connection was lost and re-established on some server. */
  reconnects: number;
}

export class ClusterGateway {
  readonly stats: GatewayStats = { requests: 0, answered: 0, duplicatesDropped: 0, publishErrors: 0, reconnects: 0 };
  private h!: ClusterHandles;
  private conn?: Connection;
  private responses?: Follower;
  private readonly pending = new Set<number>();
  /** Requests waiting to be published, per symbol (the head is in flight). */
  private readonly outbox = new Map<string, RequestBody[]>();
  private outIds: number[] = [];
  private outPreds: number[][] = [];
  private flushTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private stopped = false;
  private resolveClosed!: () => void;
  readonly closed = new Promise<void>((r) => (this.resolveClosed = r));

  constructor(readonly opts: GatewayOptions) {}

  private log(line: string): void {
    this.opts.log?.(`[gateway] ${line}`);
  }

  async start(): Promise<void> {
    const nc = await connectCluster(this.opts.servers, 'hashmac-gateway', { noRandomize: this.opts.preferFirstServer });
    this.watchConnection(nc);
    this.h = await openCluster(nc);
    // Only answers produced from now on; a replaced consumer resumes after the last one delivered.
    let last = (await this.h.jsm.streams.info(RESPONSE_STREAM)).state.last_seq;
    this.responses = await Follower.start(this.h.js, {
      stream: RESPONSE_STREAM,
      from: () => last + 1,
      onMessage: (m) => {
        if (m.seq <= last) return; // a replaced consumer's, or a replacement's first ones again
        last = m.seq;
        this.answer(m.json<ResponseBody>());
      },
      what: 'answers',
      log: (l) => this.log(l),
    });
    const socket = tcpConnect({ host: this.opts.host ?? '127.0.0.1', port: this.opts.port });
    this.conn = new Connection(socket, {
      onMessage: (m) => this.onMessage(m),
      onInvalid: (e) => this.log(`invalid message: ${e}`),
      onClose: () => void this.stop(),
    });
    socket.once('connect', () => this.conn?.send({ message_type: 'register' }));
    this.heartbeat = setInterval(() => this.conn?.send({ message_type: 'heartbeat', timestamp: Date.now() / 1000 }), this.opts.heartbeatMs ?? 5000);
  }

  /** Ids published and not answered yet. */
  waiting(): number[] {
    return [...this.pending];
  }

  /** The server this gateway is connected to now (its `server_name`), if connected. */
  get server(): string | undefined {
    return this.h?.nc.info?.server_name;
  }

  private watchConnection(nc: NatsConnection): void {
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') this.log(`lost NATS server ${s.server}; reconnecting`);
        else if (s.type === 'reconnect') {
          this.stats.reconnects++;
          this.log(`reconnected to NATS server ${s.server} (${nc.info?.server_name})`);
        }
      }
    })().catch(() => undefined);
  }

  private onMessage(m: Message): void {
    if (m.message_type === 'inference_request') this.publish(m);
    else if (m.message_type === 'error') this.log(`server error: ${m.error} ${m.details ?? ''}`);
  }

  private publish(m: InferenceRequestMessage): void {
    m.unique_ids.forEach((id, i) => {
      if (this.pending.has(id)) return;
      this.pending.add(id);
      this.stats.requests++;
      const body: RequestBody = { id, symbol: m.symbols[i], features: m.features[i] };
      const queue = this.outbox.get(body.symbol);
      if (queue) queue.push(body);
      else {
        this.outbox.set(body.symbol, [body]);
        void this.drainSymbol(body.symbol);
      }
    });
  }

  /** Publishes a symbol's queued requests one after another, each until it is stored. */
  private async drainSymbol(symbol: string): Promise<void> {
    const queue = this.outbox.get(symbol)!;
    const subject = publishSubject(symbolToken(symbol));
    try {
      while (queue.length > 0 && !this.stopped) {
        const body = queue[0];
        await publishUntilStored(this.h.js, subject, JSON.stringify(body), String(body.id), (e, attempt) => {
          this.stats.publishErrors++;
          if (this.stopped) throw e;  // a stopped gateway leaves the rest unpublished
          if (attempt % 10 === 0) this.log(`publish ${body.id}: ${e.message}; retrying`);
        });
        queue.shift();
      }
    } catch {
      // stopped while publishing
    } finally {
      this.outbox.delete(symbol);
    }
  }

  private answer(r: ResponseBody): void {
    if (!this.pending.delete(r.id)) {
      this.stats.duplicatesDropped++;
      return;
    }
    this.stats.answered++;
    this.outIds.push(r.id);
    this.outPreds.push(r.prediction);
    this.flushTimer ??= setTimeout(() => this.flush(), this.opts.flushMs ?? 2);
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.outIds.length === 0) return;
    this.conn?.send({ message_type: 'inference_response', unique_ids: this.outIds, predictions: this.outPreds, client_timestamp: Date.now() / 1000 });
    this.outIds = [];
    this.outPreds = [];
  }

  async stop(): Promise<void> {
    if (!this.h || this.stopped) return;
    this.stopped = true;
    clearInterval(this.heartbeat);
    this.flush();
    this.conn?.close();
    this.responses?.close();
    await this.h.nc.drain().catch(() => undefined);
    this.resolveClosed();
  }
}
