/**
 * A worker_thread (or child) that loads hashmac, picks its own ISA and thread count, runs every LSH
 * kernel sync and async on native against the JS reference, and reports what it saw.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as h from '../../lib/index.js';

export interface WorkerReport {
  isa: string;
  threads: number;
  mismatches: number;
  calls: number;
}

export async function exercise(isa: h.Isa, threads: number, rounds: number, seed: number): Promise<WorkerReport> {
  h.setIsa(isa);
  h.setNumThreads(threads);
  let mismatches = 0, calls = 0;
  const rnd = (n: number, s: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898 + s * 78.233) * 4);
  for (let r = 0; r < rounds; r++) {
    const M = 37 + r, D = 45, K = 100 + seed;
    const x = { data: rnd(M * D, seed + r), shape: [M, D] }, proj = { data: rnd(K * D, seed * 7 + r), shape: [K, D] };
    const ref = h.signProject(x, proj, { backend: 'js' });
    const sync = h.signProject(x, proj, { backend: 'native' });
    const async = await h.signProjectAsync(x, proj, { backend: 'native' });
    for (const got of [sync, async]) if (!Buffer.from(got.codes.data).equals(Buffer.from(ref.codes.data))) mismatches++;
    const dRef = h.hammingGemm(ref.codes, ref.codes, { backend: 'js' });
    const dNat = await h.hammingGemmAsync(ref.codes, ref.codes, { backend: 'native' });
    if (!Buffer.from(dNat.data.buffer).equals(Buffer.from(dRef.data.buffer))) mismatches++;
    calls += 4;
  }
  // The environment's settings are its own: other threads changing theirs must not show here.
  return { isa: h.getIsa(), threads: h.getNumThreads(), mismatches, calls };
}

if (parentPort && workerData) {
  const { isa, threads, rounds, seed } = workerData as { isa: h.Isa; threads: number; rounds: number; seed: number };
  exercise(isa, threads, rounds, seed).then((r) => parentPort!.postMessage(r));
}
