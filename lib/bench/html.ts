/**
 * A self-contained HTML report (inline SVG and CSS, no external assets): per kernel, throughput against
 * work per call for every variant on log-log axes with the machine limit drawn in, then the full table.
 */
import { limitsFor, UNITS } from './limits.js';
import { si, seconds } from './format.js';
import type { BenchReport, BenchResult } from './runner.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f'];

/**
 * The limit each point is measured against, as the table has it: a native result's own probes (taken right
 * before and after it ran), else the run's limits. Drawn per point as a step line (each level spans the
 * point's share of the x axis), so every fraction in the table is the point's height over the line above it.
 */
function limitSteps(ok: BenchResult[], report: BenchReport): { name: string; steps: { units: number; rate: number }[] }[] {
  // One level per case (its variants share the case's probes, lib/bench/runner.ts), at the case's own work
  // size: the native run's where there is one (the JS reference may time a smaller problem).
  const perCase = new Map<string, BenchResult>();
  for (const r of ok) if (r.limits?.length && (!perCase.has(r.case) || r.variant.startsWith('native/'))) perCase.set(r.case, r);
  const own = [...perCase.values()].sort((a, b) => a.units - b.units);
  const base = own.length ? own : ok.slice(0, 1);
  const names = (base[0].limits ?? (report.limits ? limitsFor(base[0].limit, report.limits) : [])).map((l) => l.name);
  return names.map((name, i) => ({
    name,
    steps: base.map((r) => ({ units: r.units, rate: (r.limits ?? limitsFor(r.limit, report.limits!))[i].rate })),
  }));
}

function chart(kernel: string, rows: BenchResult[], report: BenchReport): string {
  const W = 720, H = 380, L = 70, R = 190, T = 30, B = 45;
  const ok = rows.filter((r) => !r.error && r.throughput > 0);
  if (!ok.length) return '';
  const limits = report.limits || ok.some((r) => r.limits?.length) ? limitSteps(ok, report) : [];
  const xs = ok.map((r) => r.units), ys = [...ok.map((r) => r.throughput), ...limits.flatMap((l) => l.steps.map((s) => s.rate))];
  const lx0 = Math.floor(Math.log10(Math.min(...xs))), lx1 = Math.max(lx0 + 1, Math.ceil(Math.log10(Math.max(...xs))));
  const ly0 = Math.floor(Math.log10(Math.min(...ys))), ly1 = Math.max(ly0 + 1, Math.ceil(Math.log10(Math.max(...ys))));
  const px = (v: number) => L + ((Math.log10(v) - lx0) / (lx1 - lx0)) * (W - L - R);
  const py = (v: number) => H - B - ((Math.log10(v) - ly0) / (ly1 - ly0)) * (H - T - B);
  const parts: string[] = [];
  for (let e = lx0; e <= lx1; e++) {
    const x = px(10 ** e);
    parts.push(`<line x1="${x}" y1="${T}" x2="${x}" y2="${H - B}" class="grid"/><text x="${x}" y="${H - B + 16}" class="tick" text-anchor="middle">${esc(si(10 ** e, 1))}</text>`);
  }
  for (let e = ly0; e <= ly1; e++) {
    const y = py(10 ** e);
    parts.push(`<line x1="${L}" y1="${y}" x2="${W - R}" y2="${y}" class="grid"/><text x="${L - 6}" y="${y + 4}" class="tick" text-anchor="end">${esc(si(10 ** e, 1))}</text>`);
  }
  // Limit lines: one level per probed point, changing half-way (in log x) between neighbouring points.
  limits.forEach((l, i) => {
    const pts: string[] = [];
    l.steps.forEach((s, k) => {
      const x0 = k === 0 ? L : px(Math.sqrt(l.steps[k - 1].units * s.units));
      const x1 = k === l.steps.length - 1 ? W - R : px(Math.sqrt(s.units * l.steps[k + 1].units));
      pts.push(`${x0.toFixed(1)},${py(s.rate).toFixed(1)}`, `${x1.toFixed(1)},${py(s.rate).toFixed(1)}`);
    });
    parts.push(`<polyline fill="none" points="${pts.join(' ')}" class="limit" stroke-dasharray="${i ? '2,4' : '6,4'}"><title>${esc(`${l.name}: ${l.steps.map((s) => si(s.rate)).join(', ')}${UNITS[ok[0].limit]}`)}</title></polyline>`);
    // The label inside the plot, above the line's first level, clear of the legend in the right margin.
    const rates = l.steps.map((s) => s.rate), lo = si(Math.min(...rates)), hi = si(Math.max(...rates));
    parts.push(`<text x="${L + 4}" y="${py(l.steps[0].rate) - 4 - 12 * i}" class="limitlabel">${esc(`${l.name} (${lo === hi ? lo : `${lo}… ${hi}`}${UNITS[ok[0].limit]})`)}</text>`);
  });
  const variants = [...new Set(ok.map((r) => r.variant))];
  variants.forEach((v, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = ok.filter((r) => r.variant === v).sort((a, b) => a.units - b.units);
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map((p) => `${px(p.units).toFixed(1)},${py(p.throughput).toFixed(1)}`).join(' ')}"/>`);
    for (const p of pts) {
      const frac = p.fraction === undefined ? '' : `${(100 * p.fraction).toFixed(1)}%`;
      // An unreliable point (its limit moved between the probes) is hollow and has no fraction, as in the table.
      const fill = p.unreliable ? `fill="#fff" stroke="${color}" stroke-width="2"` : `fill="${color}"`;
      parts.push(`<circle cx="${px(p.units).toFixed(1)}" cy="${py(p.throughput).toFixed(1)}" r="4" ${fill}><title>${esc(`${p.case} ${v}: ${si(p.throughput)}${UNITS[p.limit]}${p.unreliable ? ` (unreliable: ${p.unreliable})` : frac ? `, ${frac} of ${p.limits?.[0]?.name ?? 'the limit'}` : ''}`)}</title></circle>`);
      // The fraction of the limit, as in the table, printed beside the point (below it for odd variants, so two variants at one size do not collide).
      if (frac) parts.push(`<text x="${(px(p.units) + 6).toFixed(1)}" y="${(py(p.throughput) + (i % 2 ? 14 : -6)).toFixed(1)}" class="frac" fill="${color}">${esc(frac)}</text>`);
    }
    parts.push(`<rect x="${W - R + 12}" y="${T + i * 18}" width="12" height="12" fill="${color}"/><text x="${W - R + 30}" y="${T + 10 + i * 18}" class="tick">${esc(v)}</text>`);
  });
  const legendEnd = T + variants.length * 18 + 12;
  parts.push(`<text x="${W - R + 12}" y="${legendEnd + 4}" class="note">% = throughput / the limit</text><text x="${W - R + 12}" y="${legendEnd + 18}" class="note">probed around each native run</text><text x="${W - R + 12}" y="${legendEnd + 32}" class="note">(dashed: the table's limits)</text>` +
    `<circle cx="${W - R + 17}" cy="${legendEnd + 44}" r="4" fill="#fff" stroke="#666" stroke-width="2"/><text x="${W - R + 26}" y="${legendEnd + 48}" class="note">unreliable: limit moved</text>`);
  const unit = ok[0].limit === 'popcount' ? 'bit-ops' : ok[0].limit === 'fma' ? 'FLOP' : 'bytes';
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle" class="axis">work per call (${unit})</text>`);
  parts.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle" class="axis">throughput (${UNITS[ok[0].limit]})</text>`);
  parts.push(`<text x="${L}" y="18" class="title">${esc(kernel)}</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(kernel)} throughput">${parts.join('')}</svg>`;
}

function table(report: BenchReport): string {
  const head = '<tr><th>case</th><th>variant</th><th>time/call</th><th>throughput</th><th>of limit</th><th>note</th></tr>';
  const rows = report.results.map((r) => r.error
    ? `<tr class="skip"><td>${esc(r.case)}</td><td>${esc(r.variant)}</td><td colspan="4">skipped: ${esc(r.error)}</td></tr>`
    : `<tr><td>${esc(r.case)}</td><td>${esc(r.variant)}</td><td>${esc(seconds(r.seconds))} ±${r.rme.toFixed(1)}%</td><td>${esc(si(r.throughput) + UNITS[r.limit])}</td><td>${r.unreliable ? `<span title="${esc(r.unreliable)}">unreliable</span>` : r.fraction === undefined ? '' : `${(100 * r.fraction).toFixed(1)}%`}</td><td>${esc(r.note ?? '')}</td></tr>`);
  return `<table>${head}${rows.join('')}</table>`;
}

export function renderHtml(report: BenchReport): string {
  const l = report.limits;
  const kernels = [...new Set(report.results.map((r) => r.kernel))];
  const limitsLine = l
    ? `clock ${(l.clockHz / 1e9).toFixed(2)} GHz/core under load · popcount ${si(l.popcount)}bit/s · xor+popcount+add ${si(l.hamming)}bit-ops/s · FMA ${si(l.fma)}FLOP/s · copy ${si(l.bandwidth)}B/s · in-place update ${si(l.updateBandwidth)}B/s (isa ${esc(l.isa)}, ${l.threads} threads)`
    : 'machine limits not measured (no native addon)';
  const targets = report.targets.length
    ? `<h2>Targets</h2><ul>${report.targets.map((t) => `<li class="${t.met ? 'met' : 'missed'}">${t.met ? '✔' : '✘'} ${esc(t.case)} ${esc(t.what)}: ${t.got === undefined ? 'n/a' : esc(t.what === 'throughput' ? si(t.got) : t.got.toFixed(2))} (want ≥ ${esc(t.what === 'throughput' ? si(t.want) : String(t.want))})</li>`).join('')}</ul>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hashmac bench ${esc(report.date)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
.charts{display:flex;flex-wrap:wrap;gap:16px}svg{border:1px solid #ddd;background:#fff}
.grid{stroke:#eee}.limit{stroke:#555;stroke-width:1.5}.tick{font-size:11px;fill:#444}.limitlabel{font-size:11px;fill:#333;paint-order:stroke;stroke:#fff;stroke-width:3px}.frac{font-size:10px;font-weight:600;paint-order:stroke;stroke:#fff;stroke-width:3px}.note{font-size:10px;fill:#666}.axis{font-size:12px;fill:#222}.title{font-size:14px;font-weight:600}
table{border-collapse:collapse;margin-top:8px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}tr.skip td{color:#999}
li.met{color:#1a7f37}li.missed{color:#b42318}
</style></head><body>
<h1>hashmac ${esc(report.version)} benchmarks</h1>
<p>${esc(report.machine.cpu)} · ${report.machine.cores} threads · node ${esc(report.machine.node)} · ${esc(report.machine.platform)} · ${esc(report.date)}</p>
<p>Limits measured in this run: ${limitsLine}</p>
${targets}
<h2>Throughput vs size</h2><div class="charts">${kernels.map((k) => chart(k, report.results.filter((r) => r.kernel === k), report)).join('')}</div>
<h2>All results</h2>${table(report)}
</body></html>
`;
}
