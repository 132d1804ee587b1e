/**
 * The gateway: the hackathon TCP protocol on one side (it connects to the server like the serving
 * client does), the cluster on the other. Each request is published on req.<symbol>; answers come
 * from the responses stream, where JetStream has already dropped replayed duplicates, and go back as
 * `inference_response` messages — a symbol's answers in the order its partition's owner produced them.
 * An id the gateway is not waiting for (answered already, or unknown) is never sent twice.
 */
import { connect as tcpConnect } from 'node:net';
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import { Connection } from '../connection.js';
import type { InferenceRequestMessage, Message } from '../protocol.js';
import { publishSubject, RESPONSE_STREAM, symbolToken, type RequestBody, type ResponseBody } from './names.js';
import { connectCluster, openCluster, type ClusterHandles } from './setup.js';

export interface GatewayOptions {
  servers: string[];
  host?: string;
  port: number;
  /** Send answers in one message per this many ms at most (default 2). */
  flushMs?: number;
  log?: (line: string) => void;
}

export interface GatewayStats {
  requests: number;
  answered: number;
  duplicatesDropped: number;
  publishErrors: number;
}

export class ClusterGateway {
  readonly stats: GatewayStats = { requests: 0, answered: 0, duplicatesDropped: 0, publishErrors: 0 };
  private h!: ClusterHandles;
  private conn?: Connection;
  private responses?: ConsumerMessages;
  private readonly pending = new Set<number>();
  private outIds: number[] = [];
  private outPreds: number[][] = [];
  private flushTimer?: NodeJS.Timeout;
  private resolveClosed!: () => void;
  readonly closed = new Promise<void>((r) => (this.resolveClosed = r));

  constructor(readonly opts: GatewayOptions) {}

  private log(line: string): void {
    this.opts.log?.(`[gateway] ${line}`);
  }

  async start(): Promise<void> {
    this.h = await openCluster(await connectCluster(this.opts.servers, 'hashmac-gateway'));
    // Only answers produced from now on: an ordered consumer re-creates itself across server failures.
    const consumer = await this.h.js.consumers.get(RESPONSE_STREAM, { deliver_policy: DeliverPolicy.New });
    this.responses = await consumer.consume();
    void (async () => {
      for await (const m of this.responses!) this.answer(m.json<ResponseBody>());
    })().catch((e) => this.log(`responses: ${(e as Error).message}`));
    const socket = tcpConnect({ host: this.opts.host ?? '127.0.0.1', port: this.opts.port });
    this.conn = new Connection(socket, {
      onMessage: (m) => this.onMessage(m),
      onInvalid: (e) => this.log(`invalid message: ${e}`),
      onClose: () => void this.stop(),
    });
    socket.once('connect', () => this.conn?.send({ message_type: 'register' }));
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
      this.h.js.publish(publishSubject(symbolToken(body.symbol)), JSON.stringify(body), { msgID: String(id) }).catch((e) => {
        // The publish may still have been stored; a retry with the same id is absorbed downstream.
        this.stats.publishErrors++;
        this.log(`publish ${id}: ${(e as Error).message}; retrying`);
        setTimeout(() => (this.pending.delete(id), this.publish({ ...m, unique_ids: [id], symbols: [m.symbols[i]], features: [m.features[i]] })), 500);
      });
    });
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
    if (!this.h) return;
    this.flush();
    this.conn?.close();
    await this.responses?.close();
    await this.h.nc.drain().catch(() => undefined);
    this.resolveClosed();
  }
}
