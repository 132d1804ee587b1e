/**
 * The hackathon's live protocol: newline-delimited JSON objects over TCP, each with a `message_type`.
 * Field names follow its protocol.py; decoding checks every field a handler relies on, so a malformed
 * message becomes an error value instead of an exception, and a line longer than the limit is
 * skipped without losing the messages after it.
 */

export interface RegisterMessage {
  message_type: 'register';
}
export interface InferenceRequestMessage {
  message_type: 'inference_request';
  unique_ids: number[];
  symbols: string[];
  features: number[][];
  /** Seconds since the epoch, when the server sent it. */
  timestamp: number;
}
export interface InferenceResponseMessage {
  message_type: 'inference_response';
  unique_ids: number[];
  predictions: number[][];
  client_timestamp: number;
}
export interface ScoreUpdateMessage {
  message_type: 'score_update';
  unique_ids: number[];
  trade_pnls: number[];
  accuracies: number[];
  latencies_ms: number[];
}
export interface HeartbeatMessage {
  message_type: 'heartbeat';
  timestamp: number;
}
export interface ErrorMessage {
  message_type: 'error';
  error: string;
  details?: string | null;
}

export type Message = RegisterMessage | InferenceRequestMessage | InferenceResponseMessage | ScoreUpdateMessage | HeartbeatMessage | ErrorMessage;
export type MessageType = Message['message_type'];

export type Decoded = { ok: true; message: Message } | { ok: false; error: string };

/** Python's json.dumps writes NaN and ±Infinity as bare words; JSON.parse needs them as null. */
const PY_NONFINITE = /([[,:]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g;

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch (first) {
    const patched = line.replace(PY_NONFINITE, '$1null');
    if (patched === line) throw first;
    return JSON.parse(patched);
  }
}

class Invalid extends Error {}

function field(o: Record<string, unknown>, name: string): unknown {
  if (!(name in o)) throw new Invalid(`missing field ${name}`);
  return o[name];
}
function num(v: unknown, what: string, allowNull = false): number {
  if (v === null && allowNull) return NaN;
  if (typeof v !== 'number') throw new Invalid(`${what} must be a number`);
  return v;
}
function numbers(v: unknown, what: string, allowNull = false): number[] {
  if (!Array.isArray(v)) throw new Invalid(`${what} must be an array`);
  return v.map((x, i) => num(x, `${what}[${i}]`, allowNull));
}
function ids(v: unknown, what: string): number[] {
  const out = numbers(v, what);
  out.forEach((x, i) => {
    if (!Number.isSafeInteger(x)) throw new Invalid(`${what}[${i}] must be an integer`);
  });
  return out;
}
function rows(v: unknown, what: string, count: number): number[][] {
  if (!Array.isArray(v) || v.length !== count) throw new Invalid(`${what} must be an array of ${count} arrays`);
  return v.map((r, i) => numbers(r, `${what}[${i}]`, true));
}

function check(o: Record<string, unknown>): Message {
  const type = field(o, 'message_type');
  switch (type) {
    case 'register':
      return { message_type: type };
    case 'heartbeat':
      return { message_type: type, timestamp: num(field(o, 'timestamp'), 'timestamp') };
    case 'error': {
      const error = field(o, 'error');
      if (typeof error !== 'string') throw new Invalid('error must be a string');
      const details = o.details;
      return { message_type: type, error, details: typeof details === 'string' ? details : null };
    }
    case 'inference_request': {
      const uid = ids(field(o, 'unique_ids'), 'unique_ids');
      const symbols = field(o, 'symbols');
      if (!Array.isArray(symbols) || symbols.length !== uid.length || symbols.some((s) => typeof s !== 'string' || s === '')) {
        throw new Invalid(`symbols must be an array of ${uid.length} non-empty strings`);
      }
      return {
        message_type: type,
        unique_ids: uid,
        symbols: symbols as string[],
        features: rows(field(o, 'features'), 'features', uid.length),
        timestamp: num(field(o, 'timestamp'), 'timestamp'),
      };
    }
    case 'inference_response': {
      const uid = ids(field(o, 'unique_ids'), 'unique_ids');
      return {
        message_type: type,
        unique_ids: uid,
        predictions: rows(field(o, 'predictions'), 'predictions', uid.length),
        client_timestamp: num(field(o, 'client_timestamp'), 'client_timestamp'),
      };
    }
    case 'score_update': {
      const uid = ids(field(o, 'unique_ids'), 'unique_ids');
      const same = (name: string) => {
        const a = numbers(field(o, name), name, true);
        if (a.length !== uid.length) throw new Invalid(`${name} must have ${uid.length} entries`);
        return a;
      };
      return { message_type: type, unique_ids: uid, trade_pnls: same('trade_pnls'), accuracies: same('accuracies'), latencies_ms: same('latencies_ms') };
    }
    default:
      throw new Invalid(`unknown message type: ${JSON.stringify(type)}`);
  }
}

/** Parses and checks one line (without its newline). */
export function decodeMessage(line: string): Decoded {
  let value: unknown;
  try {
    value = parseJson(line);
  } catch (e) {
    return { ok: false, error: `not JSON: ${(e as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: 'expected a JSON object' };
  try {
    return { ok: true, message: check(value as Record<string, unknown>) };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.message };
    throw e;
  }
}

/**
 * Text from a peer, safe to print: control characters (terminal escape sequences, carriage returns,
 * bidi overrides) become \uXXXX escapes, and the text is cut at `max` characters.
 */
export function printable(text: string, max = 300): string {
  const cut = text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One message as a line (JSON + newline). */
export function encodeMessage(message: Message): string {
  return JSON.stringify(message) + '\n';
}

/**
 * Splits a byte stream into lines of at most `maxLineBytes`. A longer line is dropped (counted in
 * `oversized`) and reading resumes after its newline.
 */
export class LineReader {
  private parts: Uint8Array[] = [];
  private size = 0;
  private skipping = false;

  constructor(readonly maxLineBytes = 1 << 20) {}

  /** Takes the bytes as they arrive (a socket's Buffers, or any Uint8Array). */
  push(bytes: Uint8Array): { lines: string[]; oversized: number } {
    const chunk = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const lines: string[] = [];
    let oversized = 0;
    let start = 0;
    for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
      const piece = chunk.subarray(start, nl);
      if (this.skipping) this.skipping = false;
      else if (this.size + piece.length > this.maxLineBytes) oversized++;
      else {
        const line = this.size === 0 ? piece.toString('utf8') : Buffer.concat([...this.parts, piece]).toString('utf8');
        if (line.trim() !== '') lines.push(line);
      }
      this.parts = [];
      this.size = 0;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (!this.skipping && rest.length > 0) {
      if (this.size + rest.length > this.maxLineBytes) {
        oversized++;
        this.skipping = true;
        this.parts = [];
        this.size = 0;
      } else {
        this.parts.push(Buffer.from(rest));
        this.size += rest.length;
      }
    }
    return { lines, oversized };
  }
}
