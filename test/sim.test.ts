/** The AIMC simulator: config validation, mapping, cycle counts vs closed forms, energy sums, trace, reprogramming. */
import { test } from 'node:test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_CONFIG, resolveConfig } from '../lib/sim/config.js';
import { closedFormCycles, simulateLayer, stageTimes } from '../lib/sim/cycles.js';
import { COMPONENTS, challengeOps, totalEnergy } from '../lib/sim/energy.js';
import { mapConventional, mapHashed } from '../lib/sim/mapping.js';
import { loadDigitsModel } from '../lib/sim/digits.js';
import { modelShapes, resnet20Shapes, WINNER_STAGE_HASH, type LayerShape } from '../lib/sim/shapes.js';
import { simulate } from '../lib/sim/simulate.js';
import { conversionEnergyPJ, readCycles } from '../lib/sim/tables.js';
import { simulateWithTrace } from '../lib/sim/trace.js';

const layer = (inputs: number, outputs: number, vectors: number, Ti: number, To: number, K: number): LayerShape => ({
  name: 'l', vectors, inputs, outputs, hash: { inputTileSize: Ti, outputTileSize: To, hashLength: K },
});

test('config: defaults, JSON strings and partial overrides', () => {
  assert.deepEqual(resolveConfig(), DEFAULT_CONFIG);
  const c = resolveConfig('{"crossbar": {"rows": 128}, "readout": {"conventional": {"bits": 6}}, "seed": 9}');
  assert.equal(c.crossbar.rows, 128);
  assert.equal(c.crossbar.columns, DEFAULT_CONFIG.crossbar.columns);
  assert.deepEqual(c.readout.conventional, { ...DEFAULT_CONFIG.readout.conventional, bits: 6 });
  assert.equal(c.seed, 9);
  assert.deepEqual(resolveConfig(c), c, 'a resolved config resolves to itself');
});

test('config: bad values are rejected with errors naming the field', () => {
  const bad: [unknown, new (...a: any[]) => Error, RegExp][] = [
    [{ crossbar: { rows: -4 } }, RangeError, /config\.crossbar\.rows/],
    [{ crossbar: { arrays: 0 } }, RangeError, /config\.crossbar\.arrays/],
    [{ crossbar: { rows: '256' } }, TypeError, /config\.crossbar\.rows/],
    [{ readout: { conventional: { type: 'delta-sigma' } } }, RangeError, /readout\.conventional\.type.*'comparator', 'sar', 'flash'/],
    [{ readout: { hashed: { type: 'comparator', bits: 3 } } }, RangeError, /comparator resolves 1 bit/],
    [{ readout: { hashed: { mux: 1000 } } }, RangeError, /mux/],
    [{ device: { gMinUS: 30 } }, RangeError, /gMinUS/],
    [{ device: { stuckAtGmin: 1.5 } }, RangeError, /stuckAtGmin/],
    [{ dac: { mode: 'pwm', bits: 0 } }, RangeError, /dac\.bits/],
    [{ crossbar: { rowz: 4 } }, RangeError, /unknown field/],
    [{ adc: {} }, RangeError, /unknown section 'adc'/],
    ['{not json', TypeError, /not valid JSON/],
    [[1], TypeError, /config/],
  ];
  for (const [cfg, Err, msg] of bad) assert.throws(() => resolveConfig(cfg as never), (e: Error) => e instanceof Err && msg.test(e.message), JSON.stringify(cfg));
});

test('mapping: an input tile larger than the array rows is a RangeError', () => {
  assert.throws(() => simulate([layer(1024, 64, 4, 512, 64, 256)]), /input tile 512 exceeds the array's 256 rows/);
  assert.throws(() => simulate([layer(512, 64, 4, 256, 64, 256)], { device: { differential: 'rows' } }), /input tile 256 exceeds the array's 128 rows/);
  assert.throws(() => simulate([]), TypeError);
  assert.throws(() => simulate([{ ...layer(9, 16, 4, 9, 16, 64), vectors: -1 }]), /layers\[0\]\.vectors/);
});

test('mapping: hashed tiles and conventional weights onto arrays', () => {
  const c = resolveConfig(); // 256x256, differential on columns: 256 rows x 128 logical columns
  const l = layer(576, 64, 4, 256, 256, 1024);
  const h = mapHashed(l, c);
  assert.equal(h.rowTiles, 3);
  assert.equal(h.arrays.length, 3 * 8, '3 input tiles x 1024 columns / 128');
  assert.deepEqual(h.arrays.map((a) => a.rows), [...Array(8).fill(256), ...Array(8).fill(256), ...Array(8).fill(64)]);
  assert.ok(h.arrays.every((a) => a.columns === 128 && a.hammingBits === 128 * 64));
  assert.equal(h.devices, 2 * 1024 * 576);
  const v = mapConventional(l, c);
  assert.equal(v.rowTiles, 3);
  assert.equal(v.arrays.length, 3, '64 outputs x 2 slices (8-bit weights, 4-bit devices, sign by the pair) = 128 columns');
  assert.equal(v.devices, 2 * 576 * 128);
  // Several tile pairs share an array; K spans arrays: every pair's K columns are accounted exactly once.
  const p = mapHashed(layer(100, 70, 1, 50, 30, 100), resolveConfig({ crossbar: { columns: 128 }, device: { differential: 'none' } }));
  assert.equal(p.arrays.length, 2 * Math.ceil(300 / 128));
  const bits = p.arrays.reduce((s, a) => s + a.hammingBits, 0);
  assert.equal(bits, 2 * 100 * (30 + 30 + 10));
  assert.equal(p.arrays.reduce((s, a) => s + a.columns, 0), 2 * 300);
});

test('cycles: the simulated pipeline equals the closed form (random stage times, unequal arrays)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 50 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 60 })), { minLength: 1, maxLength: 6 }),
    fc.integer({ min: 0, max: 50 }), fc.integer({ min: 1, max: 30 }),
    (analog, acc, arrays, _x, vectors) => {
      const st = { analog, readout: arrays.map((a) => a[0]), hamming: arrays.map((a) => a[1]), accumulate: acc };
      return simulateLayer(st, vectors).cycles === closedFormCycles(st, vectors);
    },
  ), { numRuns: 300 });
});

test('cycles: stage times of a layer follow the config (PWM, mux, SAR, bit-serial)', () => {
  const l = layer(576, 64, 16, 256, 256, 1024);
  const c = resolveConfig({ readout: { hashed: { mux: 4 }, conventional: { type: 'sar', bits: 6, mux: 8 } } });
  const h = stageTimes(l, mapHashed(l, c), c);
  assert.equal(h.analog, 127, 'an 8-bit PWM read lasts 127 unit pulses');
  assert.deepEqual(new Set(h.readout), new Set([4]), '128 columns over 32 comparators, one cycle each');
  assert.deepEqual(new Set(h.hamming), new Set([128 * 64 / 512]));
  assert.equal(h.accumulate, Math.ceil((64 * 3 + 576) / 16));
  const v = stageTimes(l, mapConventional(l, c), c);
  assert.deepEqual(new Set(v.readout), new Set([8 * 6]), '128 columns over 16 SAR ADCs of 6 cycles');
  const bs = resolveConfig({ dac: { mode: 'bit-serial', bits: 4 } });
  const vb = stageTimes(l, mapConventional(l, bs), bs);
  assert.equal(vb.analog, 4 * bs.latency.readCycles);
  assert.deepEqual(new Set(vb.readout), new Set([4 * 8 * 8]), 'per input bit: 128 columns over 16 ADCs (mux 8), 8 SAR cycles each');
  const hb = stageTimes(l, mapHashed(l, bs), bs);
  assert.deepEqual(new Set(hb.readout), new Set([1]), 'the comparator decides once after charge-domain accumulation');
  assert.equal(readCycles(resolveConfig({ dac: { mode: 'parallel' } })), DEFAULT_CONFIG.latency.readCycles);
  // A layer's cycles are its closed form.
  const r = simulate([l], c);
  assert.equal(r.hashed.layers[0].cycles, closedFormCycles(h, 16));
  assert.equal(r.hashed.cycles, r.hashed.layers[0].cycles);
});

test('energy: components add up to the totals, and recount from first principles', () => {
  const layers = resnet20Shapes();
  const r = simulate(layers);
  for (const d of [r.hashed, r.conventional]) {
    const sum = COMPONENTS.reduce((s, k) => s + d.energyPJ[k], 0);
    assert.ok(Math.abs(sum - d.totalPJ) <= 1e-9 * d.totalPJ);
    const layerSum = d.layers.reduce((s, l) => s + l.totalPJ, 0);
    assert.ok(Math.abs(layerSum - d.totalPJ) <= 1e-9 * d.totalPJ);
    for (const l of d.layers) assert.ok(Math.abs(totalEnergy(l.energyPJ) - l.totalPJ) <= 1e-9 * l.totalPJ);
  }
  const c = r.config;
  // Conversions: hashed = vectors x nJ x K x nI comparator decisions; conventional = vectors x N x 2 slices x row tiles.
  const conv = layers.reduce((s, l) => s + l.vectors * Math.ceil(l.outputs / l.hash.outputTileSize) * l.hash.hashLength * Math.ceil(l.inputs / l.hash.inputTileSize), 0);
  assert.equal(r.hashed.ops.conversions, conv);
  assert.ok(Math.abs(r.hashed.energyPJ.adc - conv * c.energy.comparatorPJ) < 1e-6 * r.hashed.energyPJ.adc);
  const cconv = layers.reduce((s, l) => s + l.vectors * l.outputs * 2 * Math.ceil(l.inputs / 256), 0);
  assert.equal(r.conventional.ops.conversions, cconv);
  assert.ok(Math.abs(r.conventional.energyPJ.adc - cconv * conversionEnergyPJ(c.readout.conventional, c)) < 1e-6 * r.conventional.energyPJ.adc);
  assert.equal(r.conventional.ops.analogMacs, layers.reduce((s, l) => s + l.vectors * l.inputs * l.outputs * 2, 0));
  // Hamming bits: every output compares K bits per input tile per vector.
  assert.equal(r.hashed.ops.bitOps, layers.reduce((s, l) => s + l.vectors * l.outputs * l.hash.hashLength * Math.ceil(l.inputs / l.hash.inputTileSize), 0));
  assert.equal(r.conventional.energyPJ.hamming, 0);
  // Activation buffer: inputs read and outputs written once per vector at the DAC resolution, both designs.
  const bufferPJ = layers.reduce((s, l) => s + l.vectors * (l.inputs + l.outputs) * c.dac.bits, 0) * c.energy.sramPerBitPJ;
  for (const d of [r.hashed, r.conventional]) assert.ok(Math.abs(d.energyPJ.buffer - bufferPJ) <= 1e-9 * bufferPJ);
  assert.equal(r.hashed.energyPJ.reprogram, 0);
  assert.ok(conversionEnergyPJ(c.readout.hashed, c) < 0.1 * conversionEnergyPJ(c.readout.conventional, c), 'a comparator decision costs a fraction of an 8-bit SAR conversion');
});

test('challenge op counts match the digits fixture metadata (hdops 2937344, flops 541216)', () => {
  const h = { inputTileSize: 64, outputTileSize: 64, hashLength: 256 };
  const ops = resnet20Shapes({ stageHash: [h, h, h] }).map(challengeOps);
  assert.equal(ops.reduce((s, o) => s + o.hdops, 0), 2937344);
  assert.equal(ops.reduce((s, o) => s + o.flops, 0), 541216);
});

test('resnet20Shapes: CIFAR layout with configurable input', () => {
  const ls = resnet20Shapes();
  assert.equal(ls.length, 22);
  assert.deepEqual(ls[0], { name: 'conv1', vectors: 64, inputs: 9, outputs: 16, hash: WINNER_STAGE_HASH[0] });
  assert.deepEqual(ls.find((l) => l.name === 'layer2.0.downsample.0'), { name: 'layer2.0.downsample.0', vectors: 16, inputs: 16, outputs: 32, hash: WINNER_STAGE_HASH[1] });
  assert.deepEqual(ls.at(-1), { name: 'fc', vectors: 1, inputs: 64, outputs: 10, hash: WINNER_STAGE_HASH[2] });
  const cifar = resnet20Shapes({ inputSize: 32, inputChannels: 3, classes: 100 });
  assert.deepEqual([cifar[0].vectors, cifar[0].inputs, cifar.at(-2)!.vectors, cifar.at(-1)!.outputs], [1024, 27, 64, 100]);
  assert.throws(() => resnet20Shapes({ inputSize: 0 }), RangeError);
});

test('modelShapes: the digits model gives the built-in ResNet-20 shapes with its own hash config', () => {
  const h = { inputTileSize: 64, outputTileSize: 64, hashLength: 256 };
  assert.deepEqual(modelShapes(loadDigitsModel().model), resnet20Shapes({ stageHash: [h, h, h] }));
});

test('a model larger than the chip is re-programmed per batch', () => {
  const layers = resnet20Shapes();
  const fits = simulate(layers);
  const small = simulate(layers, { crossbar: { arrays: 16 }, workload: { batchSize: 4 } });
  assert.equal(fits.hashed.fits, true);
  assert.equal(small.hashed.fits, false);
  assert.ok(small.hashed.energyPJ.reprogram > 0);
  assert.equal(small.hashed.energyPJ.reprogram, (fits.hashed.program.devices * small.config.energy.cellWritePJ) / 4);
  const big = small.hashed.layers.find((l) => l.arrays > 16)!;
  assert.equal(big.rounds, Math.ceil(big.arrays / 16));
  assert.ok(small.hashed.layers.every((l) => l.programCycles > 0));
  assert.ok(small.hashed.cycles > 4 * fits.hashed.cycles * 0.99);
});

test('trace: Chrome trace events for every unit, same result as without the trace', () => {
  const layers = resnet20Shapes().slice(0, 3);
  const { result, trace } = simulateWithTrace(layers);
  assert.deepEqual(result, simulate(layers));
  const json = JSON.parse(JSON.stringify(trace)) as { traceEvents: { ph: string; name: string; ts?: number; dur?: number; args?: { name: string } }[] };
  const threads = json.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args!.name);
  for (const u of ['analog', 'readout[0]', 'hamming[0]', 'accumulate', 'layers']) assert.ok(threads.includes(u), u);
  const spans = json.traceEvents.filter((e) => e.ph === 'X');
  assert.ok(spans.every((e) => e.ts! >= 0 && e.dur! >= 0));
  const end = Math.max(...spans.map((e) => e.ts! + e.dur!));
  const us = Math.max(result.hashed.latencyS, result.conventional.latencyS) * 1e6;
  assert.ok(Math.abs(end - us) < 1e-6 * us);
});

test('hashmac simulate: JSON result, trace file, config and layer files, clear errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-sim-'));
  const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'lib', 'cli.ts'), 'simulate', ...args], { encoding: 'utf8' });
  writeFileSync(join(dir, 'hw.json'), JSON.stringify({ readout: { conventional: { bits: 6 } } }));
  writeFileSync(join(dir, 'layers.json'), JSON.stringify([{ name: 'fc', vectors: 1, inputs: 64, outputs: 10, hash: { inputTileSize: 64, outputTileSize: 64, hashLength: 256 } }]));
  const r = cli('--json', '--config', join(dir, 'hw.json'), '--layers', join(dir, 'layers.json'), '--trace', join(dir, 't.json'));
  assert.equal(r.status, 0, r.stderr);
  const { setup, ...out } = JSON.parse(r.stdout);
  assert.deepEqual(setup.perLayer, [{ name: 'fc', hashLength: 256, inputTileSize: 64, outputTileSize: 64, tiles: [1, 1] }]);
  assert.equal(setup.imageSize, null);
  assert.equal(out.config.readout.conventional.bits, 6);
  assert.deepEqual(out.hashed.layers.map((l: { name: string }) => l.name), ['fc']);
  assert.deepEqual(out, JSON.parse(JSON.stringify(simulate([{ name: 'fc', vectors: 1, inputs: 64, outputs: 10, hash: { inputTileSize: 64, outputTileSize: 64, hashLength: 256 } }], { readout: { conventional: { bits: 6 } } }))));
  assert.ok(JSON.parse(readFileSync(join(dir, 't.json'), 'utf8')).traceEvents.length > 0);
  writeFileSync(join(dir, 'bad.json'), JSON.stringify({ readout: { conventional: { type: 'pipelined' } } }));
  const bad = cli('--config', join(dir, 'bad.json'));
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /config\.readout\.conventional\.type/);
  const digits = join(__dirname, 'fixtures', 'digits');
  // Without --image-size the 1-channel model runs at the digits layout's 8x8, not CIFAR's 32.
  const m = cli('--json', '-w', join(digits, 'resnet20-digits.safetensors'), '-p', join(digits, 'hashed-uniform-k256-t64.safetensors'));
  assert.equal(m.status, 0, m.stderr);
  const h = { inputTileSize: 64, outputTileSize: 64, hashLength: 256 };
  const { setup: ms, ...mr } = JSON.parse(m.stdout);
  assert.deepEqual(mr, JSON.parse(JSON.stringify(simulate(resnet20Shapes({ stageHash: [h, h, h] })))), 'a model file gives its own shapes');
  assert.equal(ms.imageSize, 8);
  assert.match(ms.imageSizeFrom, /1 input channel/);
  assert.equal(ms.perLayer.length, 22);
  assert.ok(ms.perLayer.every((l: { hashLength: number }) => l.hashLength === 256));
});

test('simulate: any valid config gives finite results whose parts add up', () => {
  const layers = resnet20Shapes({ stageHash: [64, 128, 256].map((k) => ({ inputTileSize: 64, outputTileSize: 32, hashLength: k })) as never });
  fc.assert(fc.property(
    fc.record({
      crossbar: fc.record({ rows: fc.integer({ min: 128, max: 512 }), columns: fc.integer({ min: 8, max: 512 }), arrays: fc.integer({ min: 1, max: 400 }) }),
      device: fc.record({ differential: fc.constantFrom('columns', 'none') }),
      dac: fc.record({ bits: fc.integer({ min: 1, max: 10 }), mode: fc.constantFrom('parallel', 'pwm', 'bit-serial') }),
      readout: fc.record({
        hashed: fc.record({ mux: fc.integer({ min: 1, max: 4 }) }),
        conventional: fc.record({ type: fc.constantFrom('sar', 'flash'), bits: fc.integer({ min: 1, max: 10 }), mux: fc.integer({ min: 1, max: 4 }) }),
      }),
      energy: fc.record({ adcModel: fc.constantFrom('survey', 'fom', 'components') }),
      workload: fc.record({ batchSize: fc.integer({ min: 1, max: 8 }) }),
    }),
    (cfg) => {
      const r = simulate(layers, cfg as never);
      for (const d of [r.hashed, r.conventional]) {
        assert.ok(Number.isFinite(d.totalPJ) && d.totalPJ > 0 && Number.isFinite(d.throughput) && d.cycles > 0);
        assert.ok(Math.abs(COMPONENTS.reduce((s, k) => s + d.energyPJ[k], 0) - d.totalPJ) <= 1e-9 * d.totalPJ);
        assert.equal(d.fits, d.arrays <= r.config.crossbar.arrays);
        for (const k of ['analog', 'readout', 'hamming', 'accumulate'] as const) assert.ok(d.utilisation[k] >= 0 && d.utilisation[k] <= 1 + 1e-12, k);
      }
    },
  ), { numRuns: 60 });
});

test('hashmac simulate explains itself: configuration echo, the ratio line, --noise on the user\'s -w model and data', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hashmac-sim-noise-'));
  const hashmac = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'lib', 'cli.ts'), ...args], { encoding: 'utf8' });
  try {
    const text = hashmac('simulate');
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /^simulating: built-in ResNet-20 \(digits layout, 8x8x1\).*image size 8x8/);
    assert.match(text.stdout, /conv1 \.\. layer1\.2\.conv2 \(7\) +K +256, tiles 1x1 of 256x256/);
    assert.match(text.stdout, /layer3\.0\.conv1 \.\. fc \(8\) +K 1024/);
    assert.match(text.stdout, /hashed \/ conventional: energy ([0-9.]+),.*\n {2}\(each figure is the hashed design's value per image divided by the conventional design's: energy \1 means/);
    // A user's model: the digits ResNet re-hashed at K = 128 (random projections), saved, then simulated with --noise.
    const saved = join(dir, 'k128.safetensors');
    const s = hashmac('score', '-k', '128', '-t', '64', '--limit', '12', '--json', '--save', saved);
    assert.equal(s.status, 0, s.stderr);
    const scored = JSON.parse(s.stdout);
    const r = hashmac('simulate', '--json', '-w', saved, '--noise', '--images', '12');
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.ok(j.setup.perLayer.every((l: { hashLength: number; inputTileSize: number }) => l.hashLength === 128 && l.inputTileSize === 64));
    assert.equal(j.noise.images, 12);
    assert.match(j.noise.model, /k128\.safetensors/);
    assert.equal(j.noise.fixtureFloatAccuracy, undefined, 'no fixture figures for a user model');
    // The noiseless hashed forward is the model score evaluated: the same images, the same accuracy.
    assert.equal(j.noise.cleanAccuracy, scored.hashedAccuracy);
    assert.equal(j.noise.floatAccuracy, scored.denseAccuracy);
    // A CIFAR-layout model: the image size from its 3 channels, and --noise wants its test images.
    const cifar = join(__dirname, 'fixtures', 'cifar10');
    const r8 = join(dir, 'r8.safetensors');
    assert.equal(hashmac('score', '-w', join(cifar, 'resnet8-a.th'), '-k', '64', '-t', '64', '-d', `cifar10:${join(cifar, 'test_batch_first32.bin')}`, '--save', r8).status, 0);
    const c = JSON.parse(hashmac('simulate', '--json', '-w', r8).stdout);
    assert.equal(c.setup.imageSize, 32);
    const noData = hashmac('simulate', '-w', r8, '--noise');
    assert.notEqual(noData.status, 0);
    assert.match(noData.stderr, /inputs of shape \[3, 32, 32\]; give its test images with --data/);
    const bad = hashmac('simulate', '--layers', join(dir, 'none.json'), '--noise');
    assert.match(bad.stderr, /--noise runs a model's forward pass/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
