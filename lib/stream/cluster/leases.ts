/**
 * When is a lease expired? Judged by the worker that wants it, on its own clock, counting only time
 * in which that worker could itself write to the lease bucket.
 *
 * The first version let the bucket expire leases (a KV TTL = the stream's max_age). A NATS server
 * killed while it led the lease bucket's stream leaves the bucket without a leader until the
 * followers' raft election timeout fires and they elect one (a minimum of 2 s since nats-server 2.2,
 * 4–9 s in later releases; measured from the kill to the bucket's next accepted write: 4.0 and 6.6 s
 * on an idle loopback cluster, 3.3–7.7 s in loaded chaos runs), longer than the 3 s TTL. No one
 * can renew meanwhile, every replica keeps expiring by age, and the new leader starts with every
 * lease gone (measured: the held lease's next renewal fails with "wrong last sequence: 0"): all
 * partitions were re-taken from their checkpoints at once, on an already loaded machine.
 *
 * Now entries never expire in the bucket. A contender records, per key, the revision it saw and
 * when it first saw it; the lease is expired when the revision has not changed for a whole TTL. That
 * TTL is counted from no earlier than the contender's first successful write after a failed one, so
 * while the bucket cannot take writes (an election) no lease ages, and after it the holder has a
 * whole TTL to renew at the revision it holds — which succeeds exactly when nobody took the lease.
 * Taking an expired lease is an update at the revision seen: if the holder renewed meanwhile, the
 * take fails. (A wrong judgment costs only a failed compare-and-set; two workers serving a partition
 * for a while cost duplicate work, never a wrong or repeated answer: docs/stream.md.)
 */
export class LeaseClock {
  private readonly seen = new Map<string, { revision: number; since: number }>();
  private writableSince: number;
  private failing = false;

  constructor(
    readonly ttlMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    // A worker that just started has seen nothing renew yet: it waits a TTL like everyone else.
    this.writableSince = now();
  }

  /** The outcome of this worker's own write to the lease bucket (its announcement). */
  wrote(ok: boolean): void {
    if (!ok) this.failing = true;
    else if (this.failing) {
      this.failing = false;
      this.writableSince = this.now();
    }
  }

  /** Records the revision a key holds now. */
  saw(key: string, revision: number): void {
    const s = this.seen.get(key);
    if (!s || s.revision !== revision) this.seen.set(key, { revision, since: this.now() });
  }

  forget(key: string): void {
    this.seen.delete(key);
  }

  /** True when the key was last seen at one revision for a whole TTL of writable time. */
  expired(key: string): boolean {
    const s = this.seen.get(key);
    if (this.failing || !s) return false;
    return this.now() - Math.max(s.since, this.writableSince) >= this.ttlMs;
  }
}
