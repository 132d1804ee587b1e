/**
 * The zip container of `torch.save` files: reading and writing *stored* (uncompressed) entries.
 *
 * Why hand-written rather than a zip package: torch writes only stored entries (data aligned to 64 bytes
 * by padding extra fields) and switches to ZIP64 records for big files. What a checkpoint reader needs is
 * zero-copy views of those entries into the file buffer, every offset checked against the bytes really
 * there (the file is untrusted), and ZIP64 — the maintained JS zip packages copy each entry out and are
 * built around compression. Reading stored entries is one directory walk; compressed entries, which
 * torch never writes, are refused by name.
 */
import { crc32 } from 'node:zlib';

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const U32_MAX = 0xffffffff;

export interface ZipEntries {
  /** Entry name → its bytes (a view into the archive buffer). */
  entries: Map<string, Uint8Array>;
}

function zipError(source: string, msg: string): never {
  throw new RangeError(`${source}: zip: ${msg}`);
}

/** True when the buffer starts like a zip archive (a local file header). */
export function looksLikeZip(buf: Uint8Array): boolean {
  return buf.byteLength >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

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
function findEocd(view: DataView, source: string): number {
  const lowest = Math.max(0, view.byteLength - 22 - 0xffff);
  for (let at = view.byteLength - 22; at >= lowest; at--) {
    if (view.getUint32(at, true) === EOCD_SIG && at + 22 + view.getUint16(at + 20, true) === view.byteLength) return at;
  }
  zipError(source, 'no end-of-central-directory record (truncated or not a zip archive)');
}

/** Lists the stored entries of a zip archive as views into `buf`; every offset is checked. */
export function readZip(buf: Uint8Array, source: string): ZipEntries {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < 22) zipError(source, `${buf.byteLength} bytes, too short for a zip archive`);
  const eocd = findEocd(view, source);
  let count = view.getUint16(eocd + 10, true);
  let dirSize = view.getUint32(eocd + 12, true);
  let dirOffset = view.getUint32(eocd + 16, true);
  if (count === 0xffff || dirSize === U32_MAX || dirOffset === U32_MAX) {
    const loc = eocd - 20;
    if (loc < 0 || view.getUint32(loc, true) !== ZIP64_LOCATOR_SIG) zipError(source, 'ZIP64 sizes without a ZIP64 locator');
    const rec = Number(view.getBigUint64(loc + 8, true));
    if (rec + 56 > loc || view.getUint32(rec, true) !== ZIP64_EOCD_SIG) zipError(source, 'ZIP64 end-of-central-directory record missing');
    count = Number(view.getBigUint64(rec + 32, true));
    dirSize = Number(view.getBigUint64(rec + 40, true));
    dirOffset = Number(view.getBigUint64(rec + 48, true));
  }
  if (dirOffset + dirSize > eocd) zipError(source, `central directory [${dirOffset}, +${dirSize}) overlaps its end record`);
  // Each central record has at least 46 bytes: the count cannot exceed what the directory holds.
  if (count * 46 > dirSize) zipError(source, `${count} entries cannot fit a ${dirSize}-byte central directory`);

  const entries = new Map<string, Uint8Array>();
  const names = new TextDecoder('utf-8', { fatal: false });
  let at = dirOffset;
  for (let n = 0; n < count; n++) {
    if (at + 46 > dirOffset + dirSize || view.getUint32(at, true) !== CENTRAL_SIG) zipError(source, `central directory entry ${n} is damaged`);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    let compressed = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLen = view.getUint16(at + 28, true);
    const extraLen = view.getUint16(at + 30, true);
    const commentLen = view.getUint16(at + 32, true);
    let local = view.getUint32(at + 42, true);
    const end = at + 46 + nameLen + extraLen + commentLen;
    if (end > dirOffset + dirSize) zipError(source, `central directory entry ${n} runs past the directory`);
    const name = names.decode(buf.subarray(at + 46, at + 46 + nameLen));
    const wanted = { size: size === U32_MAX, compressed: compressed === U32_MAX, offset: local === U32_MAX };
    if (wanted.size || wanted.compressed || wanted.offset) {
      const z = zip64Extra(view, at + 46 + nameLen, at + 46 + nameLen + extraLen, wanted, source);
      size = z.size ?? size;
      compressed = z.compressed ?? compressed;
      local = z.offset ?? local;
    }
    if (method !== 0) zipError(source, `entry '${name}' is compressed (method ${method}); torch.save writes stored entries only`);
    if (compressed !== size) zipError(source, `entry '${name}' is stored but its sizes differ (${compressed} vs ${size})`);
    if (local + 30 > dirOffset || view.getUint32(local, true) !== LOCAL_SIG) zipError(source, `entry '${name}' has no local header at ${local}`);
    const dataStart = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (dataStart + size > dirOffset) zipError(source, `entry '${name}' (${size} bytes at ${dataStart}) runs past the entries`);
    if (entries.has(name)) zipError(source, `entry '${name}' appears twice`);
    const data = buf.subarray(dataStart, dataStart + size);
    if (crc32(data) >>> 0 !== crc) zipError(source, `entry '${name}' fails its CRC-32 check (damaged file)`);
    entries.set(name, data);
    at = end;
  }
  return { entries };
}

/**
 * Writes stored entries as torch does: each entry's data starts on a 64-byte boundary (padding in the
 * local header's extra field), ZIP64 records when the archive or an entry needs them.
 */
export function writeZip(files: ReadonlyArray<{ name: string; data: Uint8Array }>): Uint8Array {
  const ALIGN = 64;
  const enc = new TextEncoder();
  const laid: { name: Uint8Array; data: Uint8Array; crc: number; local: number; pad: number; big: boolean }[] = [];
  let at = 0;
  for (const f of files) {
    const name = enc.encode(f.name);
    const big = f.data.byteLength >= U32_MAX || at >= U32_MAX;
    const zip64Len = big ? 20 : 0; // header 4 + sizes 16 (local headers carry no offset)
    const headerEnd = at + 30 + name.length + zip64Len + 4; // + 4: the padding field's own header
    const pad = (ALIGN - (headerEnd % ALIGN)) % ALIGN;
    laid.push({ name, data: f.data, crc: crc32(f.data) >>> 0, local: at, pad, big });
    at = headerEnd + pad + f.data.byteLength;
  }
  const dirStart = at;
  let dirSize = 0;
  for (const e of laid) dirSize += 46 + e.name.length + (e.big || e.local >= U32_MAX ? 28 : 0);
  const needZip64 = laid.length >= 0xffff || dirStart + dirSize >= U32_MAX || laid.some((e) => e.big || e.local >= U32_MAX);
  const total = dirStart + dirSize + (needZip64 ? 56 + 20 : 0) + 22;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);

  for (const e of laid) {
    let p = e.local;
    v.setUint32(p, LOCAL_SIG, true);
    v.setUint16(p + 4, e.big ? 45 : 20, true);
    v.setUint32(p + 14, e.crc, true);
    v.setUint32(p + 18, e.big ? U32_MAX : e.data.byteLength, true);
    v.setUint32(p + 22, e.big ? U32_MAX : e.data.byteLength, true);
    v.setUint16(p + 26, e.name.length, true);
    v.setUint16(p + 28, (e.big ? 20 : 0) + 4 + e.pad, true);
    out.set(e.name, p + 30);
    p += 30 + e.name.length;
    if (e.big) {
      v.setUint16(p, 0x0001, true);
      v.setUint16(p + 2, 16, true);
      v.setBigUint64(p + 4, BigInt(e.data.byteLength), true);
      v.setBigUint64(p + 12, BigInt(e.data.byteLength), true);
      p += 20;
    }
    v.setUint16(p, 0x4246, true); // 'FB': the padding record id torch uses
    v.setUint16(p + 2, e.pad, true);
    out.set(e.data, p + 4 + e.pad);
  }
  let p = dirStart;
  for (const e of laid) {
    const z64 = e.big || e.local >= U32_MAX;
    v.setUint32(p, CENTRAL_SIG, true);
    v.setUint16(p + 4, z64 ? 45 : 20, true);
    v.setUint16(p + 6, z64 ? 45 : 20, true);
    v.setUint32(p + 16, e.crc, true);
    v.setUint32(p + 20, z64 ? U32_MAX : e.data.byteLength, true);
    v.setUint32(p + 24, z64 ? U32_MAX : e.data.byteLength, true);
    v.setUint16(p + 28, e.name.length, true);
    v.setUint16(p + 30, z64 ? 28 : 0, true);
    v.setUint32(p + 42, z64 ? U32_MAX : e.local, true);
    out.set(e.name, p + 46);
    p += 46 + e.name.length;
    if (z64) {
      v.setUint16(p, 0x0001, true);
      v.setUint16(p + 2, 24, true);
      v.setBigUint64(p + 4, BigInt(e.data.byteLength), true);
      v.setBigUint64(p + 12, BigInt(e.data.byteLength), true);
      v.setBigUint64(p + 20, BigInt(e.local), true);
      p += 28;
    }
  }
  if (needZip64) {
    const rec = p;
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
  return out;
}
