/**
 * Run with --expose-gc: calls every kernel many times, sync and async, on native, and prints RSS and
 * external-memory growth between a warm-up point and the end (after GC). Used by test/leak.test.ts
 * (short) and scripts/leak-check.sh (long, and under valgrind).
 */
import * as h from '../../lib/index.js';

const gc = (globalThis as { gc?: () => void }).gc!;
const iterations = Number(process.argv[2] ?? 2000);
const backend = (process.argv[3] ?? 'native') as h.BackendName;

const x = { data: Float32Array.from({ length: 33 * 70 }, (_, i) => Math.sin(i)), shape: [33, 70] };
const proj = { data: Float32Array.from({ length: 130 * 70 }, (_, i) => Math.cos(i * 1.7)), shape: [130, 70] };
const wproj = { data: Float32Array.from({ length: 2 * 3 * 64 * 40 }, (_, i) => Math.sin(i * 0.3)), shape: [2, 3, 64, 40] };
const weight = { data: Float32Array.from({ length: 50 * 70 }, (_, i) => Math.cos(i * 0.11)), shape: [50, 70] };
const config = { inputTileSize: 40, outputTileSize: 20, hashLength: 64 };

async function once(): Promise<void> {
  const s = h.signProject(x, proj, { backend });
  await h.signProjectAsync(x, proj, { backend });
  h.hammingGemm(s.codes, s.codes, { backend });
  await h.hammingGemmAsync(s.codes, s.codes, { backend });
  const w = h.encodeWeights(weight, wproj, config, { backend });
  await h.encodeWeightsAsync(weight, wproj, config, { backend });
  h.hashLinear(x, w, { backend });
  await h.hashLinearAsync(x, w, { backend });
  // A rejected call must not leak either (the binding throws after reading some arguments).
  try { h.hammingGemm(s.codes, s.codes, { backend, out: new Int32Array(1) }); } catch { /* expected */ }
}

function sample(): { rss: number; external: number } {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { rss: m.rss, external: m.external + m.arrayBuffers };
}

/** RSS settles after warm-up (allocator arenas, JIT code); a leak keeps growing, so the second half of the run is what counts. */
async function main(): Promise<void> {
  const warm = Math.min(1000, Math.floor(iterations / 3));
  for (let i = 0; i < warm; i++) await once();
  const start = sample();
  const half = warm + Math.floor((iterations - warm) / 2);
  for (let i = warm; i < half; i++) await once();
  const mid = sample();
  for (let i = half; i < iterations; i++) await once();
  const end = sample();
  console.log(JSON.stringify({
    iterations, calls: iterations * 9,
    rssFirstHalf: mid.rss - start.rss, rssSecondHalf: end.rss - mid.rss, externalDelta: end.external - start.external,
  }));
}

void main();
