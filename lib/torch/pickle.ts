/**
 * A restricted Python unpickler (protocols 0–5, the opcodes `torch.save` and NumPy write). It never
 * executes anything: a GLOBAL is looked up in the caller's allow-list and anything else is refused with
 * the global's name and the file's. Every length is checked against the bytes that remain, so memory
 * stays proportional to the input; the value stack and memo are bounded too.
 *
 * Python values map to: None → null, bool → boolean, int → number (bigint beyond 2^53), float → number,
 * str → string, bytes → Uint8Array, Python 2 str (protocol ≤ 2 `STRING`s) → Py2String (bytes, decoded as
 * latin-1 when used as a dict key), list → array, tuple → frozen array, dict → Map, set → Set; objects made
 * by allow-listed globals are whatever their handler returns.
 */

/** A Python 2 `str` (bytes without an encoding), as CIFAR's batches hold them. */
export class Py2String {
  constructor(readonly bytes: Uint8Array) {}
  /** The latin-1 reading Python 3 uses with `encoding='latin1'`. */
  toString(): string {
    let s = '';
    for (let i = 0; i < this.bytes.length; i += 8192) s += String.fromCharCode(...this.bytes.subarray(i, i + 8192));
    return s;
  }
}

/** What an allow-listed global does when the pickle calls it (REDUCE / NEWOBJ) or builds it (BUILD). */
export interface PyCallable {
  readonly qualname: string;
  call(args: readonly unknown[]): unknown;
}

/** An object that accepts BUILD (`__setstate__`). */
export interface PyBuildable {
  build(state: unknown): void;
}

export interface UnpickleOptions {
  /** Names the input in errors. */
  source: string;
  /** The allow-list: returns the handler of `module.name`, or undefined to refuse it. */
  resolveGlobal(module: string, name: string): PyCallable | undefined;
  /** Persistent ids (torch's storages); absent = refused. */
  persistentLoad?(pid: unknown): unknown;
}

export class UnpicklingError extends RangeError {
  /** True when the pickle ran past the end of its input (a reader holding only the file's start may read more). */
  constructor(message: string, readonly truncated = false) {
    super(message);
  }
}

const MAX_STACK = 1 << 22;
const MAX_LONG_BYTES = 4096;

const isTuple = (v: unknown): v is readonly unknown[] => Array.isArray(v) && Object.isFrozen(v);
export const pyTuple = (items: unknown[]): readonly unknown[] => Object.freeze(items);
export { isTuple };

/** Decodes a little-endian two's-complement integer of any length (LONG1/LONG4). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
  return narrow(v);
}

const narrow = (v: bigint): number | bigint => (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);

/** Unpickles one object starting at `start`; returns it and the offset just past its STOP. */
export function unpickle(buf: Uint8Array, o: UnpickleOptions, start = 0): { value: unknown; end: number } {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = start;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();

  function fail(msg: string, truncated = false): never {
    throw new UnpicklingError(`${o.source}: pickle: ${msg}`, truncated);
  }
  const need = (n: number) => {
    if (n < 0) fail(`negative length ${n} at offset ${pos}`);
    if (pos + n > buf.byteLength) fail(`truncated: ${n} bytes wanted at offset ${pos}, ${buf.byteLength - pos} left`, true);
  };
  const take = (n: number) => {
    need(n);
    const b = buf.subarray(pos, pos + n);
    pos += n;
    return b;
  };
  const u8 = () => (need(1), buf[pos++]);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(buf.byteLength)) fail(`declared length ${v} exceeds the file`, true);
    return Number(v);
  };
  const line = () => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) fail(`truncated: unterminated text argument at offset ${pos}`, true);
    const s = new TextDecoder('latin1').decode(buf.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const push = (v: unknown) => {
    if (stack.length >= MAX_STACK) fail(`value stack exceeds ${MAX_STACK} entries`);
    stack.push(v);
  };
  const pop = () => {
    const floor = marks.length ? marks[marks.length - 1] : 0;
    if (stack.length <= floor) fail(`stack underflow at offset ${pos - 1}`);
    return stack.pop();
  };
  const top = () => {
    const floor = marks.length ? marks[marks.length - 1] : 0;
    if (stack.length <= floor) fail(`stack underflow at offset ${pos - 1}`);
    return stack[stack.length - 1];
  };
  const popMark = () => {
    const m = marks.pop();
    if (m === undefined) fail(`no MARK before offset ${pos - 1}`);
    return stack.splice(m);
  };
  const asDict = (v: unknown, op: string) => (v instanceof Map ? v : fail(`${op} on a ${describe(v)}, not a dict`));
  const asList = (v: unknown, op: string): unknown[] => (Array.isArray(v) && !Object.isFrozen(v) ? v : fail(`${op} on a ${describe(v)}, not a list`));
  const key = (k: unknown) => (k instanceof Py2String ? k.toString() : k);
  const setItems = (d: Map<unknown, unknown>, items: unknown[]) => {
    if (items.length % 2) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < items.length; i += 2) d.set(hashable(items[i]), items[i + 1]);
  };
  const hashable = (k: unknown) => {
    const v = key(k);
    if (v === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof v)) return v;
    if (isTuple(v)) return JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x));
    return fail(`unsupported dict key or set item: ${describe(v)}`);
  };
  const resolve = (module: string, name: string) => {
    const g = o.resolveGlobal(module, name);
    if (!g) fail(`refused global '${module}.${name}' (not on the allow-list of tensor and container types; nothing was executed)`);
    return g;
  };
  const callable = (f: unknown, op: string): PyCallable =>
    typeof f === 'object' && f !== null && 'call' in f && 'qualname' in f ? (f as PyCallable) : fail(`${op} on a ${describe(f)}, not an allow-listed callable`);
  const call = (f: PyCallable, args: unknown) => {
    if (!isTuple(args)) fail(`arguments of ${f.qualname} are a ${describe(args)}, not a tuple`);
    try {
      return f.call(args);
    } catch (e) {
      if (e instanceof UnpicklingError) throw e;
      return fail(`${f.qualname}: ${(e as Error).message}`);
    }
  };

  for (;;) {
    const opAt = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail(`protocol ${buf[pos - 1]} is newer than 5`);
        break;
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) fail(`STOP with ${stack.length} values and ${marks.length} open MARKs on the stack`);
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x49: { // INT (text; 00/01 are protocol 0's booleans)
        const s = line();
        if (s === '00' || s === '01') push(s === '01');
        else if (/^[+-]?\d+$/.test(s) && s.length <= MAX_LONG_BYTES) push(narrow(BigInt(s)));
        else fail(`bad INT literal at offset ${opAt}`);
        break;
      }
      case 0x4c: { // LONG (text)
        const s = line().replace(/L$/, '');
        if (!/^[+-]?\d+$/.test(s) || s.length > MAX_LONG_BYTES) fail(`bad LONG literal at offset ${opAt}`);
        push(narrow(BigInt(s)));
        break;
      }
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(decodeLong(take(u8())));
        break;
      case 0x8b: { // LONG4
        const n = i32();
        if (n < 0 || n > MAX_LONG_BYTES) fail(`LONG4 of ${n} bytes (limit ${MAX_LONG_BYTES})`);
        push(decodeLong(take(n)));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: { // FLOAT (text)
        const s = line();
        const v = Number(s);
        if (Number.isNaN(v) && !/^[+-]?nan$/i.test(s)) fail(`bad FLOAT literal at offset ${opAt}`);
        push(v);
        break;
      }
      case 0x58: // BINUNICODE
        push(decodeUtf8(take(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(decodeUtf8(take(u8())));
        break;
      case 0x8d: // BINUNICODE8
        push(decodeUtf8(take(u64())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape text)
        push(line().replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, a, b) => String.fromCodePoint(parseInt(a ?? b, 16))));
        break;
      case 0x55: // SHORT_BINSTRING
        push(new Py2String(take(u8())));
        break;
      case 0x54: { // BINSTRING
        const n = i32();
        push(new Py2String(take(n)));
        break;
      }
      case 0x53: { // STRING (quoted repr text)
        const s = line();
        const m = /^(['"])(.*)\1$/.exec(s);
        if (!m || m[2].includes('\\')) fail(`unsupported STRING literal at offset ${opAt}`);
        push(new Py2String(Uint8Array.from(m[2], (c) => c.charCodeAt(0))));
        break;
      }
      case 0x43: // SHORT_BINBYTES
        push(take(u8()));
        break;
      case 0x42: // BINBYTES
        push(take(u32()));
        break;
      case 0x8e: // BINBYTES8
        push(take(u64()));
        break;
      case 0x96: // BYTEARRAY8
        push(new Uint8Array(take(u64())));
        break;
      case 0x7d: // EMPTY_DICT
        push(new Map());
        break;
      case 0x64: { // DICT
        const d = new Map();
        setItems(d, popMark());
        push(d);
        break;
      }
      case 0x73: { // SETITEM
        const v = pop();
        const k = pop();
        asDict(top(), 'SETITEM').set(hashable(k), v);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popMark();
        setItems(asDict(top(), 'SETITEMS'), items);
        break;
      }
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: // LIST
        push(popMark());
        break;
      case 0x61: { // APPEND
        const v = pop();
        asList(top(), 'APPEND').push(v);
        break;
      }
      case 0x65: { // APPENDS
        const items = popMark();
        const l = asList(top(), 'APPENDS');
        for (const v of items) l.push(v);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        push(pyTuple([]));
        break;
      case 0x74: // TUPLE
        push(pyTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        push(pyTuple([pop()]));
        break;
      case 0x86: { // TUPLE2
        const b = pop();
        push(pyTuple([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        push(pyTuple([pop(), b, c]));
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new Set());
        break;
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`ADDITEMS on a ${describe(s)}, not a set`);
        for (const v of items) s.add(hashable(v));
        break;
      }
      case 0x91: // FROZENSET
        push(new Set(popMark().map(hashable)));
        break;
      case 0x63: { // GLOBAL (text "module\nname\n")
        const module = line();
        push(resolve(module, line()));
        break;
      }
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(resolve(module, name));
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const f = callable(pop(), 'REDUCE');
        push(call(f, args));
        break;
      }
      case 0x81: { // NEWOBJ: cls.__new__(cls, *args) — allow-listed classes construct from args
        const args = pop();
        push(call(callable(pop(), 'NEWOBJ'), args));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        if (!(kwargs instanceof Map) || kwargs.size) fail('NEWOBJ_EX with keyword arguments is not supported');
        push(call(callable(pop(), 'NEWOBJ_EX'), args));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof Map) break; // an OrderedDict's attributes (torch's `_metadata`): not tensor data
        if (typeof obj === 'object' && obj !== null && 'build' in obj) (obj as PyBuildable).build(state);
        else fail(`BUILD on a ${describe(obj)}`);
        break;
      }
      case 0x70: // PUT (text index)
        memo.set(Number(line()), top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET
      case 0x68: // BINGET
      case 0x6a: { // LONG_BINGET
        const i = op === 0x67 ? Number(line()) : op === 0x68 ? u8() : u32();
        if (!memo.has(i)) fail(`memo entry ${i} read before it was written (offset ${opAt})`);
        push(memo.get(i));
        break;
      }
      case 0x50: // PERSID (text)
      case 0x51: { // BINPERSID
        const pid = op === 0x50 ? line() : pop();
        const load = o.persistentLoad ?? fail('persistent id in a pickle that allows none');
        try {
          push(load(pid));
        } catch (e) {
          if (e instanceof UnpicklingError) throw e;
          fail(`persistent id: ${(e as Error).message}`);
        }
        break;
      }
      default:
        fail(`unsupported opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}') at offset ${opAt}`);
    }
  }

  function decodeUtf8(b: Uint8Array): string {
    try {
      return utf8.decode(b);
    } catch {
      return fail(`string at offset ${pos - b.length} is not valid UTF-8`);
    }
  }
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (isTuple(v)) return `tuple of ${v.length}`;
  if (Array.isArray(v)) return `list of ${v.length}`;
  if (v instanceof Map) return `dict of ${v.size}`;
  if (v instanceof Set) return `set of ${v.size}`;
  if (v instanceof Uint8Array) return `bytes of ${v.length}`;
  if (v instanceof Py2String) return `str of ${v.bytes.length}`;
  if (typeof v === 'object' && 'qualname' in v) return `global ${(v as PyCallable).qualname}`;
  if (typeof v === 'object') return v.constructor?.name ?? 'object';
  return typeof v;
}
