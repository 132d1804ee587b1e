/**
 * A cluster worker: one StreamEngine serving whole partitions of the request stream.
 *
 * - Ownership: a lease per partition in the lease bucket, taken with `create` when free and renewed
 *   with `update` at the expected revision (fails if someone else took it). Expiry is judged by the
 *   worker that wants the lease (leases.ts): unchanged for a TTL of time in which that worker could
 *   write to the bucket, then taken with `update` at the revision seen — so a lease bucket electing a
 *   leader after a server died expires nothing, and the holder's first renewal after it succeeds.
 *   Workers announce themselves under `w.<name>` (the announcement doubles as the writability probe)
 *   and are counted live the same way; each aims at ceil(partitions / live workers) leases, taking
 *   free or expired ones and handing extra ones back (checkpoint first, then delete the lease at its
 *   revision).
 * - Renewals run on a loop of their own that never waits for a batch, a checkpoint or a takeover, and
 *   a lease is renewed from the moment it is created (a takeover that reads a large checkpoint under
 *   load may take longer than the TTL). A worker slowed past the TTL anyway loses the lease: another
 *   worker replays from the checkpoint, both may answer the same requests for a while, and the
 *   responses stream keeps one answer per id (equal, by determinism). The slow worker finds out at
 *   its next renewal or checkpoint and drops the partition; it never writes a checkpoint without
 *   holding the lease.
 * - Work: one ordered consumer per owned partition (a single-subject filter, as 2.9 servers need),
 *   starting after the partition's checkpoint. The worker keeps its own offset (checkpoint + applied
 *   sequence), so it needs no durable consumer state: when a NATS server dies, the client library
 *   re-creates the consumer from the last stream sequence it delivered (no gap, no redelivery), and
 *   one stuck longer than that takes is replaced from the applied sequence on (follow.ts).
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
import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { StreamEngine, type StreamRequest } from '../engine.js';
import { setBatchInvariant } from '../kernels.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { Follower } from './follow.js';
import { LeaseClock } from './leases.js';
import { LEASE_BUCKET, REQUEST_STREAM, partitionOf, requestFilter, responseSubject, symbolToken, type RequestBody, type ResponseBody } from './names.js';
import { connectCluster, openCluster, publishUntilStored, sleep, within, type ClusterHandles } from './setup.js';

export interface WorkerOptions {
  servers: string[];
  name: string;
  /** The engine (default: the small preset's seeded weights). Its eviction must be 'reject': an
   *  evicted symbol's state could not be checkpointed or replayed. */
  engine?: StreamEngine;
  checkpointEvery?: number;
  checkpointMs?: number;
  /** Requests taken per engine batch at most (default 256). */
  maxBatch?: number;
  log?: (line: string) => void;
}

interface Owned {
  partition: number;
  revision: number;
  /** Set once the takeover has loaded the checkpoint and subscribed. */
  follower?: Follower;
  /** Stream sequence of the last request applied to the engine's state. */
  applied: number;
  checkpointed: number;
  sinceCheckpoint: number;
  lastCheckpointAt: number;
  symbols: Set<string>;
  /** Dropped (lost or released): its symbols' states are gone from the engine. */
  dropped?: boolean;
}

export interface WorkerStats {
  processed: number;
  batches: number;
  checkpoints: number;
  checkpointBytes: number;
  takeovers: number;
}


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
  private clock!: LeaseClock;

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

  async start(): Promise<void> {
    setBatchInvariant(true);
    this.engine = this.opts.engine ?? new StreamEngine({ capacity: 1024, eviction: 'reject' });
    if (this.engine.slots.policy !== 'reject') throw new Error(`${this.opts.name}: a cluster worker's engine needs eviction 'reject'`);
    this.engine.warmUp();
    const nc: NatsConnection = await connectCluster(this.opts.servers, this.opts.name);
    this.h = await openCluster(nc);
    this.clock = new LeaseClock(this.h.leaseTtlMs);
    await this.h.leases.put(`w.${this.opts.name}`, this.opts.name);
    this.loops = [this.renewLoop(), this.balanceLoop(), this.workLoop()];
  }

  private get every(): number {
    return Math.max(100, Math.floor(this.h.leaseTtlMs / 3));
  }

  /**
   * Renews every held lease (and the worker's own `w.<name>` entry) each TTL/3, in parallel, each
   * with a deadline of TTL/3. It awaits nothing else, so a long batch, checkpoint or takeover cannot
   * hold renewals back; only a blocked event loop can.
   */
  private async renewLoop(): Promise<void> {
    while (!this.stopped) {
      await Promise.all([
        ...[...this.owned.values()].map((o) => this.renew(o)),
        this.h.leases.put(`w.${this.opts.name}`, this.opts.name, { timeout: this.every }).then(
          () => this.clock.wrote(true),
          (e) => {
            this.clock.wrote(false);
            this.log(`announce: ${(e as Error).message}`);
          },
        ),
      ]);
      await sleep(this.every);
    }
  }

  private async renew(o: Owned): Promise<void> {
    try {
      const revision = await this.h.leases.update(`p.${o.partition}`, this.opts.name, o.revision, this.every);
      if (this.owned.get(o.partition) === o) o.revision = revision;
    } catch (e) {
      if (this.owned.get(o.partition) !== o) return;
      if (!/wrong last sequence|key exists/i.test(String(e))) return this.log(`renew ${o.partition}: ${(e as Error).message}`);
      // A renewal whose reply was lost (a server died, or it timed out under load) may still have been
      // stored: the lease is still ours then, at a newer revision. Only this worker writes its name
      // into the key while it holds it. (A renewal that failed because the bucket had no leader fails
      // with a timeout or "no responders", not here: it is retried next round at the same revision.)
      try {
        const lease = await this.leaseOf(o);
        if (this.owned.get(o.partition) !== o) return;
        if (lease !== null) {
          o.revision = lease;
          return;
        }
        this.log(`lost partition ${o.partition}`);
        this.drop(o);
      } catch (e2) {
        this.log(`renew ${o.partition}: ${(e2 as Error).message}`);
      }
    }
  }

  /** Takes free partitions up to the target share, or hands one back. */
  private async balanceLoop(): Promise<void> {
    while (!this.stopped) {
      const t0 = performance.now();
      try {
        await this.balance();
      } catch (e) {
        this.log(`balance: ${(e as Error).message}`);
      }
      if (performance.now() - t0 > 2 * this.every) this.log(`slow balance round: ${(performance.now() - t0).toFixed(0)} ms`);
      await sleep(this.every);
    }
  }

  private async balance(): Promise<void> {
    // Bounded: a look-up that waits forever when a server dies under it must not stop the balance loop
    // (a run of the first version never took a dead worker's partitions over after a server kill).
    const target = Math.ceil(this.h.partitions / (await within(3 * this.h.leaseTtlMs, 'listing workers', this.liveWorkers())));
    if (this.owned.size > target) {
      const o = [...this.owned.values()].pop()!;
      await this.exclusive(async () => {
        if (this.owned.get(o.partition) !== o) return;
        await this.checkpoint(o);
        await this.release(o);
        this.log(`handed back partition ${o.partition}`);
      });
      return;
    }
    // Every lease not ours is looked at each round, whatever the target, so that a dead holder's
    // leases have been seen unchanged for a TTL by the time its announcement has expired too.
    const others = [...Array(this.h.partitions).keys()].filter((p) => !this.owned.has(p));
    const entries = await within(3 * this.h.leaseTtlMs, 'reading leases', Promise.all(others.map((p) => this.h.leases.get(`p.${p}`))));
    entries.forEach((e, k) => e?.operation === 'PUT' && this.clock.saw(`p.${others[k]}`, e.revision));
    // Start at a different partition per worker, so simultaneous starters rarely collide.
    const start = [...this.opts.name].reduce((a, c) => a + c.charCodeAt(0), 0) % Math.max(1, others.length);
    for (let i = 0; i < others.length && this.owned.size < target; i++) {
      const k = (start + i) % others.length;
      const p = others[k], e = entries[k];
      const key = `p.${p}`;
      let revision: number;
      try {
        if (!e || e.operation !== 'PUT') revision = await this.h.leases.create(key, this.opts.name);
        else {
          if (!this.clock.expired(key)) continue;
          revision = await this.h.leases.update(key, this.opts.name, e.revision);
          this.log(`lease of partition ${p} not renewed by ${e.string()} for ${this.h.leaseTtlMs} ms: taken`);
        }
      } catch {
        continue; // taken (or renewed) by someone else meanwhile
      }
      this.clock.forget(key);
      // Held (and renewed) from now on; consuming starts once the checkpoint is loaded.
      const o: Owned = { partition: p, revision, applied: 0, checkpointed: 0, sinceCheckpoint: 0, lastCheckpointAt: Date.now(), symbols: new Set() };
      this.owned.set(p, o);
      await this.exclusive(() => this.takeOver(o)).catch(async (e) => {
        this.log(`take partition ${p}: ${(e as Error).message}`);
        if (this.owned.get(p) === o) await this.release(o).catch(() => undefined);
      });
    }
  }

  /**
   * Workers whose announcement has changed within a TTL (this one included). A dead worker's entry
   * is deleted at the revision seen, so the listing does not grow with every worker that ever ran.
   * The names come from the lease stream's per-subject counts (one request to its leader) rather than
   * a key listing, which creates a consumer each time: slow and fragile right after an election.
   */
  private async liveWorkers(): Promise<number> {
    const prefix = `$KV.${LEASE_BUCKET}.`;
    const info = await this.h.jsm.streams.info(`KV_${LEASE_BUCKET}`, { subjects_filter: `${prefix}w.>` });
    const mine = `w.${this.opts.name}`;
    let live = 1;
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const key = subject.slice(prefix.length);
      if (key === mine) continue;
      const e = await this.h.leases.get(key);
      if (!e || e.operation !== 'PUT') continue;
      this.clock.saw(key, e.revision);
      if (!this.clock.expired(key)) live++;
      else {
        await this.h.leases.delete(key, { previousSeq: e.revision }).catch(() => undefined);
        this.clock.forget(key);
      }
    }
    return live;
  }

  /** Drops a partition and deletes its lease, only at the revision this worker holds. */
  private async release(o: Owned): Promise<void> {
    if (o.dropped) return; // lost meanwhile: the lease is not ours to delete
    this.drop(o);
    await this.h.leases.delete(`p.${o.partition}`, { previousSeq: o.revision });
  }

  private async takeOver(o: Owned): Promise<void> {
    const { partition } = o;
    const t0 = performance.now();
    const blob = await readCheckpoint(this.h, partition);
    if (this.owned.get(partition) !== o) return; // the lease was lost while reading
    let seq = 0;
    const symbols = o.symbols;
    if (blob) {
      const c = decodeCheckpoint(blob, `p${partition}`);
      seq = c.seq;
      for (const s of c.symbols) {
        const a = this.engine.slots.acquire(s.symbol);
        this.engine.pool.write(a.slot, s.values);
        symbols.add(s.symbol);
      }
    }
    Object.assign(o, { applied: seq, checkpointed: seq, lastCheckpointAt: Date.now() });
    // Restarts (after a stuck consumer) begin after the last request applied; anything queued but
    // not applied yet is delivered again and its first copy wins (the rest are at or below `applied`).
    const follower = await Follower.start(this.h.js, {
      stream: REQUEST_STREAM,
      filter: requestFilter(partition),
      from: () => o.applied + 1,
      onMessage: (msg) => {
        if (this.owned.get(partition) !== o) return;
        this.queue.push({ owner: o, msg });
        this.wake?.();
      },
      what: `partition ${partition}`,
      log: (l) => this.log(l),
    });
    if (this.owned.get(partition) !== o) return follower.close();
    o.follower = follower;
    this.stats.takeovers++;
    this.log(`took partition ${partition} from seq ${seq + 1} (${symbols.size} symbols restored, ${(performance.now() - t0).toFixed(0)} ms)`);
  }

  private drop(o: Owned): void {
    if (o.dropped) return;
    o.dropped = true;
    if (this.owned.get(o.partition) === o) this.owned.delete(o.partition);
    o.follower?.close();
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
    const t0 = performance.now();
    const { ids, predictions } = this.engine.processBatch(bySymbol);
    const t1 = performance.now();
    await Promise.all(
      ids.map((id, i) => {
        const symbol = symbolOf.get(id)!;
        const body: ResponseBody = { id, symbol, prediction: predictions[i] };
        return this.publishResponse(body);
      }),
    );
    this.stats.processed += done.length;
    this.stats.batches++;
    const t2 = performance.now();
    if (t2 - t0 > this.every) this.log(`slow batch: ${done.length} requests, engine ${(t1 - t0).toFixed(0)} ms, answers stored ${(t2 - t1).toFixed(0)} ms`);
  }

  /** Publishes one answer until the responses stream stores it (a stopped worker gives up after 4 tries). */
  private async publishResponse(body: ResponseBody): Promise<void> {
    await publishUntilStored(this.h.js, responseSubject(symbolToken(body.symbol)), JSON.stringify(body), String(body.id), (e, attempt) => {
      if (this.stopped && attempt > 3) throw e;
      if (attempt % 10 === 0) this.log(`publish answer ${body.id}: ${e.message}; retrying`);
    });
  }

  private async maybeCheckpoint(): Promise<void> {
    const every = this.opts.checkpointEvery ?? 1000;
    const ms = this.opts.checkpointMs ?? 5000;
    for (const o of [...this.owned.values()]) {
      if (o.applied > o.checkpointed && (o.sinceCheckpoint >= every || Date.now() - o.lastCheckpointAt >= ms)) await this.checkpoint(o);
    }
  }

  /** The revision of the partition's lease if it still names this worker, else null. */
  private async leaseOf(o: Owned): Promise<number | null> {
    const lease = await this.h.leases.get(`p.${o.partition}`);
    return lease && lease.operation === 'PUT' && lease.string() === this.opts.name ? lease.revision : null;
  }

  /** Writes the partition's states with their offset; refuses if the lease is no longer ours. */
  private async checkpoint(o: Owned): Promise<void> {
    // Not loaded yet (or never): the previous owner's checkpoint is still the partition's truth.
    if (!o.follower || this.owned.get(o.partition) !== o) return;
    const symbols = [...o.symbols].map((symbol) => {
      const slot = this.engine.slots.slotOf(symbol);
      if (slot === undefined) throw new Error(`checkpoint: no state for ${symbol}`);
      const values = Object.fromEntries(Object.entries(this.engine.pool.read(slot)).map(([k, v]) => [k, v.slice()]));
      return { symbol, values };
    });
    const seq = o.applied;
    const bytes = encodeCheckpoint({ partition: o.partition, seq, symbols });
    // Fencing: write only while the lease is still ours. A lease lost between this check and the put
    // is the one window left: the blob written is still a consistent (state, offset) pair, only older
    // or newer than the new owner's, and replaying from either gives the same answers.
    if ((await this.leaseOf(o)) === null) {
      this.log(`lost partition ${o.partition} (found at checkpoint)`);
      this.drop(o);
      return;
    }
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
        await this.exclusive(async () => {
          await this.checkpoint(o);
          await this.release(o);
        });
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
 * object (its old chunks are purged under the reader: a digest error) or a server's death (a read
 * that never ends; a read racing a rewrite can also wait on chunks that were purged): it is retried for
 * up to 2 minutes, so a takeover never starts from a damaged blob. Each try is bounded, and the bound
 * doubles from 1 s to 30 s: a read normally takes 0.1–0.5 s, but on a loaded machine a read of a few
 * MB can take longer than any fixed bound, and cutting every try at it would never finish one. (The
 * lease is renewed meanwhile: a slow read costs time, not ownership.)
 */
export async function readCheckpoint(h: ClusterHandles, partition: number): Promise<Uint8Array | null> {
  const until = Date.now() + 120_000;
  for (let bound = 1000; ; bound = Math.min(30_000, 2 * bound)) {
    try {
      return await within(bound, 'read', h.checkpoints.getBlob(`p${partition}`));
    } catch (e) {
      if (Date.now() > until) throw new Error(`checkpoint p${partition}: ${(e as Error).message}`);
      await sleep(300);
    }
  }
}
