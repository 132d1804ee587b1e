/**
 * Request streams: the hackathon's parquet files (feature_00..78, symbol, target_00..03, delay_ms) and
 * the same columns as NDJSON or CSV. A record's `delayMs` is the wait before it is sent, after the
 * previous record.
 */
import { readFileSync, statSync } from 'node:fs';
import { atomicWriteText } from '../atomic-file.js';
import { extname } from 'node:path';
import { parquetReadObjects } from 'hyparquet';

export interface StreamRecord {
  /** Row index in the stream (the hackathon's unique_id). */
  id: number;
  symbol: string;
  features: Float32Array;
  delayMs: number;
  /** Expected outputs, one per tower, when the stream has them. */
  targets?: Float32Array;
}

export type StreamFormat = 'parquet' | 'ndjson' | 'csv';

export function formatOf(path: string): StreamFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.parquet') return 'parquet';
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  throw new RangeError(`${path}: unknown stream format '${ext}' (expected .parquet, .ndjson/.jsonl or .csv)`);
}

const pad2 = (i: number) => String(i).padStart(2, '0');

/** The largest float32; a value beyond it would become ±Infinity in the model's float32 features. */
const F32_MAX = 3.4028234663852886e38;
/** A plain decimal number as CSV writes it: no hex, no empty cell, no words (NaN, Infinity). */
const CSV_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export type CellReader = (v: unknown) => number | undefined;

/** Per-format number rules (docs/stream.md): a value that breaks them is an error naming row and column. */
export const CELL_READERS: Record<StreamFormat, CellReader> = {
  // Parquet columns are typed: numbers (or 64-bit integers); null is a missing value.
  parquet: (v) => (typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : undefined),
  // NDJSON: JSON numbers only; strings, null, booleans are refused rather than coerced.
  ndjson: (v) => (typeof v === 'number' ? v : undefined),
  csv: (v) => (typeof v === 'string' && CSV_NUMBER.test(v) ? Number(v) : undefined),
};

/** Builds records from column-named rows (parquet rows, NDJSON objects, CSV rows). */
function fromRows(rows: Record<string, unknown>[], source: string, cell: CellReader): StreamRecord[] {
  if (rows.length === 0) return [];
  const keys = Object.keys(rows[0]);
  const featureCols = keys.filter((k) => k.startsWith('feature_')).sort();
  const targetCols = keys.filter((k) => k.startsWith('target_')).sort();
  return rows.map((row, id) => {
    const finite = (v: unknown, what: string) => {
      const x = cell(v);
      if (x === undefined || !Number.isFinite(x) || Math.abs(x) > F32_MAX) {
        throw new RangeError(`${source}: row ${id}: ${what} is not a finite float32 number (${v === undefined ? 'missing' : JSON.stringify(v) ?? String(v)})`);
      }
      return x;
    };
    const list = (v: unknown, what: string) => {
      if (!Array.isArray(v)) throw new RangeError(`${source}: row ${id}: ${what} must be an array of numbers`);
      return Float32Array.from(v, (x, i) => finite(x, `${what}[${i}]`));
    };
    const num = (k: string) => finite(row[k], k);
    let features: Float32Array;
    if (featureCols.length > 0) features = Float32Array.from(featureCols, num);
    else if (row.features !== undefined) features = list(row.features, 'features');
    else throw new RangeError(`${source}: row ${id}: no feature_NN columns or features array`);
    const symbol = row.symbol;
    if (typeof symbol !== 'string' || symbol === '') throw new RangeError(`${source}: row ${id}: symbol missing`);
    let targets: Float32Array | undefined;
    if (targetCols.length > 0) targets = Float32Array.from(targetCols, num);
    else if (row.targets !== undefined) targets = list(row.targets, 'targets');
    const delay = row.delay_ms === undefined ? 0 : num('delay_ms');
    if (delay < 0) throw new RangeError(`${source}: row ${id}: delay_ms must be >= 0, got ${delay}`);
    return { id, symbol, features, delayMs: delay, targets };
  });
}

function parseCsv(text: string, source: string): Record<string, unknown>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) return [];
  const header = lines[0].split(',').map((h) => h.trim());
  return lines.slice(1).map((line, i) => {
    const cells = line.split(',');
    if (cells.length !== header.length) throw new RangeError(`${source}: line ${i + 2}: ${cells.length} fields, header has ${header.length}`);
    return Object.fromEntries(header.map((h, j) => [h, cells[j].trim()]));
  });
}

function parseNdjson(text: string, source: string): Record<string, unknown>[] {
  return text
    .split(/\r?\n/)
    .map((l, i) => [l.trim(), i] as const)
    .filter(([l]) => l !== '')
    .map(([l, i]) => {
      try {
        const o = JSON.parse(l) as unknown;
        if (typeof o !== 'object' || o === null || Array.isArray(o)) throw new Error('expected a JSON object');
        return o as Record<string, unknown>;
      } catch (e) {
        throw new RangeError(`${source}: line ${i + 1}: not a JSON object (${(e as Error).message})`);
      }
    });
}

/** Streams are read whole; one larger than this is refused by name instead of failing inside Node. */
export const MAX_STREAM_FILE_BYTES = 2 ** 31 - 1;

export async function readStream(path: string): Promise<StreamRecord[]> {
  const format = formatOf(path);
  const size = statSync(path).size;
  if (size > MAX_STREAM_FILE_BYTES) throw new RangeError(`${path}: ${size} bytes; request streams are read whole and must be under 2 GiB (split the file)`);
  const buf = readFileSync(path);
  if (format === 'parquet') {
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    let rows: Record<string, unknown>[];
    try {
      rows = (await parquetReadObjects({ file })) as Record<string, unknown>[];
    } catch (e) {
      throw new RangeError(`${path}: not a readable parquet file (${(e as Error).message})`);
    }
    return fromRows(rows, path, CELL_READERS.parquet);
  }
  const text = buf.toString('utf8');
  return fromRows(format === 'csv' ? parseCsv(text, path) : parseNdjson(text, path), path, CELL_READERS[format]);
}

function columnsOf(r: StreamRecord): Record<string, number | string> {
  const row: Record<string, number | string> = {};
  r.features.forEach((v, i) => (row[`feature_${pad2(i)}`] = v));
  row.delay_ms = r.delayMs;
  r.targets?.forEach((v, i) => (row[`target_${pad2(i)}`] = v));
  row.symbol = r.symbol;
  return row;
}

/** Writes records as NDJSON or CSV with the hackathon's column names (atomic). */
export function writeStream(path: string, records: readonly StreamRecord[]): void {
  const format = formatOf(path);
  let text: string;
  if (format === 'ndjson') text = records.map((r) => JSON.stringify(columnsOf(r))).join('\n') + '\n';
  else if (format === 'csv') {
    const rows = records.map(columnsOf);
    const header = rows.length > 0 ? Object.keys(rows[0]) : [];
    text = [header.join(','), ...rows.map((r) => header.map((h) => String(r[h])).join(','))].join('\n') + '\n';
  } else throw new RangeError(`${path}: writing parquet is not supported; use .ndjson or .csv`);
  atomicWriteText(path, text);
}
