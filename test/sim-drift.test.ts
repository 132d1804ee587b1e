/** The PCM drift study (drift.ts), its HTML report (html.ts) and `simulate --drift` on the digits fixture (a few images). */
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { accuracy } from '../lib/models/evaluate.js';
import { resolveConfig } from '../lib/sim/config.js';
import { loadDigitsModel, loadDigitsTest } from '../lib/sim/digits.js';
import { formatDrift, runDriftStudy, timeLabel } from '../lib/sim/drift.js';
import { crossbarForward } from '../lib/sim/forward.js';
import { driftHtml, driftSvg } from '../lib/sim/html.js';
import { modelShapes } from '../lib/sim/shapes.js';
import { simulate } from '../lib/sim/simulate.js';

const { model } = loadDigitsModel();
const set = loadDigitsTest(6);
const config = resolveConfig();
const study = runDriftStudy(model, set, config, { timesS: [1, 86400], adcBits: [6] });

test('drift study: every design at every time, accuracies equal to direct crossbar runs', () => {
  assert.deepEqual(study.series.map((s) => s.label), ['hashed', 'conventional 6-bit']);
  assert.equal(study.images, 6);
  for (const s of study.series) {
    assert.equal(s.accuracy.length, 2);
    for (const a of s.accuracy) assert.ok(a >= 0 && a <= 1);
  }
  const at = resolveConfig({ device: { noiseModel: 'pcm', driftTimeS: 86400 }, readout: { conventional: { bits: 6 } } });
  assert.equal(study.series[0].accuracy[1], accuracy(crossbarForward(model, set.images, at).logits, set.labels));
  assert.equal(study.series[1].accuracy[1], accuracy(crossbarForward(model, set.images, at, { design: 'conventional' }).logits, set.labels));
  assert.equal(study.floatAccuracy, accuracy(model.forward(set.images, { hashed: false }), set.labels));
});

test('drift study: cost per image is the accounting of the model shapes for each ADC resolution', () => {
  const r = simulate(modelShapes(model), resolveConfig({ readout: { conventional: { bits: 6 } }, device: { noiseModel: 'pcm' } }));
  assert.equal(study.series[1].energyPJ, r.conventional.totalPJ);
  assert.equal(study.series[1].readoutPJ, r.conventional.energyPJ.adc);
  assert.equal(study.series[1].areaUM2, r.conventional.totalAreaUM2);
  assert.equal(study.series[0].energyPJ, r.hashed.totalPJ);
  assert.equal(study.series[0].latencyS, r.hashed.latencyS);
});

test('drift study: time labels, the CLI table and the self-contained HTML/SVG plot', () => {
  assert.deepEqual([1, 3600, 86400, 30 * 86400, 365 * 86400, 2 * 365 * 86400].map(timeLabel), ['1 s', '1 h', '1 day', '30 days', '1 year', '2 years']);
  const text = formatDrift(study);
  assert.match(text, /6 images of digits\/test/);
  assert.match(text, /conventional 6-bit\s+\d\.\d{4}\s+\d\.\d{4}/);
  const svg = driftSvg(study);
  assert.equal((svg.match(/<polyline /g) ?? []).length, 2, 'one line per design');
  assert.equal((svg.match(/<circle /g) ?? []).length, 4, 'one marker per design and time');
  const html = driftHtml(study);
  assert.match(html, /^<!doctype html>/);
  assert.ok(!/(src|href)=/.test(html), 'no external resources');
  assert.match(driftHtml({ ...study, dataset: '<x>' }), /&lt;x&gt;/, 'names are escaped');
});

test('simulate --drift: table, --json, --html; options checked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-drift-'));
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'lib', 'cli.ts'), 'simulate', ...args], { encoding: 'utf8' });
  const html = join(dir, 'r.html');
  const r = cli('--drift', '--images', '3', '--times', '1,3600', '--adc-bits', '4', '--html', html);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /3 images of digits\/test/);
  assert.match(r.stdout, /conventional 4-bit/);
  assert.match(readFileSync(html, 'utf8'), /<svg /);
  assert.ok(!existsSync(`${html}.tmp-${r.pid}`));
  const j = cli('--drift', '--images', '2', '--image-offset', '358', '--times', '10', '--adc-bits', '8', '--json');
  assert.equal(j.status, 0, j.stderr);
  const out = JSON.parse(j.stdout);
  assert.deepEqual(out.drift.timesS, [10]);
  assert.equal(out.drift.images, 2, 'the last two of the 360 digits test images');
  assert.equal(out.drift.series.length, 2);
  for (const [args, re] of [
    [['--drift', '--times', '1,,3'], /--times: expected a comma-separated list/],
    [['--drift', '--times', '0'], /--times\[0\]: expected seconds > 0/],
    [['--drift', '--adc-bits', '20'], /--adc-bits\[0\]/],
    [['--html', join(dir, 'x.html')], /go with --drift/],
    [['--drift', '--image-offset', '360'], /--image-offset/],
    [['--drift', '--preset', 'neurosim-vgg8'], /--drift runs a model/],
    [['--drift', '--noise'], /takes no --layers, --preset, --noise/],
    [['--drift', '--normalize', 'imagenet'], /--normalize goes with --weights/],
  ] as [string[], RegExp][]) {
    const bad = cli(...args);
    assert.equal(bad.status, 2, args.join(' '));
    assert.match(bad.stderr, re);
  }
});
