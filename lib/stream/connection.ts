/**
 * A protocol connection over one TCP socket: lines in → checked messages (or errors) out, messages in →
 * lines out. Malformed or oversized input is reported to `onInvalid` and the connection stays open.
 *
 * Memory per connection is bounded on both directions (docs/stream.md, "Limits"): a partial line is held
 * up to `maxLineBytes`, then dropped up to its newline; replies the peer has not read are held up to
 * `maxBufferedBytes`, past which reading from the peer pauses until they drain (a peer that sends but
 * never reads stops being read), and past four times that the connection is closed. A peer silent
 * for `idleTimeoutMs` is disconnected.
 */
import type { Socket } from 'node:net';
import { DEFAULT_LIMITS, type ConnectionLimits } from './connection-limits.js';
import { decodeMessage, encodeMessage, LineReader, type Message } from './protocol.js';

export interface ConnectionHandlers {
  onMessage(message: Message): void;
  /** A line that was not a valid message (or was too long). */
  onInvalid?(error: string): void;
  /** Why the connection is being closed by this side (idle, peer not reading). */
  onLimit?(reason: string): void;
  /** A socket error (ECONNREFUSED, ECONNRESET, ...); 'close' follows. */
  onError?(error: Error): void;
  onClose?(): void;
}

export class Connection {
  private readonly reader: LineReader;
  private readonly maxBuffered: number;
  private idle?: NodeJS.Timeout;
  private paused = false;
  /** Lines of the last chunk not handled yet because replies stopped draining (at most one chunk's). */
  private pending: string[] = [];
  closed = false;

  constructor(readonly socket: Socket, private readonly handlers: ConnectionHandlers, limits: ConnectionLimits = {}) {
    this.reader = new LineReader(limits.maxLineBytes ?? DEFAULT_LIMITS.maxLineBytes);
    this.maxBuffered = limits.maxBufferedBytes ?? DEFAULT_LIMITS.maxBufferedBytes;
    const idleMs = limits.idleTimeoutMs ?? DEFAULT_LIMITS.idleTimeoutMs;
    if (idleMs > 0) {
      // Refreshed on every byte received; writes do not count (a peer that only receives is not active).
      this.idle = setTimeout(() => this.limit(`no data for ${idleMs} ms`), idleMs);
      this.idle.unref();
    }
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.idle?.refresh();
      const { lines, oversized } = this.reader.push(chunk);
      for (let i = 0; i < oversized; i++) handlers.onInvalid?.(`message longer than ${this.reader.maxLineBytes} bytes`);
      this.pending.push(...lines);
      this.handleLines();
    });
    socket.on('drain', () => {
      if (this.paused && !this.closed) {
        this.paused = false;
        this.handleLines();
        if (!this.paused) socket.resume();
      }
    });
    socket.on('error', (e) => {
      // 'close' follows; the owner decides whether to reconnect.
      handlers.onError?.(e);
    });
    socket.on('close', () => {
      this.closed = true;
      clearTimeout(this.idle);
      handlers.onClose?.();
    });
  }

  private handleLines(): void {
    let i = 0;
    while (i < this.pending.length && !this.paused && !this.closed) {
      const d = decodeMessage(this.pending[i++]);
      if (d.ok) this.handlers.onMessage(d.message);
      else this.handlers.onInvalid?.(d.error);
    }
    this.pending = this.closed ? [] : this.pending.slice(i);
  }

  /** Bytes written but not yet taken by the peer. */
  get buffered(): number {
    return this.socket.writableLength;
  }

  send(message: Message): boolean {
    if (this.closed || this.socket.destroyed) return false;
    this.socket.write(encodeMessage(message));
    const held = this.socket.writableLength;
    if (held > 4 * this.maxBuffered) {
      this.limit(`peer is not reading (${held} bytes unsent)`);
      return false;
    }
    if (held > this.maxBuffered && !this.paused) {
      // Stop taking requests from a peer that is not taking our replies; 'drain' resumes.
      this.paused = true;
      this.socket.pause();
    }
    return true;
  }

  private limit(reason: string): void {
    if (this.closed) return;
    this.handlers.onLimit?.(reason);
    this.close();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.idle);
    this.socket.end();
    this.socket.destroy();
  }
}
