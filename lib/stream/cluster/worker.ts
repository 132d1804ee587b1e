/**
 * A cluster worker: one StreamEngine serving whole partitions of the request stream.
 *
 * - Ownership: a lease per partition in the lease bucket, taken with `create` (fails if someone holds
 *   it) and renewed with `update` at the expected revision (fails if it expired and someone else took
 *   it); an unrenewed lease expires with the bucket's TTL. Workers announce themselves under `w.<name>`
 *   the same way; each aims at ceil(partitions / live workers) leases, taking free ones and handing
 *   extra ones back (checkpoint first, then delete the lease).
 * - Work: one ordered consumer per owned partition (a single-subject filter, as 2.9 servers need),
 *   starting after the partition's checkpoint. The worker keeps its own offset (checkpoint + applied
 *   sequence), so it needs no durable consumer state: when a NATS server dies, the client library
 *   re-creates the consumer from the last stream sequence it delivered (no gap, no redelivery).
 *   Everything queued is processed as one engine batch (a symbol's requests in stream order), and
 *   every response is published with the request id as Nats-Msg-Id, retried until the stream
 *   acknowledges it (a lost ack during a leader election is absorbed by de-duplication).
 * - Batches, checkpoints, takeovers and hand-backs run one at a time (`exclusive`): a checkpoint
 *   never records a state whose answers are not yet stored.
 * - State: every `checkpointEvery` requests or `checkpointMs` a partition's symbols are written to the
 *   object store with the last applied stream sequence. A new owner loads it and replays from there;
 *   the engine runs batch-invariant kernels, so replayed predictions equal the lost ones bit for bit
 *   and the responses stream drops them as duplicates.
 */
import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { StreamEngine, type StreamRequest } from '../engine.js';
import { setBatchInvariant } from '../kernels.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { REQUEST_STREAM, partitionOf, requestFilter, responseSubject, symbolToken, type RequestBody, type ResponseBody } from './names.js';
import { connectCluster, openCluster, type ClusterHandles } from './setup.js';

export interface WorkerOptions {
  servers: string[];
  name: string;
  /** The engine (default: the small preset's seeded weights). Its eviction must be 'reject': an
   *  evicted symbol's state could not be checkpointed or replayed. */
  engine?: StreamEngine;
  checkpointEvery?: number;
  checkpointMs?: number;
  leaseTtlMs?: number;
  /** Requests taken per engine batch at most (default 256). */
  maxBatch?: number;
  log?: (line: string) => void;
}

interface Owned {
  partition: number;
  revision: number;
  messages: ConsumerMessages;
  /** Stream sequence of the last request applied to the engine's state. */
  applied: number;
  checkpointed: number;
  sinceCheckpoint: number;
  lastCheckpointAt: number;
  symbols: Set<string>;
}

export interface WorkerStats {
  processed: number;
  batches: number;
  checkpoints: number;
  checkpointBytes: number;
  takeovers: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ClusterWorker {
  readonly stats: WorkerStats = { processed: 0, batches: 0, checkpoints: 0, checkpointBytes: 0, takeovers: 0 };
  private h!: ClusterHandles;
  private engine!: StreamEngine;
  private readonly owned = new Map<number, Owned>();
  private queue: { owner: Owned; msg: JsMsg }[] = [];
  private wake?: () => void;
  private stopped = false;
  private loops: Promise<void>[] = [];
  private lock: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after every earlier exclusive section has finished. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => undefined);
    return run;
  }

  constructor(readonly opts: WorkerOptions) {}

  private log(line: string): void {
    this.opts.log?.(`[${this.opts.name}] ${line}`);
  }

  private get ttl(): number {
    return this.opts.leaseTtlMs ?? 3000;
  }

  async start(): Promise<void> {
    setBatchInvariant(true);
    this.engine = this.opts.engine ?? new StreamEngine({ capacity: 1024, eviction: 'reject' });
    if (this.engine.slots.policy !== 'reject') throw new Error(`${this.opts.name}: a cluster worker's engine needs eviction 'reject'`);
    this.engine.warmUp();
    const nc: NatsConnection = await connectCluster(this.opts.servers, this.opts.name);
    this.h = await openCluster(nc, { leaseTtlMs: this.ttl });
    await this.h.leases.put(`w.${this.opts.name}`, this.opts.name);
    this.loops = [this.leaseLoop(), this.workLoop()];
  }

  /** Renews leases, then balances: takes free partitions up to the target share, or hands one back. */
  private async leaseLoop(): Promise<void> {
    const every = Math.max(100, Math.floor(this.ttl / 3));
    while (!this.stopped) {
      // Renewals first, in parallel and with a deadline under the TTL: a slow request must not let
      // every lease expire behind it.
      await Promise.all(
        [...this.owned.values()].map(async (o) => {
          try {
            o.revision = await this.h.leases.update(`p.${o.partition}`, this.opts.name, o.revision, every);
          } catch (e) {
            if (!/wrong last sequence|key exists/i.test(String(e))) return this.log(`renew ${o.partition}: ${(e as Error).message}`);
            // A renewal whose reply was lost (a server died) may still have been stored: the lease is
            // still ours then, at a newer revision. Only this worker writes its name into the key.
            if (await this.stillOurs(o)) return;
            this.log(`lost partition ${o.partition}`);
            this.drop(o);
          }
        }),
      );
      try {
        await this.h.leases.put(`w.${this.opts.name}`, this.opts.name);
        await this.balance();
      } catch (e) {
        this.log(`lease loop: ${(e as Error).message}`);
      }
      await sleep(every);
    }
  }

  private async balance(): Promise<void> {
    const live = new Set<string>();
    for await (const k of await this.h.leases.keys('w.*')) live.add(k);
    const target = Math.ceil(this.h.partitions / Math.max(1, live.size));
    if (this.owned.size > target) {
      const o = [...this.owned.values()].pop()!;
      await this.exclusive(async () => {
        if (this.owned.get(o.partition) !== o) return;
        await this.checkpoint(o);
        this.drop(o);
        await this.h.leases.delete(`p.${o.partition}`);
      });
      this.log(`handed back partition ${o.partition}`);
      return;
    }
    // Start at a different partition per worker, so simultaneous starters rarely collide.
    const start = [...this.opts.name].reduce((a, c) => a + c.charCodeAt(0), 0);
    for (let i = 0; i < this.h.partitions && this.owned.size < target; i++) {
      const p = (start + i) % this.h.partitions;
      if (this.owned.has(p)) continue;
      let revision: number;
      try {
        revision = await this.h.leases.create(`p.${p}`, this.opts.name);
      } catch {
        continue; // held by someone else
      }
      await this.exclusive(() => this.takeOver(p, revision));
    }
  }

  private async takeOver(partition: number, revision: number): Promise<void> {
    const t0 = performance.now();
    const blob = await readCheckpoint(this.h, partition);
    let seq = 0;
    const symbols = new Set<string>();
    if (blob) {
      const c = decodeCheckpoint(blob, `p${partition}`);
      seq = c.seq;
      for (const s of c.symbols) {
        const a = this.engine.slots.acquire(s.symbol);
        this.engine.pool.write(a.slot, s.values);
        symbols.add(s.symbol);
      }
    }
    const consumer = await this.h.js.consumers.get(REQUEST_STREAM, {
      filter_subjects: requestFilter(partition),
      ...(seq > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq + 1 } : { deliver_policy: DeliverPolicy.All }),
    });
    const messages = await consumer.consume({ max_messages: 512 });
    const o: Owned = { partition, revision, messages, applied: seq, checkpointed: seq, sinceCheckpoint: 0, lastCheckpointAt: Date.now(), symbols };
    this.owned.set(partition, o);
    this.stats.takeovers++;
    this.log(`took partition ${partition} from seq ${seq + 1} (${symbols.size} symbols restored, ${(performance.now() - t0).toFixed(0)} ms)`);
    void (async () => {
      for await (const msg of messages) {
        this.queue.push({ owner: o, msg });
        this.wake?.();
      }
    })().catch((e) => this.log(`partition ${partition} consumer: ${(e as Error).message}`));
  }

  private drop(o: Owned): void {
    this.owned.delete(o.partition);
    void o.messages.close();
    this.queue = this.queue.filter((q) => q.owner !== o);
    for (const s of o.symbols) this.engine.resetSymbol(s);
  }

  private async workLoop(): Promise<void> {
    while (!this.stopped) {
      if (this.queue.length === 0) {
        await new Promise<void>((r) => {
          this.wake = r;
          setTimeout(r, 200);
        });
        this.wake = undefined;
        continue;
      }
      try {
        await this.exclusive(() => this.processQueued());
        await this.exclusive(() => this.maybeCheckpoint());
      } catch (e) {
        this.log(`work loop: ${(e as Error).message}`);
        await sleep(200);
      }
    }
  }

  private async processQueued(): Promise<void> {
    const take = this.queue.splice(0, this.opts.maxBatch ?? 256);
    const bySymbol = new Map<string, StreamRequest[]>();
    const done: { o: Owned; seq: number }[] = [];
    const symbolOf = new Map<number, string>();
    for (const { owner: o, msg } of take) {
      // Dropped meanwhile (the new owner replays it), or a message of an earlier ownership of this
      // partition by this worker still draining from its closed consumer.
      if (this.owned.get(o.partition) !== o) continue;
      const partition = o.partition;
      // The ordered consumer delivers the partition in stream order; after a reset it resumes past
      // the last message it handed over, so anything at or below `applied` is a message already applied.
      if (msg.seq <= o.applied) continue;
      const body = msg.json<RequestBody>();
      if (partitionOf(msg.subject) !== partition) throw new Error(`message ${msg.seq} on ${msg.subject} in partition ${partition}`);
      const list = bySymbol.get(body.symbol) ?? [];
      list.push({ id: body.id, symbol: body.symbol, features: body.features });
      bySymbol.set(body.symbol, list);
      symbolOf.set(body.id, body.symbol);
      o.symbols.add(body.symbol);
      o.applied = msg.seq;
      o.sinceCheckpoint++;
      done.push({ o, seq: msg.seq });
    }
    if (done.length === 0) return;
    const { ids, predictions } = this.engine.processBatch(bySymbol);
    await Promise.all(
      ids.map((id, i) => {
        const symbol = symbolOf.get(id)!;
        const body: ResponseBody = { id, symbol, prediction: predictions[i] };
        return this.publishResponse(body);
      }),
    );
    this.stats.processed += done.length;
    this.stats.batches++;
  }

  /**
   * Publishes one answer until the responses stream acknowledges it. While a server is down the stream
   * may have no leader for a few seconds (publishes fail or time out); a publish that was stored but
   * whose ack was lost is dropped as a duplicate when retried, by its Nats-Msg-Id.
   */
  private async publishResponse(body: ResponseBody): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.h.js.publish(responseSubject(symbolToken(body.symbol)), JSON.stringify(body), { msgID: String(body.id), timeout: 5000 });
        return;
      } catch (e) {
        if (this.stopped && attempt > 3) throw e;
        if (attempt % 10 === 0) this.log(`publish answer ${body.id}: ${(e as Error).message}; retrying`);
        await sleep(Math.min(1000, 100 * 2 ** Math.min(attempt, 4)));
      }
    }
  }

  private async maybeCheckpoint(): Promise<void> {
    const every = this.opts.checkpointEvery ?? 1000;
    const ms = this.opts.checkpointMs ?? 5000;
    for (const o of [...this.owned.values()]) {
      if (o.applied > o.checkpointed && (o.sinceCheckpoint >= every || Date.now() - o.lastCheckpointAt >= ms)) await this.checkpoint(o);
    }
  }

  /** Whether the partition's lease still names this worker (adopting its revision, see the lease loop). */
  private async stillOurs(o: Owned): Promise<boolean> {
    const lease = await this.h.leases.get(`p.${o.partition}`);
    if (!lease || lease.operation !== 'PUT' || lease.string() !== this.opts.name) return false;
    o.revision = lease.revision;
    return true;
  }

  /** Writes the partition's states with their offset; refuses if the lease is no longer ours. */
  private async checkpoint(o: Owned): Promise<void> {
    const symbols = [...o.symbols].map((symbol) => {
      const slot = this.engine.slots.slotOf(symbol);
      if (slot === undefined) throw new Error(`checkpoint: no state for ${symbol}`);
      const values = Object.fromEntries(Object.entries(this.engine.pool.read(slot)).map(([k, v]) => [k, v.slice()]));
      return { symbol, values };
    });
    const seq = o.applied;
    const bytes = encodeCheckpoint({ partition: o.partition, seq, symbols });
    // Fencing: write only while the lease is still ours (the lease loop alone renews it, so its
    // revision is not raced). A lease lost between this check and the put is the one window left.
    if (!(await this.stillOurs(o))) throw new Error(`checkpoint p${o.partition}: lease lost`);
    await this.h.checkpoints.putBlob({ name: `p${o.partition}` }, bytes);
    o.checkpointed = seq;
    o.sinceCheckpoint = 0;
    o.lastCheckpointAt = Date.now();
    this.stats.checkpoints++;
    this.stats.checkpointBytes += bytes.length;
  }

  /** Checkpoints and releases every partition, then disconnects (a graceful stop). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await Promise.allSettled(this.loops);
    for (const o of [...this.owned.values()]) {
      try {
        await this.exclusive(() => this.checkpoint(o));
        this.drop(o);
        await this.h.leases.delete(`p.${o.partition}`);
      } catch (e) {
        this.log(`stop: partition ${o.partition}: ${(e as Error).message}`);
      }
    }
    await this.h.leases.delete(`w.${this.opts.name}`).catch(() => undefined);
    await this.h.nc.drain().catch(() => undefined);
  }
}

/**
 * Reads a partition's checkpoint. A read can overlap the previous owner's last write of the same
 * object (its old chunks are purged under the reader: a digest error) or a server's death; it is
 * retried for up to 30 s, each try bounded, so a takeover never starts from a damaged blob.
 */
export async function readCheckpoint(h: ClusterHandles, partition: number): Promise<Uint8Array | null> {
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timed out')), 3000)));
      try {
        return await Promise.race([h.checkpoints.getBlob(`p${partition}`), timeout]);
      } finally {
        clearTimeout(timer);
      }
    } catch (e) {
      if (Date.now() > until) throw new Error(`checkpoint p${partition}: ${(e as Error).message}`);
      await sleep(300);
    }
  }
}
