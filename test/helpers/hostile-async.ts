/**
 * Hostile callers of every async kernel family on the native backend: right after `…Async` returns,
 * each input, output and state pool in turn is transferred away (structuredClone, postMessage, or
 * ArrayBuffer.prototype.transfer where the runtime has it), optionally followed by forced garbage
 * collection and fresh allocations that would reuse the freed memory; separately the slots are
 * rewritten after the call. Each call must settle: a transferred input changes nothing (the call owns a
 * copy), a transferred output or pool rejects with a clean error and leaves every other output and pool
 * bit-identical. Importable (runHostileAsync) and runnable as a script (`--expose-gc`, prints JSON).
 */
import { MessageChannel } from 'node:worker_threads';
import * as h from '../../lib/index.js';

type Arrays = Record<string, Float32Array | Int32Array | Uint8Array>;

interface Case {
  name: string;
  /** Fresh arrays for one call (deterministic). */
  make(): Arrays;
  /** Starts the call on those arrays (sync or async). */
  call(a: Arrays, async: boolean): unknown;
  /** Arrays the kernel writes (outputs and pools), compared after every call. */
  written: string[];
}

function rnd(n: number, seed: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + seed * 78.233) * scale);
}
const t = (data: Float32Array | Int32Array | Uint8Array, shape: number[]) => ({ data, shape }) as h.Tensor;

const cases: Case[] = [
  {
    name: 'hammingGemm',
    make: () => ({ a: Uint8Array.from(rnd(64 * 16, 1, 255), Math.abs), b: Uint8Array.from(rnd(48 * 16, 2, 255), Math.abs), out: new Int32Array(64 * 48) }),
    call: (a, async) => {
      const pa = { data: a.a as Uint8Array, rows: 64, bits: 128, stride: 16 }, pb = { data: a.b as Uint8Array, rows: 48, bits: 128, stride: 16 };
      return (async ? h.hammingGemmAsync : h.hammingGemm)(pa, pb, { out: a.out as Int32Array, backend: 'native' });
    },
    written: ['out'],
  },
  {
    name: 'linear',
    make: () => ({ x: rnd(8 * 32, 3), weight: rnd(24 * 32, 4), bias: rnd(24, 5), out: new Float32Array(8 * 24) }),
    call: (a, async) => (async ? h.linearAsync : h.linear)(t(a.x, [8, 32]), t(a.weight, [24, 32]), { bias: a.bias as Float32Array, out: a.out as Float32Array, backend: 'native' }),
    written: ['out'],
  },
  {
    name: 'selectiveStateUpdate',
    make: () => ({
      state: rnd(4 * 2 * 4 * 8, 6), x: rnd(2 * 3 * 2 * 4, 7), dt: rnd(2 * 3 * 2, 8, 0.5).map(Math.abs), A: rnd(2, 9).map((v) => -Math.abs(v)),
      B: rnd(2 * 3 * 1 * 8, 10), C: rnd(2 * 3 * 1 * 8, 11), D: rnd(2, 12), slots: Int32Array.of(3, 1), out: new Float32Array(2 * 3 * 2 * 4),
    }),
    call: (a, async) => (async ? h.selectiveStateUpdateAsync : h.selectiveStateUpdate)({
      state: t(a.state, [4, 2, 4, 8]), x: t(a.x, [2, 3, 2, 4]), dt: t(a.dt, [2, 3, 2]), A: t(a.A, [2]), B: t(a.B, [2, 3, 1, 8]), C: t(a.C, [2, 3, 1, 8]),
      D: t(a.D, [2]), slots: a.slots as Int32Array, out: a.out as Float32Array, backend: 'native',
    }),
    written: ['state', 'out'],
  },
  {
    name: 'causalConv1dUpdate',
    make: () => ({ convState: rnd(3 * 6 * 4, 13), x: rnd(2 * 6, 14), weight: rnd(6 * 4, 15), slots: Int32Array.of(2, 0), out: new Float32Array(2 * 6) }),
    call: (a, async) => (async ? h.causalConv1dUpdateAsync : h.causalConv1dUpdate)({
      convState: t(a.convState, [3, 6, 4]), x: t(a.x, [2, 6]), weight: t(a.weight, [6, 4]), slots: a.slots as Int32Array, out: a.out as Float32Array, backend: 'native',
    }),
    written: ['convState', 'out'],
  },
  {
    name: 'rglruStep',
    make: () => ({ h: rnd(3 * 8, 16), x: rnd(2 * 8, 17), gateX: rnd(2 * 8, 18), gateA: rnd(2 * 8, 19), a: rnd(8, 20), slots: Int32Array.of(1, 2), out: new Float32Array(2 * 8) }),
    call: (a, async) => (async ? h.rglruStepAsync : h.rglruStep)({
      h: t(a.h, [3, 8]), x: t(a.x, [2, 8]), gateX: t(a.gateX, [2, 8]), gateA: t(a.gateA, [2, 8]), a: t(a.a, [8]), slots: a.slots as Int32Array,
      out: a.out as Float32Array, backend: 'native',
    }),
    written: ['h', 'out'],
  },
  {
    name: 'retentionStep',
    make: () => ({
      S: rnd(3 * 2 * 4 * 4, 21), scales: rnd(3 * 2, 22).map(Math.abs), offsets: Int32Array.of(0, 5, 2), q: rnd(2 * 2 * 4, 23), k: rnd(2 * 2 * 4, 24),
      v: rnd(2 * 2 * 4, 25), decay: Float32Array.of(0.9, 0.8), slots: Int32Array.of(2, 0), out: new Float32Array(2 * 2 * 4),
    }),
    call: (a, async) => (async ? h.retentionStepAsync : h.retentionStep)({
      S: t(a.S, [3, 2, 4, 4]), scales: t(a.scales, [3, 2]), offsets: { data: a.offsets as Int32Array, shape: [3] }, q: t(a.q, [2, 2, 4]), k: t(a.k, [2, 2, 4]),
      v: t(a.v, [2, 2, 4]), decay: a.decay as Float32Array, slots: a.slots as Int32Array, out: a.out as Float32Array, backend: 'native',
    }),
    written: ['S', 'scales', 'offsets', 'out'],
  },
  {
    name: 'slstmStep',
    make: () => ({
      y: rnd(3 * 8, 26), c: rnd(3 * 8, 27), n: rnd(3 * 8, 28).map(Math.abs), m: rnd(3 * 8, 29), wx: rnd(2 * 4 * 8, 30), R: rnd(4 * 2 * 4 * 4, 31, 0.3),
      slots: Int32Array.of(0, 2), out: new Float32Array(2 * 8),
    }),
    call: (a, async) => (async ? h.slstmStepAsync : h.slstmStep)({
      y: t(a.y, [3, 8]), c: t(a.c, [3, 8]), n: t(a.n, [3, 8]), m: t(a.m, [3, 8]), wx: t(a.wx, [2, 4, 8]), R: t(a.R, [4, 2, 4, 4]),
      slots: a.slots as Int32Array, out: a.out as Float32Array, backend: 'native',
    }),
    written: ['y', 'c', 'n', 'm', 'out'],
  },
  {
    name: 'mlstmStep',
    make: () => ({
      C: rnd(3 * 2 * 4 * 4, 32), n: rnd(3 * 2 * 4, 33), m: rnd(3 * 2, 34), q: rnd(2 * 2 * 4, 35), k: rnd(2 * 2 * 4, 36), v: rnd(2 * 2 * 4, 37),
      iPre: rnd(2 * 2, 38), fPre: rnd(2 * 2, 39), slots: Int32Array.of(1, -1), out: new Float32Array(2 * 2 * 4),
    }),
    call: (a, async) => (async ? h.mlstmStepAsync : h.mlstmStep)({
      C: t(a.C, [3, 2, 4, 4]), n: t(a.n, [3, 2, 4]), m: t(a.m, [3, 2]), q: t(a.q, [2, 2, 4]), k: t(a.k, [2, 2, 4]), v: t(a.v, [2, 2, 4]),
      iPre: t(a.iPre, [2, 2]), fPre: t(a.fPre, [2, 2]), slots: a.slots as Int32Array, out: a.out as Float32Array, backend: 'native',
    }),
    written: ['C', 'n', 'm', 'out'],
  },
];

type Transfer = (buf: ArrayBuffer) => void;
const channel = new MessageChannel();
channel.port1.unref();
channel.port2.unref();
const transfers: Record<string, Transfer> = {
  structuredClone: (buf) => void structuredClone(buf, { transfer: [buf] }),
  postMessage: (buf) => channel.port1.postMessage(buf, [buf]),
};
const proto = ArrayBuffer.prototype as { transfer?: (n?: number) => ArrayBuffer };
if (typeof proto.transfer === 'function') transfers.transfer = (buf) => void proto.transfer!.call(buf);

const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const clone = (a: Arrays): Arrays => Object.fromEntries(Object.entries(a).map(([k, v]) => [k, v.slice()]));

export interface HostileReport {
  calls: number;
  failures: string[];
  transfers: string[];
}

/** Runs every case; with `gc` (needs --expose-gc) forces collections and heap churn after each transfer. */
export async function runHostileAsync(gc?: () => void): Promise<HostileReport> {
  const failures: string[] = [];
  let calls = 0;
  const churn = () => {
    if (!gc) return;
    gc();
    const junk: Float32Array[] = [];
    for (let j = 0; j < 8; j++) junk.push(new Float32Array(4096).fill(-7));
  };
  for (const c of cases) {
    const want = c.make();
    c.call(want, false);
    const methods = Object.entries(transfers);
    let m = 0;
    for (const victim of Object.keys(c.make())) {
      const [how, transfer] = methods[m++ % methods.length];
      const a = c.make();
      const before = clone(a);
      const label = `${c.name}: ${victim} transferred by ${how}${gc ? ' under GC' : ''}`;
      const p = Promise.resolve(c.call(a, true)).then(() => 'resolved', (e: Error) => e);
      transfer(a[victim].buffer as ArrayBuffer);
      churn();
      const outcome = await p;
      calls++;
      if (c.written.includes(victim)) {
        // Its results have nowhere to go: a clean rejection, and nothing else written.
        if (!(outcome instanceof Error) || !new RegExp(`^${c.name}: \\w+ was detached, transferred or shrunk while the call ran; nothing was written$`).test(outcome.message)) {
          failures.push(`${label}: expected a clean rejection, got ${outcome instanceof Error ? outcome.message : outcome}`);
        }
        for (const k of c.written) if (k !== victim && !bytes(a[k]).equals(bytes(before[k]))) failures.push(`${label}: ${k} was written`);
      } else {
        if (outcome !== 'resolved') failures.push(`${label}: ${(outcome as Error).message}`);
        for (const k of c.written) if (!bytes(a[k]).equals(bytes(want[k]))) failures.push(`${label}: ${k} differs from the sync result`);
      }
    }
    if (c.make().slots) {
      // Slots rewritten (out of range, then colliding) after the call: the call uses the slots it was given.
      const a = c.make();
      const p = c.call(a, true);
      const s = a.slots as Int32Array;
      s[0] = 1 << 30;
      s[1] = s[1] < 0 ? 0 : s[1];
      churn();
      await p;
      calls++;
      for (const k of c.written) if (k !== 'slots' && !bytes(a[k]).equals(bytes(want[k]))) failures.push(`${c.name}: slots changed after the call: ${k} differs`);
    }
  }
  return { calls, failures, transfers: Object.keys(transfers) };
}

if (process.argv[1]?.endsWith('hostile-async.ts')) {
  const gc = (globalThis as { gc?: () => void }).gc;
  runHostileAsync(gc).then((r) => console.log(JSON.stringify({ ...r, gc: !!gc })), (e) => {
    console.error(e);
    process.exit(1);
  });
}
