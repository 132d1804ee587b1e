/** The default ADC energy model: the lower envelope of the Murmann ADC survey, recomputed from the committed extract. */
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { resolveConfig, SURVEY_ENVELOPE } from '../lib/sim/config.js';
import { adcEnergyPJ, surveyEnvelopePJ } from '../lib/sim/tables.js';

const CSV = join(__dirname, '..', 'data', 'adc-survey', 'adc-survey.csv');

function readSurvey(): { sndr: number; energy: number }[] {
  const [header, ...lines] = readFileSync(CSV, 'utf8').trim().split('\n');
  const cols = header.split(',');
  const s = cols.indexOf('sndr_db'), e = cols.indexOf('energy_pj');
  // The architecture column never holds a comma (the extractor normalises it), so a plain split is exact.
  return lines.map((l) => l.split(',')).map((f) => ({ sndr: Number(f[s]), energy: Number(f[e]) }));
}

const meanOfSmallest3 = (xs: number[]) => [...xs].sort((a, b) => a - b).slice(0, 3).reduce((a, b) => a + b, 0) / 3;

test('ADC survey: the envelope constants are the survey recipe applied to the extract', () => {
  const rows = readSurvey();
  assert.equal(rows.length, 725);
  for (const r of rows) assert.ok(Number.isFinite(r.sndr) && r.energy > 0);
  const floor = meanOfSmallest3(rows.map((r) => r.energy));
  const k = meanOfSmallest3(rows.map((r) => r.energy / 4 ** ((r.sndr - 1.76) / 6.02)));
  assert.ok(Math.abs(floor - SURVEY_ENVELOPE.floorPJ) < 1e-8, `floor ${floor}`);
  assert.ok(Math.abs(k * 1e6 - SURVEY_ENVELOPE.thermalAJ) < 1e-8, `k ${k * 1e6} aJ`);
  // No design lies below the envelope's floor by more than the spread of the three it averages.
  for (const r of rows) assert.ok(r.energy >= 0.19 - 1e-12);
});

test('ADC survey: envelope figures (~0.27 pJ floor, ~0.36 pJ at 60 dB SNDR, ~10 pJ at 80 dB)', () => {
  const at = (sndr: number) => surveyEnvelopePJ((sndr - 1.76) / 6.02, SURVEY_ENVELOPE.floorPJ, SURVEY_ENVELOPE.thermalAJ);
  assert.ok(Math.abs(at(20) - 0.2672) < 1e-3);
  assert.ok(Math.abs(at(60) - 0.3637) < 1e-3);
  assert.ok(Math.abs(at(80) - 9.924) < 1e-2);
});

test('ADC survey: the default conversion energy, and user overrides win', () => {
  const c = resolveConfig();
  assert.equal(c.energy.adcModel, 'survey');
  for (const n of [1, 4, 5, 8, 12]) assert.equal(adcEnergyPJ(n, c), SURVEY_ENVELOPE.floorPJ + SURVEY_ENVELOPE.thermalAJ * 1e-6 * 4 ** n);
  assert.equal(adcEnergyPJ(8, resolveConfig({ energy: { adcTablePJ: { 8: 2.5 } } })), 2.5);
  assert.equal(adcEnergyPJ(6, resolveConfig({ energy: { adcFloorPJ: 0.1, adcThermalAJ: 0 } })), 0.1);
  const fom = resolveConfig({ energy: { adcModel: 'fom' } });
  assert.equal(adcEnergyPJ(8, fom), 5e-3 * 256 + 0.5 * 10 ** ((6.02 * 8 + 1.76 - 185) / 10) * 1e12);
});
