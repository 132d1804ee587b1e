/**
 * A small self-contained HTML report of a drift study (`hashmac simulate --drift --html <file>`): one SVG
 * plot of accuracy against time since programming (log scale), one line per design, and the cost table.
 */
import { timeLabel, type DriftStudyResult } from './drift.js';

const escape = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);
const COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

/** The SVG plot: x = log10 seconds, y = accuracy 0..1. */
export function driftSvg(r: DriftStudyResult): string {
  const W = 640, H = 360, L = 60, R = 170, T = 20, B = 50;
  const lx = r.timesS.map((t) => Math.log10(t));
  const x0 = Math.min(...lx), x1 = Math.max(...lx) > x0 ? Math.max(...lx) : x0 + 1;
  const px = (t: number) => L + ((Math.log10(t) - x0) / (x1 - x0)) * (W - L - R);
  const py = (a: number) => T + (1 - a) * (H - T - B);
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`];
  parts.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#444"/>`);
  for (let a = 0; a <= 1.0001; a += 0.2) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${py(a)}" y2="${py(a)}" stroke="#ddd"/><text x="${L - 6}" y="${py(a) + 4}" text-anchor="end">${a.toFixed(1)}</text>`);
  }
  for (const t of r.timesS) parts.push(`<text x="${px(t)}" y="${H - B + 16}" text-anchor="middle">${escape(timeLabel(t))}</text>`);
  parts.push(`<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">time since programming (log scale)</text>`);
  parts.push(`<text transform="translate(16 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">accuracy (${r.images} images)</text>`);
  r.series.forEach((s, i) => {
    const c = COLOURS[i % COLOURS.length];
    const pts = s.accuracy.map((a, k) => `${px(r.timesS[k]).toFixed(1)},${py(a).toFixed(1)}`);
    parts.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${c}" stroke-width="2"/>`);
    for (const p of pts) parts.push(`<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="3" fill="${c}"/>`);
    parts.push(`<line x1="${W - R + 12}" x2="${W - R + 32}" y1="${T + 14 + 18 * i}" y2="${T + 14 + 18 * i}" stroke="${c}" stroke-width="2"/><text x="${W - R + 38}" y="${T + 18 + 18 * i}">${escape(s.label)}</text>`);
  });
  const dashed = (a: number, label: string, k: number) =>
    `<line x1="${L}" x2="${W - R}" y1="${py(a)}" y2="${py(a)}" stroke="#888" stroke-dasharray="4 3"/><text x="${W - R + 12}" y="${T + 18 + 18 * (r.series.length + k)}" fill="#666">- - ${escape(label)} ${a.toFixed(3)}</text>`;
  parts.push(dashed(r.floatAccuracy, 'float model', 0), dashed(r.hashedNoiselessAccuracy, 'hashed, noiseless', 1));
  parts.push('</svg>');
  return parts.join('\n');
}

/** The whole page: title, plot, cost table. No external resources. */
export function driftHtml(r: DriftStudyResult, title = 'hashmac: accuracy under PCM drift, and cost per image'): string {
  const rows = r.series.map((s) => `<tr><td>${escape(s.label)}</td>${s.accuracy.map((a) => `<td>${a.toFixed(4)}</td>`).join('')}` +
    `<td>${(s.energyPJ * 1e-6).toPrecision(4)}</td><td>${(s.readoutPJ * 1e-6).toPrecision(3)}</td><td>${(s.latencyS * 1e6).toPrecision(4)}</td><td>${(s.areaUM2 * 1e-6).toPrecision(4)}</td></tr>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin-top:12px}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left;white-space:nowrap}</style>
</head><body>
<h2>${escape(title)}</h2>
<p>${r.images} images of ${escape(r.dataset)}; devices follow IBM aihwkit's PCMLikeNoiseModel at each time after programming.
Float model ${r.floatAccuracy.toFixed(4)}, hashed noiseless ${r.hashedNoiselessAccuracy.toFixed(4)}.</p>
${driftSvg(r)}
<table><tr><th>design</th>${r.timesS.map((t) => `<th>${escape(timeLabel(t))}</th>`).join('')}<th>energy/img (µJ)</th><th>readout (µJ)</th><th>latency (µs)</th><th>area (mm²)</th></tr>
${rows.join('\n')}
</table>
</body></html>
`;
}
