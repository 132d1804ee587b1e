/**
 * Follows a stream (one subject filter, or all of it) from a sequence on, with an ordered consumer
 * that is replaced when it gets stuck.
 *
 * The client library re-creates an ordered consumer itself when its server dies (it notices missing
 * idle heartbeats, or a reset), but between failed tries it backs off to 5 s — and every try fails
 * until the cluster has elected a new metadata leader (seconds after a server kill: 7.5 s in one run). So a consumer came
 * back up to ~5 s after the cluster could serve it again (measured: a partition re-created 3.4 s after
 * the metadata leader was back, the others at once). A follower that has been stuck (heartbeats
 * missed, or a reset not yet followed by a re-creation) for STUCK_MS starts a fresh ordered consumer
 * from `from()` and retries that every second. Messages of a replaced consumer are no longer passed
 * on; the caller's `from()` must make the new one start at or before the first message it still
 * needs, and the caller skips what it has already seen.
 */
import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import { DeliverPolicy } from '@nats-io/jetstream';
import { PULL } from './setup.js';

/** Stuck this long (after the library has already missed two heartbeats): replaced. One pull expiry,
 *  which lets the library's own first, quick re-creation tries (0–0.5 s apart) go first. */
export const STUCK_MS = PULL.expires;

export interface FollowOptions {
  stream: string;
  /** Subject filter (a single subject: 2.9 servers take no lists); none: the whole stream. */
  filter?: string;
  /** Stream sequence to start (or restart) from. */
  from: () => number;
  onMessage: (m: JsMsg) => void;
  /** Names the follower in log lines. */
  what: string;
  log: (line: string) => void;
  /** Max messages per pull (default 512). */
  maxMessages?: number;
}

export class Follower {
  private messages?: ConsumerMessages;
  private stuckSince?: number;
  private replacing = false;
  private closed = false;
  private readonly watchdog: NodeJS.Timeout;

  private constructor(
    private readonly js: JetStreamClient,
    private readonly o: FollowOptions,
  ) {
    this.watchdog = setInterval(() => this.check(), 1000);
    this.watchdog.unref();
  }

  /** Starts following; rejects (and stops) if the first consumer cannot be created. */
  static async start(js: JetStreamClient, o: FollowOptions): Promise<Follower> {
    const f = new Follower(js, o);
    try {
      await f.subscribe();
    } catch (e) {
      f.close();
      throw e;
    }
    return f;
  }

  private async subscribe(): Promise<void> {
    const consumer = await this.js.consumers.get(this.o.stream, {
      ...(this.o.filter ? { filter_subjects: this.o.filter } : {}),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: this.o.from(),
    });
    const messages = await consumer.consume({ max_messages: this.o.maxMessages ?? 512, ...PULL });
    if (this.closed) return void messages.close();
    const old = this.messages;
    this.messages = messages;
    this.stuckSince = undefined;
    void old?.close();
    const current = () => this.messages === messages && !this.closed;
    void (async () => {
      for await (const s of messages.status()) {
        if (!current()) return;
        if (s.type === 'heartbeat' || s.type === 'ordered_consumer_recreated') this.stuckSince = undefined;
        if (s.type === 'heartbeats_missed' || s.type === 'reset' || s.type === 'consumer_not_found' || s.type === 'no_responders') this.stuckSince ??= performance.now();
        if (s.type !== 'heartbeat' && s.type !== 'next' && s.type !== 'debug' && s.type !== 'discard') this.o.log(`${this.o.what}: ${s.type}${'count' in s ? ` ${s.count}` : ''}`);
      }
    })().catch(() => undefined);
    void (async () => {
      for await (const m of messages) {
        if (!current()) break;
        this.stuckSince = undefined;
        this.o.onMessage(m);
      }
    })()
      .catch((e) => this.o.log(`${this.o.what}: ${(e as Error).message}`))
      .then(() => {
        // The library gave up on a consumer still in use: the watchdog starts another.
        if (!current()) return;
        this.o.log(`${this.o.what}: consumer ended`);
        this.stuckSince = -Infinity;
      });
  }

  private check(): void {
    if (this.closed || this.replacing || this.stuckSince === undefined || performance.now() - this.stuckSince < STUCK_MS) return;
    this.replacing = true;
    this.o.log(`${this.o.what}: consumer stuck; starting another from seq ${this.o.from()}`);
    this.subscribe()
      .catch((e) => this.o.log(`${this.o.what}: new consumer: ${(e as Error).message}`))
      .finally(() => (this.replacing = false));
  }

  close(): void {
    this.closed = true;
    clearInterval(this.watchdog);
    void this.messages?.close();
  }
}
