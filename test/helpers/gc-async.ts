/**
 * Run with --expose-gc in a child process: starts async kernels on large inputs, drops every reference
 * to the inputs, and forces garbage collection (with fresh allocations to reuse freed memory) while
 * they run. The addon must keep the buffers alive until each call settles, so results stay exact.
 */
import * as h from '../../lib/index.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function codes(rows: number, bits: number, seed: number): h.PackedBits {
  const c = h.packedBits(rows, bits);
  let s = seed;
  for (let i = 0; i < c.data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    c.data[i] = s >>> 24;
  }
  return c;
}

async function main(): Promise<void> {
  const bits = 1024, rows = 1536;
  // Expected results from sync calls on copies.
  const want = h.hammingGemm(codes(rows, bits, 1), codes(rows, bits, 2), { backend: 'native' }).data;
  const pending: Promise<h.Tensor<Int32Array>>[] = [];
  for (let i = 0; i < 3; i++) pending.push(h.hammingGemmAsync(codes(rows, bits, 1), codes(rows, bits, 2), { backend: 'native' }));
  const x = { data: Float32Array.from({ length: 2048 * 256 }, (_, i) => Math.cos(i)), shape: [2048, 256] };
  const p = { data: Float32Array.from({ length: 512 * 256 }, (_, i) => Math.sin(i * 3)), shape: [512, 256] };
  const signWant = h.signProject(x, p, { backend: 'native' }).codes.data.slice();
  const signPending = h.signProjectAsync({ data: x.data.slice(), shape: x.shape }, { data: p.data.slice(), shape: p.shape }, { backend: 'native' });
  // Nothing but the promises refers to the inputs now; churn the heap while the calls run.
  let settled = false;
  void Promise.all([...pending, signPending]).finally(() => (settled = true));
  let rounds = 0;
  while (!settled && rounds < 200) {
    gc!();
    const junk: Uint8Array[] = [];
    for (let j = 0; j < 16; j++) junk.push(new Uint8Array(rows * 128).fill(0xee));
    rounds++;
    await new Promise((r) => setImmediate(r));
  }
  const got = await Promise.all(pending);
  for (const g of got) if (!Buffer.from(g.data.buffer).equals(Buffer.from(want.buffer))) throw new Error('a Hamming result changed under GC');
  const s = await signPending;
  if (!Buffer.from(s.codes.data).equals(Buffer.from(signWant))) throw new Error('a sign projection changed under GC');
  console.log(JSON.stringify({ ok: true, gcRounds: rounds }));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
