/**
 * A partition's checkpoint: the states of its symbols and the stream sequence of the last request
 * applied to them, in one blob (state and offset together, so a new owner resumes exactly there).
 * Layout: u32 header length, JSON header {partition, seq, symbols: [{symbol, tensors: [[name, dtype,
 * length]]}]}, then every tensor's bytes in header order.
 */
import type { StateArray } from '../state-pool.js';

export interface Checkpoint {
  partition: number;
  seq: number;
  symbols: { symbol: string; values: Record<string, StateArray> }[];
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const header = {
    partition: c.partition,
    seq: c.seq,
    symbols: c.symbols.map((s) => ({ symbol: s.symbol, tensors: Object.entries(s.values).map(([k, v]) => [k, v instanceof Int32Array ? 'i32' : 'f32', v.length]) })),
  };
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const body = c.symbols.flatMap((s) => Object.values(s.values).map((v) => Buffer.from(v.buffer, v.byteOffset, v.byteLength)));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  return Buffer.concat([len, head, ...body]);
}

export function decodeCheckpoint(bytes: Uint8Array, what: string): Checkpoint {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new RangeError(`checkpoint ${what}: ${why}`);
  };
  if (buf.length < 4) fail('truncated');
  const hl = buf.readUInt32LE(0);
  if (4 + hl > buf.length) fail('header runs past the end');
  let header: { partition: number; seq: number; symbols: { symbol: string; tensors: [string, string, number][] }[] };
  try {
    header = JSON.parse(buf.subarray(4, 4 + hl).toString('utf8'));
  } catch {
    return fail('header is not JSON');
  }
  if (!Number.isInteger(header?.partition) || !Number.isSafeInteger(header.seq) || !Array.isArray(header.symbols)) fail('bad header');
  let at = 4 + hl;
  const symbols = header.symbols.map((s) => {
    const values: Record<string, StateArray> = {};
    for (const [name, dtype, length] of s.tensors) {
      if (!Number.isSafeInteger(length) || length < 0 || at + 4 * length > buf.length) fail(`${s.symbol}.${name} runs past the end`);
      const copy = new Uint8Array(buf.subarray(at, at + 4 * length)).buffer; // aligned copy
      values[name] = dtype === 'i32' ? new Int32Array(copy) : new Float32Array(copy);
      at += 4 * length;
    }
    return { symbol: String(s.symbol), values };
  });
  if (at !== buf.length) fail(`${buf.length - at} bytes after the last tensor`);
  return { partition: header.partition, seq: header.seq, symbols };
}
