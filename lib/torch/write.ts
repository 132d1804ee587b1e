/**
 * Writes tensors as a zip-format `torch.save` file that `torch.load(path, weights_only=True)` reads:
 * `archive/data.pkl` (protocol 2, the opcodes torch itself writes), `archive/byteorder`,
 * `archive/data/<i>` (one little-endian storage per tensor, 64-byte aligned), `archive/version`.
 * Without metadata the pickle is a plain `OrderedDict` state_dict; with metadata it is the usual
 * checkpoint wrapper `{'state_dict': OrderedDict, key: str, …}`, which `readTensorFile` unwraps back.
 */
import { atomicWrite, writeAll } from '../atomic-file.js';
import type { StoredTensor } from '../safetensors.js';
import type { AnyArray, Tensor } from '../tensor.js';
import { dtypeByCode } from './dtypes.js';
import { writeZip, zipParts } from './zip.js';

const ARCHIVE = 'archive';

class PickleWriter {
  private bytes: number[] = [];
  private readonly enc = new TextEncoder();
  op(...b: number[]) {
    for (const x of b) this.bytes.push(x);
  }
  u32(n: number) {
    this.op(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff);
  }
  int(n: number) {
    if (n < 256) this.op(0x4b, n); // BININT1
    else if (n < 65536) this.op(0x4d, n & 0xff, n >> 8); // BININT2
    else if (n < 2 ** 31) (this.op(0x4a), this.u32(n)); // BININT
    else {
      // LONG1: little-endian two's complement, one sign-safe byte more than the magnitude needs.
      const out: number[] = [];
      for (let v = BigInt(n); v > 0n; v >>= 8n) out.push(Number(v & 0xffn));
      if (out[out.length - 1] & 0x80) out.push(0);
      this.op(0x8a, out.length, ...out);
    }
  }
  str(s: string) {
    const b = this.enc.encode(s);
    this.op(0x58);
    this.u32(b.length);
    for (const x of b) this.bytes.push(x);
  }
  global(module: string, name: string) {
    this.op(0x63, ...this.enc.encode(`${module}\n${name}\n`));
  }
  tuple(items: number[]) {
    this.op(0x28);
    for (const n of items) this.int(n);
    this.op(0x74);
  }
  orderedDict() {
    this.global('collections', 'OrderedDict');
    this.op(0x29, 0x52); // EMPTY_TUPLE, REDUCE
  }
  done(): Uint8Array {
    this.op(0x2e);
    return Uint8Array.from(this.bytes);
  }
}

const ARRAY_DTYPE = (a: AnyArray) => (a instanceof Float32Array ? 'F32' : a instanceof Int32Array ? 'I32' : 'U8');

/** The entries of the zip-format torch file of `tensors` (in the order given) and string metadata. */
function torchEntries(tensors: Record<string, Tensor<AnyArray> | StoredTensor>, metadata: Record<string, string>): { name: string; data: Uint8Array }[] {
  const p = new PickleWriter();
  p.op(0x80, 2);
  const wrapped = Object.keys(metadata).length > 0;
  if (wrapped) {
    p.op(0x7d, 0x28); // EMPTY_DICT, MARK
    p.str('state_dict');
  }
  p.orderedDict();
  p.op(0x28); // MARK
  const storages: { name: string; data: Uint8Array }[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    const code = 'dtype' in t ? t.dtype : ARRAY_DTYPE(t.data);
    const info = dtypeByCode(code);
    if (!info) throw new RangeError(`torch writer: tensor '${name}' has dtype ${code}, which torch files do not hold`);
    const numel = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== numel) throw new RangeError(`torch writer: tensor '${name}' has ${t.data.length} elements for shape [${t.shape}]`);
    const key = String(storages.length);
    storages.push({ name: `${ARCHIVE}/data/${key}`, data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) });
    const strides = t.shape.map((_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1));
    p.str(name);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.op(0x28, 0x28); // MARK (args), MARK (persistent id)
    p.str('storage');
    p.global('torch', info.storage);
    p.str(key);
    p.str('cpu');
    p.int(numel);
    p.op(0x74, 0x51); // TUPLE, BINPERSID
    p.int(0);
    p.tuple([...t.shape]);
    p.tuple(strides);
    p.op(0x89); // NEWFALSE: requires_grad
    p.orderedDict(); // backward hooks
    p.op(0x74, 0x52); // TUPLE, REDUCE
  }
  p.op(0x75); // SETITEMS
  if (wrapped) {
    for (const [k, v] of Object.entries(metadata)) (p.str(k), p.str(v));
    p.op(0x75);
  }
  return [
    { name: `${ARCHIVE}/data.pkl`, data: p.done() },
    { name: `${ARCHIVE}/byteorder`, data: new TextEncoder().encode('little') },
    ...storages,
    { name: `${ARCHIVE}/version`, data: new TextEncoder().encode('3\n') },
  ];
}

/** The zip-format torch file of `tensors` (in the order given) and string metadata, in one buffer. */
export function serializeTorchFile(tensors: Record<string, Tensor<AnyArray> | StoredTensor>, metadata: Record<string, string> = {}): Uint8Array {
  return writeZip(torchEntries(tensors, metadata));
}

/**
 * Writes atomically (temporary file, fsync, rename, directory fsync: see atomic-file.ts), streaming each
 * storage from its tensor's own array, so the extra memory is the pickle and headers whatever the size.
 */
export function writeTorchFile(path: string, tensors: Record<string, Tensor<AnyArray> | StoredTensor>, metadata: Record<string, string> = {}): void {
  const parts = zipParts(torchEntries(tensors, metadata));
  atomicWrite(path, (fd) => {
    for (const b of parts) writeAll(fd, b);
  });
}
