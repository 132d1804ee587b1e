/**
 * Creates (or opens) what a cluster needs: the request stream over the partitioned subjects, the
 * responses stream with de-duplication by request id, the lease bucket (entries expire after the
 * lease TTL unless renewed), the meta bucket holding the partition count fixed at creation, and the
 * checkpoint object store. All replicated `replicas` times.
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
}

export interface SetupOptions {
  /** Partitions (only used when the cluster is new; later it is read back). */
  partitions?: number;
  replicas?: number;
  leaseTtlMs?: number;
  /** How long a response id is remembered for de-duplication (default 10 min). */
  dedupWindowMs?: number;
}

/** Connects with endless reconnects: a server going away is routine in a cluster. */
export async function connectCluster(servers: string[], name: string): Promise<NatsConnection> {
  return connect({ servers, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, pingInterval: 2000 });
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
      await new Promise((r) => setTimeout(r, 500));
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
  const leases = await kvm.create(LEASE_BUCKET, { replicas, history: 1, ttl: opts.leaseTtlMs ?? 3000 });
  const meta = await kvm.create(META_BUCKET, { replicas, history: 1 });
  let partitions: number;
  const stored = await meta.get('partitions');
  if (stored && stored.value.length > 0) partitions = Number(stored.string());
  else {
    if (opts.partitions === undefined) throw new RangeError('the cluster has no partition count yet: pass --partitions when creating it');
    partitions = opts.partitions;
    try {
      await meta.create('partitions', String(partitions));
    } catch {
      partitions = Number((await meta.get('partitions'))!.string()); // another process created it first
    }
  }
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`cluster meta: bad partition count ${partitions}`);
  const checkpoints = await new Objm(nc).create(CHECKPOINT_BUCKET, { replicas });
  return { nc, js: jetstream(nc), jsm, leases, meta, checkpoints, partitions };
}
