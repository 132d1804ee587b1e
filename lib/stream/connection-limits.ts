/**
 * Per-connection limits of the protocol connections (server and client alike; docs/stream.md "Untrusted
 * input"). A module of its own so the public option types need no Node typings (connection.ts does).
 */
export interface ConnectionLimits {
  /** Longest accepted line (default 1 MiB; the hackathon's largest request is ~100 KB). */
  maxLineBytes?: number;
  /** Unsent output before reading from the peer pauses (default 4 MiB; closed at 4×). */
  maxBufferedBytes?: number;
  /** Close after this long without a byte from the peer (0: never). */
  idleTimeoutMs?: number;
}

export const DEFAULT_LIMITS = { maxLineBytes: 1 << 20, maxBufferedBytes: 4 << 20, idleTimeoutMs: 0 } as const;
