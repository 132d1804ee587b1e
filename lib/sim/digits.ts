/**
 * The functional noisy simulation on the digits fixture: the fixture ResNet-20 (lib/models, projections
 * `hashed-uniform-k256-t64`) on the digits test images, noiseless and through the simulated crossbars
 * of both designs (forward.ts).
 */
import { join } from 'node:path';
import type { BackendName } from '../backend.js';
import { head, readDigits, type LabelledSet } from '../models/datasets.js';
import { accuracy } from '../models/evaluate.js';
import { buildModel, configFromMetadata } from '../models/loading.js';
import type { HashModel } from '../models/model.js';
import { PACKAGE_ROOT } from '../native/addon.js';
import { readSafetensors, toFloat32 } from '../safetensors.js';
import type { SimConfig } from './config.js';
import { crossbarForward } from './forward.js';

export const DIGITS_DIR = join(PACKAGE_ROOT, 'test', 'fixtures', 'digits');

export interface DigitsModel {
  model: HashModel;
  /** The fixture's float model accuracy (weights metadata) and hashed logits (float64 reference). */
  fixtureFloatAccuracy: number;
  expectedLogits: Float32Array;
}

export function loadDigitsModel(dir = DIGITS_DIR, backend?: BackendName): DigitsModel {
  const weights = readSafetensors(join(dir, 'resnet20-digits.safetensors'));
  const projections = readSafetensors(join(dir, 'hashed-uniform-k256-t64.safetensors'));
  const model = buildModel(weights, { arch: 'resnet', imageSize: 8, config: configFromMetadata(projections), projections, backend });
  return { model, fixtureFloatAccuracy: Number(weights.metadata.test_accuracy), expectedLogits: toFloat32(projections.tensors.get('expected.logits')!) };
}

/** The first `count` digits test images (all 360 by default). */
export function loadDigitsTest(count?: number, dir = DIGITS_DIR): LabelledSet {
  const { test } = readDigits(join(dir, 'digits.safetensors'));
  return count === undefined ? test : head(test, count);
}

export interface DigitsNoiseResult {
  /** What ran: the model (its file, or the digits fixture) and the test data. */
  model: string;
  data: string;
  images: number;
  /**
   * The float model's accuracy: the fixture's metadata (the digits fixture only), and this forward pass's
   * (with `floatReference`, always for a user's model).
   */
  fixtureFloatAccuracy?: number;
  floatAccuracy?: number;
  /** Through the conventional crossbar (multi-bit ADCs) under the same config. */
  conventionalAccuracy: number;
  cleanAccuracy: number;
  noisyAccuracy: number;
  /**
   * The digits fixture only: fraction of noiseless logits within 1e-3 of the fixture's float64
   * expected.logits (checks the forward pass; the rest differ through sign bits of near-zero projections
   * flipped by float32).
   */
  logitsWithin1e3?: number;
  bitErrorRate: number;
  layers: { name: string; ber: number; outputError: number; conventionalOutputError: number }[];
  seconds: number;
}

/**
 * Any hashed model on labelled test images: noiseless, through the noisy hashed crossbar and through the
 * conventional one. `expectedLogits` (the fixture's) checks the noiseless forward pass when given.
 */
export function runNoise(
  model: HashModel, set: LabelledSet, config: SimConfig,
  opts: { backend?: BackendName; floatReference?: boolean; modelName: string; dataName: string; fixtureFloatAccuracy?: number; expectedLogits?: Float32Array },
): DigitsNoiseResult {
  const t0 = performance.now();
  const { images: x, labels } = set;
  const backend = opts.backend;
  const clean = model.forward(x, { backend });
  const noisy = crossbarForward(model, x, config, { backend });
  const exact = opts.floatReference ? model.forward(x, { backend, hashed: false }) : undefined;
  const conventional = crossbarForward(model, x, config, { backend, design: 'conventional' });
  let close = 0;
  if (opts.expectedLogits) for (let i = 0; i < clean.data.length; i++) if (Math.abs(clean.data[i] - opts.expectedLogits[i]) <= 1e-3) close++;
  const bits = noisy.stats.reduce((s, l) => s + l.bits!, 0), errors = noisy.stats.reduce((s, l) => s + l.bitErrors!, 0);
  return {
    model: opts.modelName,
    data: opts.dataName,
    images: labels.length,
    fixtureFloatAccuracy: opts.fixtureFloatAccuracy,
    floatAccuracy: exact && accuracy(exact, labels),
    conventionalAccuracy: accuracy(conventional.logits, labels),
    cleanAccuracy: accuracy(clean, labels),
    noisyAccuracy: accuracy(noisy.logits, labels),
    logitsWithin1e3: opts.expectedLogits && close / clean.data.length,
    bitErrorRate: errors / bits,
    layers: noisy.stats.map((l, i) => ({ name: l.name, ber: l.bitErrors! / l.bits!, outputError: l.outputError, conventionalOutputError: conventional.stats[i].outputError })),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Runs the digits test images through the hashed ResNet-20 fixture, noiseless and through the noisy crossbar. */
export function runDigitsNoise(config: SimConfig, opts: { images?: number; backend?: BackendName; floatReference?: boolean } = {}): DigitsNoiseResult {
  const { model, fixtureFloatAccuracy, expectedLogits } = loadDigitsModel(undefined, opts.backend);
  return runNoise(model, loadDigitsTest(opts.images), config, {
    ...opts, modelName: 'hashed ResNet-20 digits fixture (projections hashed-uniform-k256-t64)', dataName: 'digits test images', fixtureFloatAccuracy, expectedLogits,
  });
}

export function formatNoise(r: DigitsNoiseResult): string {
  const lines = [
    `functional noisy path: ${r.images} ${r.data}, ${r.model}, in ${r.seconds.toFixed(2)} s`,
    `  accuracy: float model ${[
      r.fixtureFloatAccuracy === undefined ? '' : `${r.fixtureFloatAccuracy.toFixed(4)} (fixture metadata)`,
      r.floatAccuracy === undefined ? '' : `${r.floatAccuracy.toFixed(4)} (this forward)`,
    ].filter(Boolean).join('; ')}, conventional crossbar ${r.conventionalAccuracy.toFixed(4)};` +
      ` hashed noiseless ${r.cleanAccuracy.toFixed(4)}, hashed noisy crossbar ${r.noisyAccuracy.toFixed(4)}`,
    `  code bit-error rate ${r.bitErrorRate.toExponential(3)}${r.logitsWithin1e3 === undefined ? '' : `; noiseless logits within 1e-3 of the fixture's expected.logits: ${(100 * r.logitsWithin1e3).toFixed(1)}%`}`,
    `  ${'layer'.padEnd(22)}${'hashed BER'.padStart(11)}${'output err'.padStart(12)}${'conv. output err'.padStart(18)}   (relative L2, noisy vs noiseless on the same input)`,
  ];
  for (const l of r.layers) {
    lines.push(`  ${l.name.padEnd(22)}${l.ber.toExponential(2).padStart(11)}${l.outputError.toExponential(2).padStart(12)}${l.conventionalOutputError.toExponential(2).padStart(18)}`);
  }
  return lines.join('\n');
}
