/** The area model (area.ts), current-mode sensing, and the neurosim-vgg8 preset's side-by-side table. */
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { AREA_COMPONENTS, converterF2 } from '../lib/sim/area.js';
import { compareWithReference } from '../lib/sim/compare.js';
import { resolveConfig } from '../lib/sim/config.js';
import { stageTimes } from '../lib/sim/cycles.js';
import { mapConventional, mapHashed } from '../lib/sim/mapping.js';
import { getPreset, PRESETS, SCALE_45NM_TO_22NM, vgg8Shapes } from '../lib/sim/presets.js';
import { resnet20Shapes } from '../lib/sim/shapes.js';
import { simulate } from '../lib/sim/simulate.js';
import { conversionCycles, readCycles, readPhases, weightSlices } from '../lib/sim/tables.js';

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.abs(b), `${what}: ${a} vs ${b}`);

test('area: converters are a comparator, a SAR (comparator + 2^n CDAC units + n flip-flops) or a flash (2^n - 1 comparators)', () => {
  const c = resolveConfig();
  const a = c.area;
  assert.equal(converterF2({ type: 'comparator', bits: 1, mux: 1 }, c), a.comparatorF2);
  assert.equal(converterF2({ type: 'sar', bits: 6, mux: 1 }, c), a.comparatorF2 + 64 * a.cdacUnitF2 + 6 * a.flipFlopF2);
  assert.equal(converterF2({ type: 'flash', bits: 5, mux: 1 }, c), 31 * a.comparatorF2);
});

test('area: every component recounted from the mapping and the unit areas', () => {
  const layers = resnet20Shapes();
  const c = resolveConfig({ crossbar: { arrays: 100000 } });
  const r = simulate(layers, c);
  const f2 = (c.area.featureNm * 1e-3) ** 2, a = c.area;
  for (const d of [r.hashed, r.conventional]) {
    close(AREA_COMPONENTS.reduce((s, k) => s + d.areaUM2[k], 0), d.totalAreaUM2, 'sum');
    close(d.areaUM2.arrays, d.arrays * c.crossbar.rows * c.crossbar.columns * a.cellF2 * f2, `${d.design} arrays`);
  }
  // Hashed: one comparator per logical column (128 of a 256-column differential array), a Hamming unit per array.
  close(r.hashed.areaUM2.readout, r.hashed.arrays * 128 * a.comparatorF2 * f2, 'comparators');
  const hashedUnits = layers.length * c.digital.accumulateOpsPerCycle;
  const estimator = (2 * 121 + 32) * a.adderBitF2 + (1024 + 1) * 16 * a.sramBitF2;
  close(r.hashed.areaUM2.accumulate, (r.hashed.arrays * c.digital.hammingBitsPerCycle * a.adderBitF2 + hashedUnits * estimator) * f2, 'Hamming + estimators');
  // Conventional: 128 / 8 = 16 SAR ADCs per array, each with an accumulatorBits shift-adder.
  close(r.conventional.areaUM2.readout, r.conventional.arrays * 16 * converterF2(c.readout.conventional, c) * f2, 'SAR ADCs');
  close(r.conventional.areaUM2.accumulate, (r.conventional.arrays * 16 * a.accumulatorBits * (a.adderBitF2 + a.flipFlopF2) + hashedUnits * 32 * (a.adderBitF2 + a.flipFlopF2)) * f2, 'shift-adders');
  // Buffers: codes + norms (hashed) and the activation ping-pong buffer of the largest output map (both).
  const act = 2 * Math.max(...layers.map((l) => l.vectors * l.outputs)) * c.dac.bits;
  close(r.conventional.areaUM2.buffers, act * a.sramBitF2 * f2, 'activation buffer');
  const codes = layers.reduce((s, l) => {
    const m = mapHashed(l, c);
    return s + m.arrays.reduce((t, u) => t + u.hammingBits, 0) + l.outputs * m.rowTiles * 16;
  }, 0);
  close(r.hashed.areaUM2.buffers, (codes + act) * a.sramBitF2 * f2, 'code + activation buffers');
  close(r.ratios.area, r.hashed.totalAreaUM2 / r.conventional.totalAreaUM2, 'ratio');
  // A model that does not fit holds only the chip's arrays.
  const small = simulate(layers, { crossbar: { arrays: 10 } });
  close(small.conventional.areaUM2.arrays, 10 * c.crossbar.rows * c.crossbar.columns * a.cellF2 * f2, 'capped at the chip');
});

test('current-mode sensing: a conversion lasts a read, and rows are driven once per multiplexed column', () => {
  const layers = resnet20Shapes();
  const base = resolveConfig({ readout: { conventional: { type: 'flash', bits: 5, mux: 8 } } });
  const sensed = resolveConfig({ readout: { conventional: { type: 'flash', bits: 5, mux: 8 }, senseDuringRead: true } });
  assert.equal(conversionCycles(sensed.readout.conventional, sensed), Math.max(sensed.latency.flashCycles, readCycles(sensed)));
  const a = simulate(layers, base), b = simulate(layers, sensed);
  close(b.conventional.energyPJ.dac, 8 * a.conventional.energyPJ.dac, 'DAC x mux');
  close(b.conventional.energyPJ.adc, a.conventional.energyPJ.adc, 'same conversions');
  assert.ok(b.conventional.latencyS > a.conventional.latencyS);
});

test('preset neurosim-vgg8: VGG-8 of NetWork_VGG8.csv, NeuroSim parameters, and the comparison rows', () => {
  const layers = vgg8Shapes();
  assert.deepEqual(layers.map((l) => [l.vectors, l.inputs, l.outputs]), [
    [1024, 27, 128], [1024, 1152, 128], [256, 1152, 256], [256, 2304, 256], [64, 2304, 512], [64, 4608, 512], [1, 8192, 1024], [1, 1024, 10],
  ]);
  const macs = layers.reduce((s, l) => s + l.vectors * l.inputs * l.outputs, 0);
  // NeuroSim's own figures agree on the op count: TOPS x latency = 2 MACs.
  const p = getPreset('neurosim-vgg8'), ref = p.reference!;
  assert.ok(Math.abs(ref.tops * 1e12 * ref.latencyNS * 1e-9 - 2 * macs) < 1e-3 * 2 * macs);
  assert.ok(Math.abs(1e9 / ref.latencyNS - ref.fps) < 0.01);
  const c = resolveConfig(p.config);
  assert.equal(c.crossbar.rows, 128);
  assert.equal(c.device.levels, 4);
  assert.equal(c.readout.conventional.bits, 5);
  assert.equal(c.readout.conventional.mux, 8);
  close(c.energy.intAddPJ, 0.1 * SCALE_45NM_TO_22NM, 'scaled int add');
  const r = simulate(layers, c);
  assert.equal(r.conventional.arrays, 3176, '4 2-bit slices of 8-bit weights on 128x128 arrays');
  const rows = compareWithReference(r, ref, macs);
  const by = Object.fromEntries(rows.map((x) => [x.name, x]));
  const d = r.conventional, e = d.energyPJ;
  close(by['energy: total (dynamic)'].hashmac, d.totalPJ, 'total');
  close(by['energy: ADC incl. array read'].hashmac, e.adc + e.array, 'ADC');
  close(by['energy: other peripheries'].hashmac, e.dac + e.buffer + e.hamming + e.codeRead + e.reprogram, 'other');
  close(by['energy efficiency'].hashmac, (2 * macs) / d.totalPJ, 'TOPS/W');
  close(by['frames per second'].hashmac, 1 / d.latencyS, 'FPS');
  close(by['area: CIM arrays'].hashmac, d.areaUM2.arrays, 'arrays');
  for (const x of rows) assert.ok(x.hashmac > 0 && Number.isFinite(x.hashmac), x.name);
  // The targets: totals within 2x (energy, latency, area), the two largest energy categories in the reference's order.
  for (const name of ['energy: total (dynamic)', 'latency per image', 'area: chip total']) {
    const ratio = by[name].hashmac / by[name].reference;
    assert.ok(ratio > 0.5 && ratio < 2, `${name}: ratio ${ratio}`);
  }
  // NeuroSim's ranking of its energy categories, ADC > other > accumulation (hashmac: other only 2% above accumulation).
  const rank = (key: 'hashmac' | 'reference') => ['energy: ADC incl. array read', 'energy: other peripheries', 'energy: accumulation'].map((n) => by[n][key]);
  for (const key of ['hashmac', 'reference'] as const) {
    const [adc, other, acc] = rank(key);
    assert.ok(adc > other && other > acc, `${key}: ${rank(key)}`);
  }
  assert.deepEqual(Object.keys(PRESETS), ['neurosim-vgg8']);
  assert.throws(() => getPreset('isaac'), /unknown preset 'isaac'/);
});

test('simulate --preset neurosim-vgg8: the side-by-side table, and --json comparison entries', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'lib', 'cli.ts'), 'simulate', ...args], { encoding: 'utf8' });
  const text = cli('--preset', 'neurosim-vgg8');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /conventional design vs DNN\+NeuroSim V1\.3 manual, Fig\. 24/);
  assert.match(text.stdout, /energy: ADC incl\. array read\s+pJ\s+\S+\s+1\.82740e\+7/);
  assert.match(text.stdout, /area: CIM arrays\s+um2/);
  const json = cli('--preset', 'neurosim-vgg8', '--json');
  assert.equal(json.status, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.equal(out.comparison.length, 12);
  for (const row of out.comparison) assert.deepEqual(Object.keys(row).sort(), ['hashmac', 'name', 'reference', 'unit']);
  assert.equal(out.comparison.find((x: { name: string }) => x.name === 'latency per image').reference, 1.45613e6);
  const both = cli('--preset', 'neurosim-vgg8', '--layers', 'x.json');
  assert.equal(both.status, 2);
  assert.match(both.stderr, /--preset brings its own layers/);
  const unknown = cli('--preset', 'nope');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown preset 'nope'/);
});

test('accumulatePerArray: each array brings accumulateOpsPerCycle units to its layer', () => {
  const l = vgg8Shapes()[3];
  for (const perArray of [false, true]) {
    const c = resolveConfig({ crossbar: { rows: 128, columns: 128 }, digital: { accumulatePerArray: perArray } });
    const m = mapConventional(l, c);
    const ops = l.outputs * weightSlices(c) * m.rowTiles * readPhases(c);
    assert.equal(stageTimes(l, m, c).accumulate, Math.ceil(ops / (c.digital.accumulateOpsPerCycle * (perArray ? m.arrays.length : 1))));
  }
});
