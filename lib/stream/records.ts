/**
 * Request streams: the hackathon's parquet files (feature_00..78, symbol, target_00..03, delay_ms) and
 * the same columns as NDJSON or CSV. A record's `delayMs` is the wait before it is sent, after the
 * previous record.
 */
import { readFileSync } from 'node:fs';
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

/** Builds records from column-named rows (parquet rows, NDJSON objects, CSV rows). */
function fromRows(rows: Record<string, unknown>[], source: string): StreamRecord[] {
  if (rows.length === 0) return [];
  const keys = Object.keys(rows[0]);
  const featureCols = keys.filter((k) => k.startsWith('feature_')).sort();
  const targetCols = keys.filter((k) => k.startsWith('target_')).sort();
  return rows.map((row, id) => {
    const num = (k: string) => {
      const v = Number(row[k]);
      if (!Number.isFinite(v)) throw new RangeError(`${source}: row ${id}: ${k} is not a finite number (${String(row[k])})`);
      return v;
    };
    let features: Float32Array;
    if (featureCols.length > 0) features = Float32Array.from(featureCols, num);
    else if (Array.isArray(row.features)) features = Float32Array.from(row.features as number[], (v) => Number(v));
    else throw new RangeError(`${source}: row ${id}: no feature_NN columns or features array`);
    const symbol = row.symbol;
    if (typeof symbol !== 'string' || symbol === '') throw new RangeError(`${source}: row ${id}: symbol missing`);
    let targets: Float32Array | undefined;
    if (targetCols.length > 0) targets = Float32Array.from(targetCols, num);
    else if (Array.isArray(row.targets)) targets = Float32Array.from(row.targets as number[], (v) => Number(v));
    const delay = row.delay_ms === undefined ? 0 : num('delay_ms');
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
        return JSON.parse(l) as Record<string, unknown>;
      } catch (e) {
        throw new RangeError(`${source}: line ${i + 1}: not JSON (${(e as Error).message})`);
      }
    });
}

export async function readStream(path: string): Promise<StreamRecord[]> {
  const format = formatOf(path);
  const buf = readFileSync(path);
  if (format === 'parquet') {
    const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
    return fromRows((await parquetReadObjects({ file })) as Record<string, unknown>[], path);
  }
  const text = buf.toString('utf8');
  return fromRows(format === 'csv' ? parseCsv(text, path) : parseNdjson(text, path), path);
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
