/** Plain-text rendering of a benchmark report: limits, one table per case, targets. */
import { limitsFor, UNITS } from './limits.js';
import type { BenchReport } from './runner.js';

/** 1.52e12 -> '1.52 T'. */
export function si(v: number, digits = 3): string {
  const prefixes = ['', 'k', 'M', 'G', 'T', 'P'];
  let i = 0;
  while (Math.abs(v) >= 1000 && i < prefixes.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(digits))} ${prefixes[i]}`;
}

export const seconds = (s: number): string => (s >= 1 ? `${s.toFixed(2)} s` : s >= 1e-3 ? `${(s * 1e3).toFixed(2)} ms` : `${(s * 1e6).toFixed(1)} µs`);

export function formatReport(r: BenchReport): string {
  const lines: string[] = [];
  lines.push(`hashmac ${r.version} bench  ${r.machine.cpu} (${r.machine.cores} threads)  node ${r.machine.node}  ${r.date}`);
  const l = r.limits;
  if (l) {
    lines.push(`limits measured now (isa ${l.isa}, ${l.threads} threads): clock ${(l.clockHz / 1e9).toFixed(2)} GHz/core under load, ` +
      `popcount ${si(l.popcount)}bit/s, xor+popcount+add ${si(l.hamming)}bit-ops/s, FMA ${si(l.fma)}FLOP/s, copy ${si(l.bandwidth)}B/s, in-place update ${si(l.updateBandwidth)}B/s`);
  } else {
    lines.push('limits: not measured (no native addon)');
  }
  const byCase = new Map<string, typeof r.results>();
  for (const x of r.results) byCase.set(x.case, [...(byCase.get(x.case) ?? []), x]);
  for (const [name, rows] of byCase) {
    lines.push('', name);
    const ref = rows.find((x) => x.variant === 'js' && !x.error);
    const native = rows.find((x) => x.variant.startsWith('native/') && !x.error);
    for (const x of rows) {
      if (x.error) {
        lines.push(`  ${x.variant.padEnd(22)} skipped: ${x.error}`);
        continue;
      }
      const extra: string[] = [];
      if (x.unreliable) extra.push(`UNRELIABLE: ${x.unreliable}`);
      else for (const lim of x.limits ?? (l ? limitsFor(x.limit, l) : [])) extra.push(`${((100 * x.throughput) / lim.rate).toFixed(1)}% of ${lim.name}${x.variant.startsWith('native/') ? ` (${si(lim.rate)} probed around it)` : ''}`);
      if (x.fmaFraction !== undefined) extra.push(`arithmetic at ${(100 * x.fmaFraction).toFixed(1)}% of the run's FMA peak`);
      if (ref && x !== ref) extra.push(`${(x.throughput / ref.throughput).toFixed(1)}x js`);
      if (native && x.variant.startsWith('peer:')) extra.push(`native is ${(native.throughput / x.throughput).toFixed(2)}x this`);
      lines.push(`  ${x.variant.padEnd(22)} ${seconds(x.seconds).padStart(10)} ±${x.rme.toFixed(1)}%  ${(si(x.throughput) + UNITS[x.limit]).padStart(16)}  ${extra.join(', ')}${x.note ? `  (${x.note})` : ''}`);
    }
  }
  if (r.targets.length) {
    lines.push('', 'targets:');
    for (const t of r.targets) {
      const fmt = (v: number) => (t.what === 'throughput' ? si(v) : `${v.toFixed(2)}`);
      lines.push(`  ${t.met ? 'met   ' : 'MISSED'} ${t.case} ${t.what}: ${t.got === undefined ? 'n/a' : fmt(t.got)} (want >= ${fmt(t.want)})`);
    }
  }
  return lines.join('\n');
}
