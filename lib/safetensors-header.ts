/**
 * The safetensors header, checked strictly before any tensor data is touched: files come from
 * downloads, so every rule of the format is enforced and a violation names the file and the field.
 *
 * Layout: u64 little-endian header length N, N bytes of UTF-8 JSON, then the data section. The JSON is
 * an object: each key a tensor name mapping to exactly {dtype, shape, data_offsets}, plus an optional
 * `__metadata__` object of string → string. Shapes are lists of non-negative integers; offsets are
 * [begin, end) into the data section, end - begin = elements × dtype size, and the tensors, taken in
 * offset order, tile the data section exactly: no holes, no overlaps, no trailing bytes.
 */

/** Bytes per element of every dtype the format defines (the readers support a subset). */
export const DTYPE_SIZES: Readonly<Record<string, number>> = Object.freeze({
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
});

/** The largest header accepted (the reference implementation's limit): a header is read whole. */
export const MAX_HEADER_BYTES = 100_000_000;
/** Tensors of more dimensions than this are refused (a rank-100000 shape is an attack, not a tensor). */
export const MAX_RANK = 64;

export interface HeaderEntry {
  name: string;
  dtype: string;
  shape: number[];
  /** Byte offsets into the data section. */
  begin: number;
  end: number;
}

export interface ParsedHeader {
  /** Tensors in data order. */
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  /** Where the data section starts in the file (8 + header length). */
  dataStart: number;
}

export class SafetensorsError extends RangeError {
  constructor(readonly source: string, message: string) {
    super(`safetensors ${source}: ${message}`);
  }
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: unknown) => {
  if (v === undefined) return 'nothing (field missing)';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

/** The header length from the first 8 bytes, checked against the file size and the limit. */
export function headerLength(first8: Uint8Array, fileBytes: number, source: string): number {
  if (fileBytes < 8 || first8.byteLength < 8) throw new SafetensorsError(source, `shorter than its 8-byte header length (${fileBytes} bytes)`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(fileBytes - 8)) throw new SafetensorsError(source, `header length ${n} exceeds the file (${fileBytes} bytes)`);
  if (n > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(source, `header length ${n} exceeds the limit of ${MAX_HEADER_BYTES} bytes`);
  if (n < 2n) throw new SafetensorsError(source, `header length ${n} is too short for a JSON object`);
  return Number(n);
}

/**
 * Rejects a key repeated within one JSON object (JSON.parse keeps the last silently, so a file could
 * show one tensor to one reader and another to us). Runs on text JSON.parse already accepted.
 */
function checkDuplicateKeys(text: string, source: string): void {
  const stack: (Set<string> | null)[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '{') stack.push(new Set());
    else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    else if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      const raw = text.slice(i, j + 1);
      i = j;
      const keys = stack[stack.length - 1];
      if (!keys) continue;
      let k = i + 1;
      while (k < text.length && /\s/.test(text[k])) k++;
      if (text[k] !== ':') continue;
      const key = JSON.parse(raw) as string;
      if (keys.has(key)) throw new SafetensorsError(source, `header: key ${show(key)} appears twice${stack.length > 1 ? ' in one object' : ''}`);
      keys.add(key);
    }
  }
}

function checkEntry(source: string, name: string, v: unknown, dataBytes: number): HeaderEntry {
  const where = `tensor ${show(name)}`;
  if (name === '') throw new SafetensorsError(source, 'a tensor has an empty name');
  if (!isPlainObject(v)) throw new SafetensorsError(source, `${where}: expected an object {dtype, shape, data_offsets}, got ${show(v)}`);
  for (const k of Object.keys(v)) {
    if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') throw new SafetensorsError(source, `${where}: unknown field ${show(k)}`);
  }
  const { dtype, shape, data_offsets: offsets } = v;
  if (typeof dtype !== 'string' || !hasOwn(DTYPE_SIZES, dtype)) throw new SafetensorsError(source, `${where}: dtype: expected one of ${Object.keys(DTYPE_SIZES).join(', ')}, got ${show(dtype)}`);
  if (!Array.isArray(shape)) throw new SafetensorsError(source, `${where}: shape: expected an array, got ${show(shape)}`);
  if (shape.length > MAX_RANK) throw new SafetensorsError(source, `${where}: shape: rank ${shape.length} exceeds ${MAX_RANK}`);
  let count = 1;
  shape.forEach((d, i) => {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) throw new SafetensorsError(source, `${where}: shape[${i}]: expected a non-negative integer, got ${show(d)}`);
    count *= d;
  });
  const bytes = count * DTYPE_SIZES[dtype];
  if (!Number.isSafeInteger(bytes) || bytes > dataBytes) throw new SafetensorsError(source, `${where}: shape [${shape}] of ${dtype} needs ${bytes} bytes, the data section has ${dataBytes}`);
  if (!Array.isArray(offsets) || offsets.length !== 2) throw new SafetensorsError(source, `${where}: data_offsets: expected [begin, end], got ${show(offsets)}`);
  offsets.forEach((o, i) => {
    if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0) throw new SafetensorsError(source, `${where}: data_offsets[${i}]: expected a non-negative integer, got ${show(o)}`);
  });
  const [begin, end] = offsets as number[];
  if (end - begin !== bytes) throw new SafetensorsError(source, `${where}: data_offsets [${begin}, ${end}] hold ${end - begin} bytes, ${dtype}[${shape}] needs ${bytes}`);
  return { name, dtype, shape: shape as number[], begin, end };
}

/**
 * Checks the header JSON (raw bytes) against the format rules, given the data section's size.
 * Returns the tensors in data order and the metadata.
 */
export function parseHeader(headerBytes: Uint8Array, dataBytes: number, source: string): ParsedHeader {
  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark in the text, where JSON.parse refuses it: it is not JSON.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(source, 'header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(source, `header is not JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(header)) throw new SafetensorsError(source, `header must be a JSON object, got ${show(header)}`);
  checkDuplicateKeys(text, source);
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isPlainObject(v)) throw new SafetensorsError(source, `__metadata__: expected an object of strings, got ${show(v)}`);
      for (const [k, s] of Object.entries(v)) {
        if (typeof s !== 'string') throw new SafetensorsError(source, `__metadata__.${k}: expected a string, got ${show(s)}`);
        Object.defineProperty(metadata, k, { value: s, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    entries.push(checkEntry(source, name, v, dataBytes));
  }
  // In offset order the tensors must tile the data section: each starts where the previous ended.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of entries) {
    if (e.begin !== at) {
      const what = e.begin < at ? 'overlaps the tensor before it' : `leaves a hole of ${e.begin - at} bytes before it`;
      throw new SafetensorsError(source, `tensor ${show(e.name)}: data_offsets [${e.begin}, ${e.end}] ${what}`);
    }
    at = e.end;
  }
  if (at !== dataBytes) throw new SafetensorsError(source, `tensors cover ${at} bytes of the ${dataBytes}-byte data section (trailing bytes)`);
  return { entries, metadata, dataStart: 8 + headerBytes.byteLength };
}

/** The header bytes for tensors laid out in the given order, padded so the data starts 8-byte aligned. */
export function buildHeader(tensors: readonly { name: string; dtype: string; shape: readonly number[]; bytes: number }[], metadata: Record<string, string>): { header: Uint8Array; dataBytes: number } {
  // A null-prototype object, so a tensor named "__proto__" is a key like any other.
  const header: Record<string, unknown> = Object.create(null);
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: [...t.shape], data_offsets: [offset, offset + t.bytes] };
    offset += t.bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const body = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + body.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.length), true);
  out.set(body, 8);
  return { header: out, dataBytes: offset };
}
