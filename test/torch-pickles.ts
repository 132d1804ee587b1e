/** Hand-assembled pickles and torch zip archives for the reader's hostile-input tests. */
import { writeZip } from '../lib/torch/zip.js';

const enc = new TextEncoder();
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

/** Opcode builders: each returns the bytes of one or a few pickle instructions. */
export const op = {
  proto: (p = 2) => [0x80, p],
  stop: () => [0x2e],
  mark: () => [0x28],
  none: () => [0x4e],
  int: (n: number) => [0x4a, ...u32(n)],
  str: (s: string) => {
    const b = enc.encode(s);
    return [0x58, ...u32(b.length), ...b];
  },
  global: (module: string, name: string) => [0x63, ...enc.encode(`${module}\n${name}\n`)],
  tuple: () => [0x74],
  emptyTuple: () => [0x29],
  emptyDict: () => [0x7d],
  emptyList: () => [0x5d],
  append: () => [0x61],
  setitem: () => [0x73],
  setitems: () => [0x75],
  reduce: () => [0x52],
  binpersid: () => [0x51],
  put: (i: number) => [0x71, i],
  get: (i: number) => [0x68, i],
  newfalse: () => [0x89],
};

export const pickle = (...parts: number[][]) => Uint8Array.from(parts.flat());

/** `_rebuild_tensor_v2(('storage', torch.<type>, key, 'cpu', numel), offset, size, stride, False, OrderedDict())`. */
export function tensorOps(storage: string, key: string, numel: number, offset: number, size: number[], stride: number[]): number[][] {
  return [
    op.global('torch._utils', '_rebuild_tensor_v2'),
    op.mark(),
    op.mark(), op.str('storage'), op.global('torch', storage), op.str(key), op.str('cpu'), op.int(numel), op.tuple(), op.binpersid(),
    op.int(offset),
    op.mark(), ...size.map(op.int), op.tuple(),
    op.mark(), ...stride.map(op.int), op.tuple(),
    op.newfalse(), op.global('collections', 'OrderedDict'), op.emptyTuple(), op.reduce(),
    op.tuple(), op.reduce(),
  ];
}

/** A state_dict pickle `{name: tensor}` from (name, tensor ops) pairs. */
export function stateDictPickle(entries: [string, number[][]][]): Uint8Array {
  return pickle(op.proto(), op.emptyDict(), op.mark(), ...entries.flatMap(([n, t]) => [op.str(n), ...t]), op.setitems(), op.stop());
}

/** A torch zip archive around a data.pkl and storage entries. */
export function torchZip(pkl: Uint8Array, storages: Record<string, Uint8Array> = {}, extra: Record<string, Uint8Array> = {}): Uint8Array {
  return writeZip([
    { name: 'archive/data.pkl', data: pkl },
    ...Object.entries(storages).map(([k, data]) => ({ name: `archive/data/${k}`, data })),
    ...Object.entries(extra).map(([name, data]) => ({ name: `archive/${name}`, data })),
    { name: 'archive/version', data: enc.encode('3\n') },
  ]);
}
