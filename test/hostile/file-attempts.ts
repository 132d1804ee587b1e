/**
 * Hostile files: safetensors headers (every format rule), saved engine states (a refused file must
 * leave pool and symbol map byte-identical), request streams (per-format number rules), engine
 * requests with non-finite features, and golden case files.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSafetensors, readSafetensors, writeSafetensors, type StoredTensor } from '../../lib/safetensors.js';
import { runGolden } from '../../lib/golden/runner.js';
import { StreamEngine } from '../../lib/stream/engine.js';
import { readStream } from '../../lib/stream/records.js';
import { refusal, type Attempt, type Outcome } from './attempts.js';

export const scratch = mkdtempSync(join(tmpdir(), 'hashmac-hostile-'));
export const cleanScratch = () => rmSync(scratch, { recursive: true, force: true });

/** A safetensors file from a header (text or object), its data bytes and optionally a wrong length field. */
export function stBytes(header: string | object | Uint8Array, data: Uint8Array | number = 0, length?: bigint): Uint8Array {
  const body = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const bytes = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + body.length + bytes.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(body.length), true);
  out.set(body, 8);
  out.set(bytes, 8 + body.length);
  return out;
}

const f32 = (shape: unknown, data_offsets: unknown, dtype: unknown = 'F32') => ({ dtype, shape, data_offsets });

/** [name, file bytes] of malformed safetensors files; each must be refused naming the file. */
export const MALFORMED_SAFETENSORS: [string, Uint8Array][] = [
  ['empty file', new Uint8Array(0)],
  ['7 bytes', new Uint8Array(7)],
  ['header length past the end', stBytes('{}', 0, 1000n)],
  ['header length 2^63', stBytes('{}', 0, 1n << 63n)],
  ['header length 0', stBytes('', 8, 0n)],
  ['header not UTF-8', stBytes(Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))],
  ['header not JSON', stBytes('{"a": ')],
  ['header is 5', stBytes('5')],
  ['header is null', stBytes('null')],
  ['header is an array', stBytes('[]')],
  ['header is a string', stBytes('"abc"')],
  ['header with a BOM', stBytes('\ufeff{}')],
  ['entry is a number', stBytes({ a: 5 })],
  ['entry is null', stBytes({ a: null })],
  ['dtype missing', stBytes({ a: { shape: [1], data_offsets: [0, 4] } }, 4)],
  ['dtype unknown', stBytes({ a: f32([1], [0, 4], 'F128') }, 4)],
  ['dtype a number', stBytes({ a: f32([1], [0, 4], 4) }, 4)],
  ['dtype __proto__', stBytes({ a: f32([1], [0, 4], '__proto__') }, 4)],
  ['dtype valid but unsupported (U32)', stBytes({ a: f32([1], [0, 4], 'U32') }, 4)],
  ['shape missing', stBytes({ a: { dtype: 'F32', data_offsets: [0, 4] } }, 4)],
  ['shape a string', stBytes({ a: f32('4', [0, 4]) }, 4)],
  ['shape negative', stBytes({ a: f32([-1, -4], [0, 16]) }, 16)],
  ['shape fractional [0.5, 8]', stBytes({ a: f32([0.5, 8], [0, 16]) }, 16)],
  ['shape of strings', stBytes({ a: f32(['2'], [0, 8]) }, 8)],
  ['shape with null', stBytes({ a: f32([null], [0, 0]) }, 0)],
  ['shape NaN-like 1e400', stBytes('{"a":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}}', 4)],
  ['rank 100000', stBytes({ a: f32(new Array(100000).fill(1), [0, 4]) }, 4)],
  ['shape product past 2^53', stBytes({ a: f32([2 ** 30, 2 ** 30, 2 ** 30], [0, 4]) }, 4)],
  ['data_offsets missing', stBytes({ a: { dtype: 'F32', shape: [1] } }, 4)],
  ['data_offsets of 3', stBytes({ a: f32([1], [0, 4, 8]) }, 8)],
  ['data_offsets fractional', stBytes({ a: f32([1], [0.5, 4.5]) }, 5)],
  ['data_offsets negative', stBytes({ a: f32([2], [-8, 0]) }, 8)],
  ['data_offsets strings', stBytes({ a: f32([1], ['0', '4']) }, 4)],
  ['data_offsets reversed', stBytes({ a: f32([0], [8, 0]) }, 8)],
  ['data_offsets size disagrees with shape', stBytes({ a: f32([1], [0, 8]) }, 8)],
  ['overlapping tensors', stBytes({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, 12)],
  ['hole between tensors', stBytes({ a: f32([1], [0, 4]), b: f32([1], [8, 12]) }, 12)],
  ['first tensor not at 0', stBytes({ a: f32([1], [4, 8]) }, 8)],
  ['trailing bytes', stBytes({ a: f32([1], [0, 4]) }, 12)],
  ['data shorter than the offsets', stBytes({ a: f32([4], [0, 16]) }, 8)],
  ['duplicate tensor names', stBytes('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8)],
  ['duplicate field in an entry', stBytes('{"a":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}}', 4)],
  ['unknown field in an entry', stBytes({ a: { ...f32([1], [0, 4]), extra: 1 } }, 4)],
  ['empty tensor name', stBytes({ '': f32([1], [0, 4]) }, 4)],
  ['__metadata__ is 5', stBytes({ __metadata__: 5 })],
  ['__metadata__ an array', stBytes({ __metadata__: ['a'] })],
  ['__metadata__ value a number', stBytes({ __metadata__: { kind: 5 } })],
  ['__metadata__ value null', stBytes({ __metadata__: { kind: null } })],
  ['__metadata__ value an object', stBytes({ __metadata__: { config: { a: 1 } } })],
  ['__metadata__ twice', stBytes('{"__metadata__":{"a":"1"},"__metadata__":{"a":"2"}}')],
];

/** Valid edge cases that must be read back exactly (controls against over-strictness). */
export const VALID_SAFETENSORS: [string, Uint8Array, (f: ReturnType<typeof parseSafetensors>) => boolean][] = [
  ['no tensors', stBytes('{}'), (f) => f.tensors.size === 0],
  ['zero-size tensor between two', stBytes({ a: f32([1], [0, 4]), z: f32([0, 3], [4, 4]), b: f32([1], [4, 8]) }, 8), (f) => f.tensors.get('z')!.data.length === 0 && f.tensors.size === 3],
  ['tensor named __proto__', stBytes('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 4), (f) => f.tensors.has('__proto__')],
  ['header padded with spaces, metadata', stBytes('{"__metadata__":{"k":"v"},"a":{"dtype":"I16","shape":[2],"data_offsets":[0,4]}}   ', 4), (f) => f.metadata.k === 'v' && f.tensors.get('a')!.data instanceof Int16Array],
];

function safetensorsAttempts(): Attempt[] {
  const dir = join(scratch, 'st');
  mkdirSync(dir, { recursive: true });
  return MALFORMED_SAFETENSORS.map(([name, bytes], i) => ({
    category: 'safetensors files',
    name,
    run: async (): Promise<Outcome> => {
      const path = join(dir, `case-${i}.safetensors`);
      writeFileSync(path, bytes);
      // Both entry points: the buffer parser and the file reader (streamed, positional reads).
      const a = await refusal(() => parseSafetensors(bytes, path), new RegExp(`safetensors ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      const b = await refusal(() => readSafetensors(path), new RegExp(`safetensors ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      return { rejected: a.rejected && b.rejected, clear: a.clear && b.clear, detail: a.rejected && !b.rejected ? `file reader: ${b.detail}` : a.detail };
    },
  }));
}

// ---- saved states

const CONFIG = { hiddenSize: 32, projSize: 32, towerDepth: 1, numHeads: 2, numFeatures: 5 };

/** An engine with three symbols of history. */
export function busyEngine(capacity = 4): StreamEngine {
  const e = new StreamEngine({ config: CONFIG, capacity, seed: 3, backend: 'js' });
  const reqs = (s: string, n: number) => Array.from({ length: n }, (_, i) => ({ id: i, symbol: s, features: Float32Array.from({ length: 5 }, (_, j) => Math.sin(i + j + s.length)) }));
  e.processBatch(new Map([['AA', reqs('AA', 2)], ['BBB', reqs('BBB', 1)], ['C', reqs('C', 3)]]));
  return e;
}

/** Every byte of the pool and the symbol map, to compare before and after a refused load. */
export function snapshot(e: StreamEngine): string {
  const parts: string[] = [JSON.stringify(e.slots.entries())];
  for (const [name, t] of Object.entries(e.pool.tensors)) parts.push(name, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString('base64'));
  return parts.join('|');
}

type Edit = (f: { tensors: Map<string, StoredTensor>; metadata: Record<string, string> }) => void;

function stateAttempts(): Attempt[] {
  const dir = join(scratch, 'state');
  mkdirSync(dir, { recursive: true });
  const good = join(dir, 'good.safetensors');
  const saver = busyEngine();
  saver.saveState(good);
  const symbolFile = join(dir, 'sym.safetensors');
  saver.saveSymbol(symbolFile, 'AA');
  const firstName = () => Object.keys(saver.pool.tensors)[0];
  const edited = (edit: Edit) => {
    const f = readSafetensors(good);
    edit(f);
    return f;
  };
  const meta = (k: string, v: string): Edit => (f) => void (f.metadata[k] = v);
  const cases: [string, Edit | Uint8Array | 'missing'][] = [
    ['two symbols in slot 0', meta('symbols', JSON.stringify({ AA: 0, ZZ: 0 }))],
    ['slot past the pool', meta('symbols', JSON.stringify({ AA: 99 }))],
    ['negative slot', meta('symbols', JSON.stringify({ AA: -1 }))],
    ['fractional slot', meta('symbols', JSON.stringify({ AA: 0.5 }))],
    ['slot a string', meta('symbols', JSON.stringify({ AA: '0' }))],
    ['slot null', meta('symbols', JSON.stringify({ AA: null }))],
    ['symbols not JSON', meta('symbols', '{AA: 0')],
    ['symbols an array', meta('symbols', '[["AA", 0]]')],
    ['empty symbol name', meta('symbols', JSON.stringify({ '': 1 }))],
    ['another config', meta('config', JSON.stringify({ ...CONFIG, hiddenSize: 64 }))],
    ['wrong kind', meta('kind', 'hashmac-stream-symbol')],
    ['kind missing', (f) => void delete f.metadata.kind],
    ['a state tensor missing', (f) => void f.tensors.delete(firstName())],
    ['an extra tensor', (f) => void f.tensors.set('extra', { dtype: 'F32', shape: [1], data: new Float32Array(1) })],
    ['a tensor int32 instead of float32', (f) => {
      const t = f.tensors.get(firstName())!;
      f.tensors.set(firstName(), { dtype: 'I32', shape: t.shape, data: new Int32Array(t.data.length) });
    }],
    ['a tensor with another slot count', (f) => {
      const t = f.tensors.get(firstName())!;
      const n = t.data.length / t.shape[0];
      f.tensors.set(firstName(), { dtype: 'F32', shape: [t.shape[0] + 1, ...t.shape.slice(1)], data: new Float32Array(n * (t.shape[0] + 1)) });
    }],
    ['a tensor with another shape', (f) => {
      const t = f.tensors.get(firstName())!;
      f.tensors.set(firstName(), { dtype: 'F32', shape: [t.shape[0], t.data.length / t.shape[0]], data: t.data });
    }],
    ['truncated by 1 byte', readFileSync(good).subarray(0, readFileSync(good).length - 1)],
    ['truncated to the header', readFileSync(good).subarray(0, 64)],
    ['malformed header (overlap)', stBytes({ a: f32([2], [0, 8]), b: f32([2], [4, 12]) }, 12)],
    ['file missing', 'missing'],
  ];
  const attempts: Attempt[] = cases.map(([name, how], i) => ({
    category: 'saved states',
    name: `loadState: ${name}`,
    run: async () => {
      const path = join(dir, `bad-${i}.safetensors`);
      if (how instanceof Uint8Array) writeFileSync(path, how);
      else if (typeof how === 'function') {
        const f = edited(how);
        writeSafetensors(path, Object.fromEntries(f.tensors), f.metadata);
      }
      const engine = busyEngine();
      const before = snapshot(engine);
      const o = await refusal(() => engine.loadState(path), new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      return { ...o, lost: snapshot(engine) !== before };
    },
  }));
  const symbolCases: [string, Edit][] = [
    ['symbol file: empty symbol name', meta('symbol', '')],
    ['symbol file: pool file given', meta('kind', 'hashmac-stream-pool')],
  ];
  symbolCases.forEach(([name, edit], i) => attempts.push({
    category: 'saved states',
    name,
    run: async () => {
      const path = join(dir, `bad-sym-${i}.safetensors`);
      const f = readSafetensors(symbolFile);
      edit(f);
      writeSafetensors(path, Object.fromEntries(f.tensors), f.metadata);
      const engine = busyEngine();
      const before = snapshot(engine);
      const o = await refusal(() => engine.loadSymbol(path), new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      return { ...o, lost: snapshot(engine) !== before };
    },
  }));
  return attempts;
}

// ---- request streams

const HEADER = 'symbol,delay_ms,feature_00,feature_01';
export const MALFORMED_STREAMS: [string, string, string][] = [
  ['ndjson: feature "abc"', 'ndjson', '{"symbol":"A","features":["abc",1]}'],
  ['ndjson: feature null', 'ndjson', '{"symbol":"A","features":[null,1]}'],
  ['ndjson: feature 1e300 (float32 overflow)', 'ndjson', '{"symbol":"A","features":[1e300,1]}'],
  ['ndjson: feature true', 'ndjson', '{"symbol":"A","features":[true,1]}'],
  ['ndjson: feature "1" (a string)', 'ndjson', '{"symbol":"A","features":["1",1]}'],
  ['ndjson: Python NaN literal', 'ndjson', '{"symbol":"A","features":[NaN,1]}'],
  ['ndjson: feature_00 column "abc"', 'ndjson', '{"symbol":"A","feature_00":"abc"}'],
  ['ndjson: features not an array', 'ndjson', '{"symbol":"A","features":5}'],
  ['ndjson: symbol missing', 'ndjson', '{"features":[1,2]}'],
  ['ndjson: negative delay', 'ndjson', '{"symbol":"A","delay_ms":-5,"features":[1,2]}'],
  ['ndjson: a line that is 5', 'ndjson', '5'],
  ['ndjson: second row lacks a column', 'ndjson', '{"symbol":"A","feature_00":1}\n{"symbol":"A"}'],
  ['ndjson: target NaN-ish string', 'ndjson', '{"symbol":"A","features":[1,2],"targets":["NaN"]}'],
  ['csv: empty cell', 'csv', `${HEADER}\nA,0,,1`],
  ['csv: spaces', 'csv', `${HEADER}\nA,0,   ,1`],
  ['csv: 0x10', 'csv', `${HEADER}\nA,0,0x10,1`],
  ['csv: NaN', 'csv', `${HEADER}\nA,0,NaN,1`],
  ['csv: Infinity', 'csv', `${HEADER}\nA,0,Infinity,1`],
  ['csv: 1e39 (float32 overflow)', 'csv', `${HEADER}\nA,0,1e39,1`],
  ['csv: abc', 'csv', `${HEADER}\nA,0,abc,1`],
  ['csv: too many fields', 'csv', `${HEADER}\nA,0,1,2,3`],
  ['csv: delay 1_000', 'csv', `${HEADER}\nA,1_000,1,2`],
];

function streamAttempts(): Attempt[] {
  const dir = join(scratch, 'streams');
  mkdirSync(dir, { recursive: true });
  const attempts: Attempt[] = MALFORMED_STREAMS.map(([name, ext, text], i) => ({
    category: 'stream records',
    name,
    run: () => {
      const path = join(dir, `s${i}.${ext}`);
      writeFileSync(path, text + '\n');
      return refusal(() => readStream(path), new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (row|line) \\d`));
    },
  }));
  attempts.push({
    category: 'stream records',
    name: 'parquet: not a parquet file',
    run: () => {
      const path = join(dir, 'junk.parquet');
      writeFileSync(path, 'PAR1 this is not parquet');
      return refusal(() => readStream(path), /junk\.parquet: /);
    },
  });
  return attempts;
}

export const NON_FINITE_FEATURES: [string, unknown][] = [['NaN', NaN], ['Infinity', Infinity], ['-Infinity', -Infinity], ['1e300', 1e300], ['-3.5e38', -3.5e38], ['"1" (string)', '1'], ['null', null]];

function engineAttempts(): Attempt[] {
  return NON_FINITE_FEATURES.map(([name, v]) => ({
    category: 'engine requests',
    name: `processBatch: feature ${name}`,
    run: async () => {
      const engine = busyEngine();
      const before = snapshot(engine);
      const features = [0.5, v, 0.25, 0, 1] as number[];
      const o = await refusal(() => engine.processBatch(new Map([['AA', [{ id: 77, symbol: 'AA', features }]]])), /request 77: feature 1/);
      return { ...o, lost: snapshot(engine) !== before };
    },
  }));
}

// ---- golden cases

function goldenAttempts(): Attempt[] {
  const good = readdirSync(join(__dirname, '..', 'fixtures', 'golden')).filter((f) => f.endsWith('.safetensors')).sort()[0];
  const goodPath = join(__dirname, '..', 'fixtures', 'golden', good);
  const edit = (e: Edit) => {
    const f = readSafetensors(goodPath);
    e(f);
    return f;
  };
  const cases: [string, () => Uint8Array | ReturnType<typeof edit>][] = [
    ['malformed safetensors', () => stBytes('{"a": ')],
    ['no out.* tensors', () => edit((f) => { for (const n of [...f.tensors.keys()]) if (n.startsWith('out.')) f.tensors.delete(n); })],
    ['kernel "constructor"', () => edit((f) => void (f.metadata.kernel = 'constructor'))],
    ['kernel "__proto__"', () => edit((f) => void (f.metadata.kernel = '__proto__'))],
    ['params not JSON', () => edit((f) => void (f.metadata.params = '{'))],
    ['tolerance with a string atol', () => edit((f) => void (f.metadata.tolerance = JSON.stringify({ [[...f.tensors.keys()].find((n) => n.startsWith('out.'))!]: { atol: 'x', rtol: 0 } })))],
  ];
  return cases.map(([name, make], i) => ({
    category: 'golden cases',
    name,
    timeoutMs: 60_000,
    run: async (): Promise<Outcome> => {
      const dir = join(scratch, `golden-${i}`);
      mkdirSync(dir, { recursive: true });
      const file = `broken-${i}.safetensors`;
      const made = make();
      if (made instanceof Uint8Array) writeFileSync(join(dir, file), made);
      else writeSafetensors(join(dir, file), Object.fromEntries(made.tensors), made.metadata);
      writeFileSync(join(dir, good), readFileSync(goodPath));
      const lines: string[] = [];
      const report = await runGolden({ dir, backends: ['js'], log: (l) => lines.push(l) });
      const mine = report.cases.find((c) => c.file === file);
      const other = report.cases.find((c) => c.file === good);
      // Refused = the broken case failed by name (or, for an unknown kernel, was skipped as unknown) and the good one still ran.
      const unknownKernel = name.startsWith('kernel');
      const refused = mine !== undefined && (unknownKernel ? mine.status === 'skipped' : mine.status === 'failed');
      const clear = refused && other?.status === 'passed' && lines.some((l) => l.includes(`broken-${i}`));
      return { rejected: refused, clear, detail: lines.find((l) => l.includes(`broken-${i}`)) ?? JSON.stringify(mine) };
    },
  }));
}

export function fileAttempts(): Attempt[] {
  return [...safetensorsAttempts(), ...stateAttempts(), ...streamAttempts(), ...engineAttempts(), ...goldenAttempts()];
}

