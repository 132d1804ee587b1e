/**
 * A protocol connection over one TCP socket: lines in → checked messages (or errors) out, messages in →
 * lines out. Malformed or oversized input is reported to `onInvalid` and the connection stays open.
 */
import type { Socket } from 'node:net';
import { decodeMessage, encodeMessage, LineReader, type Message } from './protocol.js';

export interface ConnectionHandlers {
  onMessage(message: Message): void;
  /** A line that was not a valid message (or was too long). */
  onInvalid?(error: string): void;
  onClose?(): void;
}

export class Connection {
  private readonly reader: LineReader;
  closed = false;

  constructor(readonly socket: Socket, handlers: ConnectionHandlers, maxLineBytes?: number) {
    this.reader = new LineReader(maxLineBytes);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const { lines, oversized } = this.reader.push(chunk);
      for (let i = 0; i < oversized; i++) handlers.onInvalid?.(`message longer than ${this.reader.maxLineBytes} bytes`);
      for (const line of lines) {
        if (this.closed) return;
        const d = decodeMessage(line);
        if (d.ok) handlers.onMessage(d.message);
        else handlers.onInvalid?.(d.error);
      }
    });
    socket.on('error', () => {
      // 'close' follows; the owner decides whether to reconnect.
    });
    socket.on('close', () => {
      this.closed = true;
      handlers.onClose?.();
    });
  }

  send(message: Message): boolean {
    if (this.closed || this.socket.destroyed) return false;
    this.socket.write(encodeMessage(message));
    return true;
  }

  close(): void {
    this.closed = true;
    this.socket.end();
    this.socket.destroy();
  }
}
