/**
 * The benchmark harness: measures the machine's limits, then times every selected case on every
 * selected backend (native on each chosen ISA), the JS reference (on its smaller setup) and the peers,
 * with the `benchmark` package. Results are throughput in the case's unit, the fraction of the machine
 * limit, and ratios to the reference and to peers.
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { backendsFor, type BackendName } from '../backend.js';
import { getIsa, setIsa, supportedIsas, VERSION, type Isa } from '../runtime.js';
import { limitsFor, measureLimits, probeLimitsFor, type MachineLimits } from './limits.js';
import { PEER_INSTALL } from './peers/optional.js';

/** Relative change of the main limit between the probes around a case beyond which its fraction is not trusted. */
export const UNRELIABLE_SHIFT = 0.2;

/** The limits probed before and after a case: the larger rate of each, and whether the main one held still. */
export function bracketLimits(before: { name: string; rate: number }[], after: { name: string; rate: number }[]): { limits: { name: string; rate: number }[]; unreliable?: string } {
  const limits = after.map((a, i) => ({ name: a.name, rate: Math.max(a.rate, before[i]?.rate ?? 0) }));
  const lo = Math.min(before[0].rate, after[0].rate), hi = Math.max(before[0].rate, after[0].rate);
  const shift = lo > 0 ? hi / lo - 1 : Infinity;
  if (!(shift <= UNRELIABLE_SHIFT)) {
    return { limits, unreliable: `${after[0].name} moved ${Number.isFinite(shift) ? `${(100 * shift).toFixed(0)}%` : 'from zero'} between the probes around this case` };
  }
  return { limits };
}
import { workUnits, type BenchCase, type Limit, type ScaledSetup } from './types.js';

export interface BenchOptions {
  /** Only cases whose kernel (or name) is one of these. */
  kernels?: string[];
  /** Only cases whose shape (the part of the name after the kernel) contains one of these. */
  shapes?: string[];
  /** Backends to time (default: native and cuda where available; 'js' adds the reference). */
  backends?: BackendName[];
  /** Native ISAs to time (default: the active one). */
  isas?: Isa[];
  peers?: boolean;
  reference?: boolean;
  /** Shorter sampling (CI smoke runs). */
  quick?: boolean;
  /** Called before each timing and once at the end (progress display). */
  onProgress?: (done: number, total: number, label: string) => void;
}

export interface BenchResult {
  case: string;
  kernel: string;
  /** 'native/avx512', 'cuda', 'js' (the reference, scaled setup) or 'peer:<name>'. */
  variant: string;
  limit: Limit;
  /** Work of one timed call, in the limit's unit (bit-ops, FLOP or bytes). */
  units: number;
  /** Mean seconds per call, relative margin of error (%) and samples. */
  seconds: number;
  rme: number;
  samples: number;
  /** units / seconds. */
  throughput: number;
  /**
   * The limits it is compared with: for native variants probed right before and right after it ran, on
   * its ISA, and the larger of the two kept (a dip in a probe must not inflate a fraction); the other
   * variants of the case share its first native run's probes (else the run's limits).
   */
  limits?: { name: string; rate: number }[];
  /** throughput / the main limit; absent when the result is unreliable. */
  fraction?: number;
  /**
   * For a native variant of a bandwidth case whose work counts its FLOP: FLOP per second over the FMA
   * peak measured at the start of the run, to show how close a case that misses the bandwidth is to
   * being bound by its arithmetic.
   */
  fmaFraction?: number;
  /**
   * Set when the main limit moved more than UNRELIABLE_SHIFT between the probes before and after the
   * case (other work started or stopped on the machine): says by how much; no fraction is given.
   */
  unreliable?: string;
  note?: string;
  error?: string;
}

export interface TargetCheck {
  case: string;
  what: string;
  want: number;
  got: number | undefined;
  met: boolean;
}

export interface BenchReport {
  version: string;
  date: string;
  machine: { cpu: string; cores: number; node: string; platform: string };
  limits?: MachineLimits;
  results: BenchResult[];
  targets: TargetCheck[];
}

type Timed = { seconds: number; rme: number; samples: number };

const req = createRequire(__filename);

function loadBenchmark(): any {
  try {
    return req('benchmark');
  } catch {
    throw new Error("hashmac bench needs the 'benchmark' package: npm install benchmark");
  }
}

/** Times fn with benchmark.js; `deferred` for functions that return a Promise. */
function time(fn: () => void | Promise<void>, quick: boolean): Promise<Timed> {
  const Benchmark = loadBenchmark();
  return new Promise((resolve, reject) => {
    // Probe once: a Promise-returning function is timed as a deferred benchmark.
    const first = fn();
    const deferred = first instanceof Promise;
    const start = () => {
      const bench = new Benchmark({
        defer: deferred,
        fn: deferred ? (d: any) => (fn() as Promise<void>).then(() => d.resolve(), (e) => { bench.abort(); reject(e); }) : fn,
        minSamples: quick ? 2 : 5,
        maxTime: quick ? 0.2 : 1.5,
        initCount: 1,
        onError: (e: any) => reject(e.target?.error ?? new Error('benchmark failed')),
        onComplete: () => {
          if (bench.error) return reject(bench.error);
          resolve({ seconds: bench.stats.mean, rme: bench.stats.rme, samples: bench.stats.sample.length });
        },
      });
      bench.run({ async: deferred });
    };
    if (deferred) (first as Promise<void>).then(start, reject);
    else start();
  });
}

interface Variant {
  label: string;
  prepare: () => ScaledSetup | undefined | Promise<ScaledSetup | undefined>;
  isa?: Isa;
}

function variantsOf(c: BenchCase, o: BenchOptions): Variant[] {
  const out: Variant[] = [];
  const available = backendsFor(c.kernel);
  const backends = (o.backends ?? ['native', 'cuda']).filter((b) => available.includes(b));
  for (const b of backends) {
    if (b === 'native') {
      const isas = o.isas ?? [getIsa()];
      for (const isa of isas.filter((i) => supportedIsas().includes(i))) {
        out.push({ label: `native/${isa}`, isa, prepare: () => wrap(c.setup('native'), c.work) });
      }
    } else if (b === 'js') {
      if (c.referenceSetup) out.push({ label: 'js', prepare: () => c.referenceSetup!() });
      else out.push({ label: 'js', prepare: () => wrap(c.setup('js'), c.work) });
    } else {
      out.push({ label: b, prepare: () => wrap(c.setup(b), c.work) });
    }
  }
  if ((o.reference ?? true) && !backends.includes('js') && c.referenceSetup) {
    out.push({ label: 'js', prepare: () => c.referenceSetup!() });
  }
  if (o.peers ?? true) for (const [name, p] of Object.entries(c.peers ?? {})) out.push({ label: `peer:${name}`, prepare: p });
  return out;
}

const wrap = (fn: (() => void) | undefined, work: ScaledSetup['work']): ScaledSetup | undefined => (fn ? { fn, work } : undefined);

export function selectCases(all: BenchCase[], o: BenchOptions): BenchCase[] {
  return all.filter((c) => {
    const shape = c.name.slice(c.name.indexOf('/') + 1);
    const kernelOk = !o.kernels?.length || o.kernels.some((k) => k === c.kernel || k === c.name);
    const shapeOk = !o.shapes?.length || o.shapes.some((s) => shape.includes(s));
    return kernelOk && shapeOk;
  });
}

export async function runBench(cases: BenchCase[], o: BenchOptions = {}): Promise<BenchReport> {
  const quick = o.quick ?? false;
  const progress = o.onProgress ?? (() => {});
  const plan = cases.map((c) => ({ c, variants: variantsOf(c, o) }));
  const total = 1 + plan.reduce((s, p) => s + p.variants.length, 0);
  let done = 0;
  progress(done, total, 'machine limits');
  let limits: MachineLimits | undefined;
  try {
    limits = measureLimits(quick ? 0.1 : 0.3, quick ? 1 : 2);
  } catch {
    limits = undefined; // no native addon: throughput only
  }
  progress(++done, total, 'machine limits');
  const results: BenchResult[] = [];
  const savedIsa = supportedIsas().length ? getIsa() : undefined;
  try {
    for (const { c, variants } of plan) {
      // The probes around the case's first native run: every variant of the case (JS, peers) is measured
      // against them too, so the fractions of one case share one limit (the HTML chart draws it per case).
      let caseBracket: ReturnType<typeof bracketLimits> | undefined;
      for (const v of variants) {
        progress(done, total, `${c.name} ${v.label}`);
        const base = { case: c.name, kernel: c.kernel, variant: v.label, limit: c.limit };
        try {
          if (v.isa) setIsa(v.isa);
          const s = await v.prepare();
          if (s) {
            const units = workUnits(s.work, c.limit);
            const probeSeconds = quick ? 0.05 : 0.15;
            const before = v.isa ? probeLimitsFor(c.limit, probeSeconds) : undefined;
            const t = await time(s.fn, quick);
            const throughput = units / t.seconds;
            const bracket = before ? bracketLimits(before, probeLimitsFor(c.limit, probeSeconds)) : caseBracket;
            caseBracket ??= bracket;
            const against = bracket?.limits ?? (limits ? limitsFor(c.limit, limits) : undefined);
            const fraction = against && !bracket?.unreliable ? throughput / against[0].rate : undefined;
            const fmaFraction = v.isa && c.limit === 'bandwidth' && s.work.flops && limits ? s.work.flops / t.seconds / limits.fma : undefined;
            results.push({ ...base, units, ...t, throughput, limits: against, fraction, fmaFraction, unreliable: bracket?.unreliable, note: s.note });
          } else if (v.label.startsWith('peer:')) {
            results.push({ ...base, units: 0, seconds: 0, rme: 0, samples: 0, throughput: 0, error: `not installed${PEER_INSTALL[v.label.slice(5)] ? ` (${PEER_INSTALL[v.label.slice(5)]})` : ''}` });
          }
        } catch (e) {
          results.push({ ...base, units: 0, seconds: 0, rme: 0, samples: 0, throughput: 0, error: (e as Error).message });
        } finally {
          if (savedIsa) setIsa(savedIsa);
        }
        progress(++done, total, `${c.name} ${v.label}`);
      }
    }
  } finally {
    if (savedIsa) setIsa(savedIsa);
  }
  return {
    version: VERSION,
    date: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` },
    limits,
    results,
    targets: checkTargets(cases, results),
  };
}

/** The native result used for targets: the first native variant that ran (the active ISA by default). */
function nativeOf(results: BenchResult[], name: string): BenchResult | undefined {
  return results.find((r) => r.case === name && r.variant.startsWith('native/') && !r.error);
}

function checkTargets(cases: BenchCase[], results: BenchResult[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  const ok = (r?: BenchResult) => (r && !r.error ? r : undefined);
  for (const c of cases) {
    const t = c.targets;
    if (!t) continue;
    const native = nativeOf(results, c.name);
    if (!native) continue;
    const add = (what: string, want: number, got: number | undefined) => out.push({ case: c.name, what, want, got, met: got !== undefined && got >= want });
    if (t.throughput !== undefined) add('throughput', t.throughput, native.throughput);
    const ref = ok(results.find((r) => r.case === c.name && r.variant === 'js'));
    if (t.vsReference !== undefined && ref) add('x JS reference', t.vsReference, native.throughput / ref.throughput);
    for (const [peer, want] of Object.entries(t.vsPeer ?? {})) {
      const p = ok(results.find((r) => r.case === c.name && r.variant === `peer:${peer}`));
      if (p) add(`x ${peer}`, want, native.throughput / p.throughput);
    }
  }
  return out;
}
