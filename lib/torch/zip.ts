/**
 * The zip container of `torch.save` files: reading and writing *stored* (uncompressed) entries.
 *
 * Why hand-written rather than a zip package: torch writes only stored entries (data aligned to 64 bytes
 * by padding extra fields) and switches to ZIP64 records for big files. What a checkpoint reader needs is
 * the directory read with positional reads (checkpoints exceed the 2 GiB a buffer read can hold), each
 * entry then read straight into the array that keeps it, every offset checked against the file's size
 * (the file is untrusted), and ZIP64 — the maintained JS zip packages are built around compression and
 * streams of entries. Compressed entries, which torch never writes, are refused by name.
 */
import { crc32 } from 'node:zlib';
import { bufferSource, type ByteSource } from '../byte-source.js';

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const U32_MAX = 0xffffffff;

/** A stored entry: where its data lies in the archive and the CRC-32 it must have. */
export interface ZipEntry {
  name: string;
  /** Offset of the entry's first data byte in the archive. */
  offset: number;
  size: number;
  crc: number;
}

/** The central directory may hold this many bytes (torch writes ~100 bytes per tensor: over 2 million tensors). */
const MAX_DIRECTORY = 256 << 20;

function zipError(source: string, msg: string): never {
  throw new RangeError(`${source}: zip: ${msg}`);
}

/** True when the buffer starts like a zip archive (a local file header). */
export function looksLikeZip(buf: Uint8Array): boolean {
  return buf.byteLength >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

const viewOf = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

/** Reads the values in a ZIP64 extended-information extra field that the 32-bit fields mark as 0xffffffff. */
function zip64Extra(view: DataView, start: number, end: number, wanted: { size: boolean; compressed: boolean; offset: boolean }, source: string) {
  const out: { size?: number; compressed?: number; offset?: number } = {};
  let at = start;
  while (at + 4 <= end) {
    const id = view.getUint16(at, true);
    const len = view.getUint16(at + 2, true);
    if (at + 4 + len > end) zipError(source, 'extra field runs past its record');
    if (id === 0x0001) {
      let p = at + 4;
      const next = () => {
        if (p + 8 > at + 4 + len) zipError(source, 'ZIP64 extra field too short');
        const v = Number(view.getBigUint64(p, true));
        p += 8;
        return v;
      };
      if (wanted.size) out.size = next();
      if (wanted.compressed) out.compressed = next();
      if (wanted.offset) out.offset = next();
      return out;
    }
    at += 4 + len;
  }
  zipError(source, 'a 32-bit field says ZIP64 but the entry has no ZIP64 extra field');
}

/** Finds the end-of-central-directory record: the last signature within the final 64 KiB + 22 bytes. */
function findEocd(src: ByteSource): number {
  const tailStart = Math.max(0, src.size - 22 - 0xffff);
  const tail = src.read(tailStart, src.size - tailStart);
  const view = viewOf(tail);
  for (let at = tail.byteLength - 22; at >= 0; at--) {
    if (view.getUint32(at, true) === EOCD_SIG && at + 22 + view.getUint16(at + 20, true) === tail.byteLength) return tailStart + at;
  }
  zipError(src.name, 'no end-of-central-directory record (truncated or not a zip archive)');
}

/** A 64-bit size or offset: beyond 2^53 it cannot be a position in any file, and the range checks refuse it. */
const u64 = (view: DataView, at: number) => Number(view.getBigUint64(at, true));

/**
 * The stored entries of a zip archive, read from its central directory and local headers with positional
 * reads (never the data). Every offset and size is checked against the file; entries must not overlap,
 * so reading every entry never costs more memory than the file's size.
 */
export function readZipDirectory(src: ByteSource): Map<string, ZipEntry> {
  const source = src.name;
  if (src.size < 22) zipError(source, `${src.size} bytes, too short for a zip archive`);
  const eocd = findEocd(src);
  const end = viewOf(src.read(eocd, 22));
  let count = end.getUint16(10, true);
  let dirSize = end.getUint32(12, true);
  let dirOffset = end.getUint32(16, true);
  if (count === 0xffff || dirSize === U32_MAX || dirOffset === U32_MAX) {
    const loc = eocd - 20;
    if (loc < 0 || viewOf(src.read(loc, 4)).getUint32(0, true) !== ZIP64_LOCATOR_SIG) zipError(source, 'ZIP64 sizes without a ZIP64 locator');
    const rec = u64(viewOf(src.read(loc + 8, 8)), 0);
    if (rec + 56 > loc) zipError(source, 'ZIP64 end-of-central-directory record missing');
    const r = viewOf(src.read(rec, 56));
    if (r.getUint32(0, true) !== ZIP64_EOCD_SIG) zipError(source, 'ZIP64 end-of-central-directory record missing');
    count = u64(r, 32);
    dirSize = u64(r, 40);
    dirOffset = u64(r, 48);
  }
  if (dirOffset + dirSize > eocd) zipError(source, `central directory [${dirOffset}, +${dirSize}) overlaps its end record`);
  if (dirSize > MAX_DIRECTORY) zipError(source, `central directory of ${dirSize} bytes (limit ${MAX_DIRECTORY})`);
  // Each central record has at least 46 bytes: the count cannot exceed what the directory holds.
  if (count * 46 > dirSize) zipError(source, `${count} entries cannot fit a ${dirSize}-byte central directory`);

  const dir = src.read(dirOffset, dirSize);
  const view = viewOf(dir);
  const entries = new Map<string, ZipEntry>();
  const spans: { name: string; from: number; to: number }[] = [];
  const names = new TextDecoder('utf-8', { fatal: false });
  let at = 0;
  for (let n = 0; n < count; n++) {
    if (at + 46 > dirSize || view.getUint32(at, true) !== CENTRAL_SIG) zipError(source, `central directory entry ${n} is damaged`);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressed = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    let local = view.getUint32(at + 42, true);
    const next = at + 46 + nameLen + extraLen + commentLen;
    if (next > dirSize) zipError(source, `central directory entry ${n} runs past the directory`);
    const name = names.decode(dir.subarray(at + 46, at + 46 + nameLen));
    const wanted = { size: size === U32_MAX, compressed: compressed === U32_MAX, offset: local === U32_MAX };
    if (wanted.size || wanted.compressed || wanted.offset) {
      const z = zip64Extra(view, at + 46 + nameLen, at + 46 + nameLen + extraLen, wanted, source);
      size = z.size ?? size;
      compressed = z.compressed ?? compressed;
      local = z.offset ?? local;
    }
    if (method !== 0) zipError(source, `entry '${name}' is compressed (method ${method}); torch.save writes stored entries only`);
    if (compressed !== size) zipError(source, `entry '${name}' is stored but its sizes differ (${compressed} vs ${size})`);
    if (local + 30 > dirOffset) zipError(source, `entry '${name}' has no local header at ${local}`);
    const header = viewOf(src.read(local, 30));
    if (header.getUint32(0, true) !== LOCAL_SIG) zipError(source, `entry '${name}' has no local header at ${local}`);
    const offset = local + 30 + header.getUint16(26, true) + header.getUint16(28, true);
    if (offset + size > dirOffset) zipError(source, `entry '${name}' (${size} bytes at ${offset}) runs past the entries`);
    if (entries.has(name)) zipError(source, `entry '${name}' appears twice`);
    entries.set(name, { name, offset, size, crc });
    spans.push({ name, from: local, to: offset + size });
    at = next;
  }
  spans.sort((a, b) => a.from - b.from);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].from < spans[i - 1].to) zipError(source, `entries '${spans[i - 1].name}' and '${spans[i].name}' overlap`);
  }
  return entries;
}

/** CRC-32 of any length (zlib's takes the length as 32 bits: feed it in pieces). */
export function crcOf(data: Uint8Array): number {
  const CHUNK = 1 << 30;
  let crc = crc32(data.subarray(0, CHUNK));
  for (let at = CHUNK; at < data.byteLength; at += CHUNK) crc = crc32(data.subarray(at, at + CHUNK), crc);
  return crc >>> 0;
}

/** An entry's bytes (a view for a buffer source, a new array for a file), CRC-checked. */
export function readEntry(src: ByteSource, e: ZipEntry): Uint8Array {
  const data = src.read(e.offset, e.size);
  if (crcOf(data) !== e.crc) zipError(src.name, `entry '${e.name}' fails its CRC-32 check (damaged file)`);
  return data;
}

/** Every stored entry of an in-memory archive as views into `buf`, each CRC-checked. */
export function readZip(buf: Uint8Array, source: string): { entries: Map<string, Uint8Array> } {
  const src = bufferSource(buf, source);
  const entries = new Map<string, Uint8Array>();
  for (const [name, e] of readZipDirectory(src)) entries.set(name, readEntry(src, e));
  return { entries };
}

/**
 * The bytes of an archive of stored entries, laid out as torch does (each entry's data on a 64-byte
 * boundary, padding in the local header's extra field; ZIP64 records when the archive or an entry needs
 * them), as a list of pieces: each entry's header, the entry's own data (not copied), and the directory.
 * Writing the pieces one after the other streams an archive of any size with only its headers in memory.
 */
export function zipParts(files: ReadonlyArray<{ name: string; data: Uint8Array }>): Uint8Array[] {
  const ALIGN = 64;
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  const laid: { name: Uint8Array; size: number; crc: number; local: number; z64: boolean }[] = [];
  let at = 0;
  for (const f of files) {
    const name = enc.encode(f.name);
    const size = f.data.byteLength;
    const big = size >= U32_MAX;
    const zip64Len = big ? 20 : 0; // header 4 + sizes 16 (local headers carry no offset)
    const fixed = 30 + name.length + zip64Len + 4; // + 4: the padding field's own header
    const pad = (ALIGN - ((at + fixed) % ALIGN)) % ALIGN;
    const crc = crcOf(f.data);
    const h = new Uint8Array(fixed + pad);
    const v = viewOf(h);
    v.setUint32(0, LOCAL_SIG, true);
    v.setUint16(4, big ? 45 : 20, true);
    v.setUint32(14, crc, true);
    v.setUint32(18, big ? U32_MAX : size, true);
    v.setUint32(22, big ? U32_MAX : size, true);
    v.setUint16(26, name.length, true);
    v.setUint16(28, zip64Len + 4 + pad, true);
    h.set(name, 30);
    let p = 30 + name.length;
    if (big) {
      v.setUint16(p, 0x0001, true);
      v.setUint16(p + 2, 16, true);
      v.setBigUint64(p + 4, BigInt(size), true);
      v.setBigUint64(p + 12, BigInt(size), true);
      p += 20;
    }
    v.setUint16(p, 0x4246, true); // 'FB': the padding record id torch uses
    v.setUint16(p + 2, pad, true);
    parts.push(h, f.data);
    laid.push({ name, size, crc, local: at, z64: big || at >= U32_MAX });
    at += h.byteLength + size;
  }
  const dirStart = at;
  let dirSize = 0;
  for (const e of laid) dirSize += 46 + e.name.length + (e.z64 ? 28 : 0);
  const needZip64 = laid.length >= 0xffff || dirStart + dirSize >= U32_MAX || laid.some((e) => e.z64);
  const tail = new Uint8Array(dirSize + (needZip64 ? 56 + 20 : 0) + 22);
  const v = viewOf(tail);
  let p = 0;
  for (const e of laid) {
    v.setUint32(p, CENTRAL_SIG, true);
    v.setUint16(p + 4, e.z64 ? 45 : 20, true);
    v.setUint16(p + 6, e.z64 ? 45 : 20, true);
    v.setUint32(p + 16, e.crc, true);
    v.setUint32(p + 20, e.z64 ? U32_MAX : e.size, true);
    v.setUint32(p + 24, e.z64 ? U32_MAX : e.size, true);
    v.setUint16(p + 28, e.name.length, true);
    v.setUint16(p + 30, e.z64 ? 28 : 0, true);
    v.setUint32(p + 42, e.z64 ? U32_MAX : e.local, true);
    tail.set(e.name, p + 46);
    p += 46 + e.name.length;
    if (e.z64) {
      v.setUint16(p, 0x0001, true);
      v.setUint16(p + 2, 24, true);
      v.setBigUint64(p + 4, BigInt(e.size), true);
      v.setBigUint64(p + 12, BigInt(e.size), true);
      v.setBigUint64(p + 20, BigInt(e.local), true);
      p += 28;
    }
  }
  if (needZip64) {
    const rec = dirStart + p;
    v.setUint32(p, ZIP64_EOCD_SIG, true);
    v.setBigUint64(p + 4, 44n, true);
    v.setUint16(p + 12, 45, true);
    v.setUint16(p + 14, 45, true);
    v.setBigUint64(p + 24, BigInt(laid.length), true);
    v.setBigUint64(p + 32, BigInt(laid.length), true);
    v.setBigUint64(p + 40, BigInt(dirSize), true);
    v.setBigUint64(p + 48, BigInt(dirStart), true);
    p += 56;
    v.setUint32(p, ZIP64_LOCATOR_SIG, true);
    v.setBigUint64(p + 8, BigInt(rec), true);
    v.setUint32(p + 16, 1, true);
    p += 20;
  }
  v.setUint32(p, EOCD_SIG, true);
  v.setUint16(p + 8, needZip64 ? 0xffff : laid.length, true);
  v.setUint16(p + 10, needZip64 ? 0xffff : laid.length, true);
  v.setUint32(p + 12, needZip64 ? U32_MAX : dirSize, true);
  v.setUint32(p + 16, needZip64 ? U32_MAX : dirStart, true);
  parts.push(tail);
  return parts;
}

/** The whole archive in one buffer (small archives: tests, `serializeTorchFile`). */
export function writeZip(files: ReadonlyArray<{ name: string; data: Uint8Array }>): Uint8Array {
  const parts = zipParts(files);
  const out = new Uint8Array(parts.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of parts) {
    out.set(b, at);
    at += b.byteLength;
  }
  return out;
}
