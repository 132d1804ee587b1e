/**
 * Creates (or opens) what a cluster needs: the request stream over the partitioned subjects, the
 * responses stream with de-duplication by request id, the lease bucket (entries never expire there:
 * workers judge expiry themselves, leases.ts), the meta bucket holding what is fixed at creation
 * (partition count, lease TTL), and the checkpoint object store. All replicated `replicas` times.
 */
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, StorageType, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { CHECKPOINT_BUCKET, LEASE_BUCKET, META_BUCKET, REQUEST_STREAM, RESPONSE_STREAM } from './names.js';

export { AckPolicy, DeliverPolicy };

export interface ClusterHandles {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  leases: KV;
  meta: KV;
  checkpoints: ObjectStore;
  partitions: number;
  /** A lease not renewed for this long (while the bucket takes writes) may be taken over. */
  leaseTtlMs: number;
}

export interface SetupOptions {
  /** Partitions (only used when the cluster is new; later it is read back). */
  partitions?: number;
  replicas?: number;
  /** Lease TTL (likewise fixed at creation; default 3000 ms). */
  leaseTtlMs?: number;
  /** How long a response id is remembered for de-duplication (default 10 min). */
  dedupWindowMs?: number;
}

/**
 * Connects with endless reconnects: a server going away is routine in a cluster. (`noRandomize`: try
 * the servers in the order given.)
 */
export async function connectCluster(servers: string[], name: string, opts: { noRandomize?: boolean } = {}): Promise<NatsConnection> {
  return connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, pingInterval: 2000, noRandomize: opts.noRandomize ?? false });
}

/**
 * Pull settings for every consume() of the cluster. The client library learns that a consumer died
 * with its server only from missing idle heartbeats (two missed: it asks for the consumer's info and
 * re-creates an ordered one from the last sequence it delivered; while the info fails, as it does
 * during an election, it asks again after one pull expiry). With its defaults (30 s pulls, 15 s
 * heartbeat) a partition or the gateway's answers whose consumer sat on a killed server waited ~30 s
 * before that even started (one run: no answer for 58 s). A 1 s heartbeat and 2 s pulls cost a few
 * small messages a second per consumer and let consumers follow the election within ~2 s.
 */
export const PULL = { expires: 2000, idle_heartbeat: 1000 } as const;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Publishes `data` on `subject` with `msgID` as its Nats-Msg-Id until the stream stores it. While a server
 * is down a stream may have no leader for seconds (publishes fail or time out); a publish that was stored
 * but whose ack was lost is dropped as a duplicate when retried, by its id. Backs off from 100 ms to 1 s;
 * `onError` sees every failure with its attempt number (from 0) and gives up by throwing.
 */
export async function publishUntilStored(js: JetStreamClient, subject: string, data: string, msgID: string, onError: (e: Error, attempt: number) => void): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await js.publish(subject, data, { msgID, timeout: 5000 });
      return;
    } catch (e) {
      onError(e as Error, attempt);
      await sleep(Math.min(1000, 100 * 2 ** Math.min(attempt, 4)));
    }
  }
}

/**
 * `p`, or a rejection after `ms`. For client calls that can wait forever when a server dies under them
 * (a look-up during an election, an object read); what they started is left to the library.
 */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens the cluster's streams and buckets, creating them when missing. A cluster that has just started
 * (or lost a server) needs a few seconds to elect its JetStream leaders: until `waitMs` has passed,
 * failures are retried.
 */
export async function openCluster(nc: NatsConnection, opts: SetupOptions = {}, waitMs = 30_000): Promise<ClusterHandles> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      return await tryOpen(nc, opts);
    } catch (e) {
      if (Date.now() > until || e instanceof RangeError) throw e;
      await sleep(500);
    }
  }
}

async function tryOpen(nc: NatsConnection, opts: SetupOptions): Promise<ClusterHandles> {
  const replicas = opts.replicas ?? 3;
  const jsm = await jetstreamManager(nc);
  const ensure = async (name: string, subjects: string[], extra: Record<string, unknown>) => {
    try {
      await jsm.streams.info(name);
    } catch {
      await jsm.streams.add({ name, subjects, num_replicas: replicas, storage: StorageType.File, ...extra });
    }
  };
  // Both streams de-duplicate by request id: a gateway's retried publish must not apply a request
  // twice, and a replayed answer must not be delivered twice.
  const dedup = { duplicate_window: nanos(opts.dedupWindowMs ?? 600_000) };
  await ensure(REQUEST_STREAM, ['req.p.>'], dedup);
  await ensure(RESPONSE_STREAM, ['resp.>'], dedup);
  const kvm = new Kvm(nc);
  const leases = await kvm.create(LEASE_BUCKET, { replicas, history: 1 });
  // A bucket made by the first version expired leases by age, which an election outlasts (leases.ts).
  if ((await leases.status()).ttl > 0) {
    const info = await jsm.streams.info(`KV_${LEASE_BUCKET}`);
    await jsm.streams.update(info.config.name, { ...info.config, max_age: 0 });
  }
  const meta = await kvm.create(META_BUCKET, { replicas, history: 1 });
  const partitions = await fixedAtCreation(meta, 'partitions', opts.partitions, 'pass --partitions when creating it');
  const leaseTtlMs = await fixedAtCreation(meta, 'lease-ttl-ms', opts.leaseTtlMs ?? 3000, '');
  const checkpoints = await new Objm(nc).create(CHECKPOINT_BUCKET, { replicas });
  return { nc, js: jetstream(nc), jsm, leases, meta, checkpoints, partitions, leaseTtlMs };
}

/**
 * A positive integer setting kept in the meta bucket: the first process to open the cluster with a
 * value stores it, every later one reads it back (whatever it was given).
 */
async function fixedAtCreation(meta: KV, key: string, value: number | undefined, hint: string): Promise<number> {
  let n: number;
  const stored = await meta.get(key);
  if (stored && stored.operation === 'PUT' && stored.value.length > 0) n = Number(stored.string());
  else {
    if (value === undefined) throw new RangeError(`the cluster has no ${key} yet: ${hint}`);
    n = value;
    try {
      await meta.create(key, String(n));
    } catch {
      n = Number((await meta.get(key))!.string()); // another process created it first
    }
  }
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`cluster meta: bad ${key} ${n}`);
  return n;
}
