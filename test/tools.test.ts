/** The user tools: `hashmac fuzz` finds, shrinks and saves a planted bug; `hashmac bench` reports and renders. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isBackendAvailable } from '../lib/backend.js';
import { goldenAdapters } from '../lib/golden/adapters.js';
import { runGolden } from '../lib/golden/runner.js';
import { allSpecs } from '../lib/fuzz/specs/index.js';
import { runFuzz } from '../lib/fuzz/runner.js';
import { readSafetensors } from '../lib/safetensors.js';
import { allCases } from '../lib/bench/cases/index.js';
import { bracketLimits, runBench, selectCases } from '../lib/bench/runner.js';
import { renderHtml } from '../lib/bench/html.js';
import { formatReport, si } from '../lib/bench/format.js';
import { hammingGemm } from '../lib/kernels/lsh.js';
import { packedBits } from '../lib/bits.js';
import type { BenchCase } from '../lib/bench/types.js';
import { stateCase } from '../lib/bench/state-cases.js';
import { conv } from '../lib/bench/cases/mamba2.js';

const native = isBackendAvailable('native');

test('every kernel with a golden adapter has a fuzz spec', () => {
  const specced = new Set(allSpecs().map((s) => s.kernel));
  const missing = Object.keys(goldenAdapters).filter((k) => !specced.has(k));
  assert.deepEqual(missing, [], `add lib/fuzz/specs/<family>.ts entries for ${missing.join(', ')}`);
});

/** Mismatches the fuzzer finds that are open issues, each with its cause; these run as todo tests. */
const KNOWN: Record<string, string> = {
};

async function fuzzShort(specs: ReturnType<typeof allSpecs>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-fuzz-'));
  try {
    const results = await runFuzz({ specs, backend: 'native', seed: 42, runs: 25, outDir: dir });
    for (const r of results) {
      assert.equal(r.failure, undefined, `${r.kernel}: ${r.failure?.message}`);
      if (!r.skipped) assert.equal(r.cases, 25, r.kernel);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('fuzz: a short deterministic run of every spec on native finds no mismatch', { skip: !native && 'no native addon' }, async () => {
  await fuzzShort(allSpecs().filter((s) => !(s.kernel in KNOWN)));
});

for (const [kernel, why] of Object.entries(KNOWN)) {
  test(`fuzz: ${kernel} (known issue)`, { skip: !native && 'no native addon', todo: why }, async () => {
    await fuzzShort(allSpecs().filter((s) => s.kernel === kernel));
  });
}

test('fuzz: a planted native bug is found, shrunk, saved as a golden case, and replayed as a failure', { skip: !native && 'no native addon' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-fuzz-'));
  const real = goldenAdapters.hamming_gemm;
  // The planted bug: off by one on native whenever some distance exceeds 3.
  goldenAdapters.hamming_gemm = {
    async run(inputs, params, backend) {
      const out = await real.run(inputs, params, backend);
      const d = out.dist.data as Int32Array;
      if (backend !== 'js') for (let i = 0; i < d.length; i++) if (d[i] > 3) d[i] += 1;
      return out;
    },
  };
  try {
    const spec = allSpecs().filter((s) => s.kernel === 'hamming_gemm');
    const runs = await runFuzz({ specs: spec, backend: 'native', seed: 3, runs: 50, outDir: dir });
    const again = await runFuzz({ specs: spec, backend: 'native', seed: 3, runs: 50, outDir: join(dir, 'again') });
    const f = runs[0].failure;
    assert.ok(f, 'the planted bug was not found');
    assert.match(f.message, /out\.dist/);
    assert.equal(again[0].failure?.path, f.path, 'same seed, same shrunk case');
    const file = readSafetensors(f.file);
    assert.equal(file.metadata.kernel, 'hamming_gemm');
    // Shrunk: a small case whose one distance of 4 is just over the planted threshold.
    const [M, bytes] = file.tensors.get('in.a')!.shape;
    const N = file.tensors.get('in.b')!.shape[0];
    assert.ok(M * N <= 2 && bytes <= 16, `not shrunk: ${M}x${N}, ${bytes} bytes per row`);
    assert.deepEqual([...(file.tensors.get('out.dist')!.data as Int32Array)].some((v) => v === 4), true);
    const buggy = await runGolden({ dir, backends: ['native'] });
    assert.equal(buggy.failed, 1);
    goldenAdapters.hamming_gemm = real;
    const fixed = await runGolden({ dir });
    assert.equal(fixed.failed, 0, JSON.stringify(fixed.cases));
  } finally {
    goldenAdapters.hamming_gemm = real;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench: every case names a kernel, a limit and work in its unit; shapes filter', () => {
  const cases = allCases();
  assert.ok(cases.length > 0);
  for (const c of cases) {
    assert.match(c.name, /^[A-Za-z0-9]+\//);
    assert.ok(c.name.startsWith(`${c.kernel}/`), c.name);
  }
  const sel = selectCases(cases, { kernels: ['hammingGemm'], shapes: ['4096x4096x1024'] });
  assert.deepEqual(sel.map((c) => c.name), ['hammingGemm/4096x4096x1024']);
});

test('bench: a case whose limit moved more than 20% between the probes around it is flagged, not given a fraction', () => {
  const lim = (main: number, other: number) => [{ name: 'FMA peak', rate: main }, { name: 'other', rate: other }];
  const steady = bracketLimits(lim(100, 5), lim(115, 9));
  assert.equal(steady.unreliable, undefined);
  assert.deepEqual(steady.limits.map((l) => l.rate), [115, 9]); // the larger of each pair
  assert.match(bracketLimits(lim(100, 5), lim(125, 5)).unreliable!, /FMA peak moved 25% between the probes/);
  assert.match(bracketLimits(lim(130, 5), lim(100, 5)).unreliable!, /moved 30%/);
  assert.match(bracketLimits(lim(0, 5), lim(100, 5)).unreliable!, /from zero/);
});

test('bench: a quick run reports throughput, limit fractions, reference ratio and a self-contained HTML chart', { skip: !native && 'no native addon' }, async () => {
  const a = packedBits(64, 256), b = packedBits(64, 256);
  a.data.fill(0x5a);
  const tiny: BenchCase = {
    name: 'hammingGemm/64x64x256', kernel: 'hammingGemm', work: { bitops: 64 * 64 * 256 }, limit: 'popcount',
    setup: (backend) => (backend === 'js' ? undefined : () => void hammingGemm(a, b, { backend })),
    referenceSetup: () => ({ fn: () => void hammingGemm(a, b, { backend: 'js' }), work: { bitops: 64 * 64 * 256 } }),
    peers: { absent: () => undefined, simsimd: () => undefined },
    targets: { vsReference: 1 },
  };
  const report = await runBench([tiny], { quick: true });
  assert.ok(report.limits && report.limits.clockHz > 1e8 && report.limits.popcount > 0 && report.limits.fma > 0 && report.limits.bandwidth > 0);
  const nat = report.results.find((r) => r.variant.startsWith('native/'))!;
  // On a busy machine the probes around the case may disagree: then the result is flagged, not a fraction.
  assert.ok(nat.throughput > 0 && (nat.unreliable ? nat.fraction === undefined : nat.fraction! > 0));
  assert.ok(report.results.some((r) => r.variant === 'js' && r.throughput > 0));
  assert.equal(report.results.find((r) => r.variant === 'peer:absent')?.error, 'not installed');
  assert.equal(report.results.find((r) => r.variant === 'peer:simsimd')?.error, 'not installed (npm install simsimd)');
  // Every variant of the case is measured against the same probes as the native run, as the chart draws them.
  const js = report.results.find((r) => r.variant === 'js')!;
  assert.deepEqual(js.limits, nat.limits);
  assert.equal(js.unreliable, nat.unreliable);
  assert.equal(report.targets.length, 1);
  assert.match(formatReport(report), nat.unreliable ? /UNRELIABLE: xor\+popcount\+add port limit moved/ : /of xor\+popcount\+add port limit/);
  const html = renderHtml(report);
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<svg [^>]*role="img"[^>]*>.*<circle /s);
  assert.doesNotMatch(html, /(src|href)="http/);
  // The chart's limit line is at the native run's probed rate, labelled inside the plot, and each point carries its table fraction.
  assert.match(html, new RegExp(`<title>xor\\+popcount\\+add port limit: ${si(nat.limits![0].rate).replace(/[.+]/g, '\\$&')}bit-ops/s</title>`));
  assert.match(html, /class="limitlabel">xor\+popcount\+add port limit \(/);
  if (!nat.unreliable) assert.match(html, new RegExp(`class="frac"[^>]*>${(100 * nat.fraction!).toFixed(1)}%<`));
  else assert.match(html, /<circle [^>]*fill="#fff"[^>]*><title>[^<]*unreliable: /);
});

test('bench: a bandwidth case that counts its FLOP also reports its arithmetic as a fraction of the FMA peak', { skip: !native && 'no native addon' }, async () => {
  const small = stateCase('causalConv1dUpdate', 'C4096xW4', conv, 4, 1);
  assert.equal(small.work.flops, conv.flops(4, 1));
  assert.ok(conv.flops(4, 1) > 0 && conv.flops(4, 8) === 8 * conv.flops(4, 1));
  const report = await runBench([small], { quick: true, reference: false, peers: false });
  const nat = report.results.find((r) => r.variant.startsWith('native/'))!;
  assert.ok(nat.throughput > 0);
  assert.ok(Math.abs(nat.fmaFraction! - conv.flops(4, 1) / nat.seconds / report.limits!.fma) < 1e-9 * nat.fmaFraction!);
  assert.match(formatReport(report), new RegExp(`arithmetic at ${(100 * nat.fmaFraction!).toFixed(1)}% of the run's FMA peak`));
});
