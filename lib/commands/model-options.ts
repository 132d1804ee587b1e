/** Options shared by `hashmac score`, `learn` and `search`: which model, checkpoints, config and data. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKENDS, type BackendName } from '../backend.js';
import { PACKAGE_ROOT } from '../native/addon.js';
import { parseHashConfig, uniformConfig, type ModelHashConfig } from '../models/config.js';
import { DATASET_NORMALIZATION, head, loadDataset, tail, type LabelledSet } from '../models/datasets.js';
import { ARCHS, loadModel, type Arch } from '../models/loading.js';
import { NORMALIZATION_NAMES } from '../models/normalize.js';
import type { HashModel } from '../models/model.js';

const DIGITS = join(PACKAGE_ROOT, 'test', 'fixtures', 'digits');

export interface ModelCliOptions {
  arch: Arch;
  weights?: string;
  projections?: string;
  config?: string;
  hashLength?: number;
  tileSize?: number;
  data: string;
  normalize?: string;
  backend?: BackendName;
  seed: number;
  limit?: number;
  calibration: number;
  batchSize: number;
}

const int = (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got '${v}'`);
  return n;
};

export function addModelOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--arch <arch>', 'model architecture (auto: from the tensor names and shapes; resnet-a/-b force the shortcut variant)').choices([...ARCHS]).default('auto'))
    .option('-w, --weights <file>', 'weights (safetensors or PyTorch .pt/.pth/.th, state_dict names); default: the digits ResNet-20 fixture')
    .option('-p, --projections <file>', 'projection matrices (scaffold names; safetensors or PyTorch); default with the fixture weights: its k256/t64 file')
    .option('-c, --config <json>', 'per-layer hash config: a JSON file or inline JSON; default: the projection file metadata')
    .option('-k, --hash-length <K>', 'uniform config: hash every conv/linear layer with this K (instead of --config)', int)
    .option('-t, --tile-size <T>', 'uniform config tile size (input and output)', int, 128)
    .option('-d, --data <spec>', 'data set: digits:<file>, cifar10:<dir|batch file>, cifar100:<dir|batch file>', `digits:${join(DIGITS, 'digits.safetensors')}`)
    .option('--normalize <spec>', `input normalisation: ${NORMALIZATION_NAMES.join('|')}|m1,m2,m3/s1,s2,s3; default: the checkpoint's metadata, else the data set's own (cifar10: cifar, cifar100: cifar100, digits: none)`)
    .addOption(new Option('-b, --backend <name>', 'backend').choices(BACKENDS as string[]))
    .option('--seed <n>', 'seed of random projections drawn where the checkpoint has none', int, 0)
    .option('--limit <n>', 'evaluate only the first n evaluation samples', int)
    .option('--calibration <n>', 'calibration samples: the first n of the training split, or, for a data set without one, the first n images (evaluation then uses the rest)', int, 256)
    .option('--batch-size <n>', 'samples per forward call', int, 32);
}

function readConfig(value: string): ModelHashConfig {
  const text = value.trim().startsWith('{') ? value : readFileSync(value, 'utf8');
  return parseHashConfig(text);
}

export interface LoadedSetup {
  model: HashModel;
  test: LabelledSet;
  calibration: LabelledSet;
  /** Which images calibrate and which evaluate, for reports. */
  split: string;
  /** Where the projections and the per-layer config came from, for reports. */
  source: string;
}

const range = (a: number, b: number) => (b > a ? `${a}-${b - 1}` : 'none');

/**
 * The model and data of a command. `calibrate`: the command fits or searches on calibration images, so a
 * data set without a training split is cut in two (the first --calibration images calibrate, the rest
 * evaluate) and the two never overlap.
 */
export function loadSetup(o: ModelCliOptions, calibrate = false): LoadedSetup {
  const data = loadDataset(o.data);
  const weights = o.weights ?? join(DIGITS, 'resnet20-digits.safetensors');
  // The fixture's projections come with its own config: only the default when nothing else is asked for.
  const fixtureDefault = !o.weights && !o.config && o.hashLength === undefined;
  const projections = o.projections ?? (fixtureDefault ? join(DIGITS, 'hashed-uniform-k256-t64.safetensors') : undefined);
  const load = (config?: ModelHashConfig) => loadModel(weights, {
    arch: o.arch, projectionsPath: projections, config, seed: o.seed, backend: o.backend, imageSize: data.test.images.shape[2],
    normalize: o.normalize, defaultNormalize: DATASET_NORMALIZATION[data.kind],
  });
  let config = o.config ? readConfig(o.config) : undefined;
  if (o.hashLength !== undefined) {
    const paths = load({}).layers().map((l) => l.path);
    config = uniformConfig(paths, { hash_length: o.hashLength, input_tile_size: o.tileSize, output_tile_size: o.tileSize });
  }
  const model = load(config);
  const source = [
    projections ? `projections: ${projections}${o.projections ? '' : ' (the fixture default)'}` : `projections: random, seeded (--seed ${o.seed}) where the weights have none`,
    o.hashLength !== undefined ? `config: -k ${o.hashLength} -t ${o.tileSize}, uniform over every conv/linear layer (the default projection file is not used with -k)`
      : o.config ? `config: ${o.config.trim().startsWith('{') ? 'inline JSON' : o.config}` : 'config: the projection file metadata, else the scaffold defaults',
  ].join('; ');
  let { test, train } = data;
  const n = test.labels.length;
  let split = `evaluation: ${test.name} images ${range(0, Math.min(n, o.limit ?? n))}`;
  if (calibrate && !train) {
    const c = Math.min(o.calibration, n);
    if (c === n) throw new RangeError(`--calibration ${o.calibration}: ${test.name} has only ${n} images and no training split; leave some to evaluate on`);
    train = head(test, c);
    test = tail(test, c);
    split = `calibration: ${test.name} images ${range(0, c)}; evaluation: images ${range(c, c + Math.min(n - c, o.limit ?? n))} (no overlap)`;
  } else if (calibrate) {
    split = `calibration: ${train!.name} images ${range(0, Math.min(o.calibration, train!.labels.length))}; ${split}`;
  }
  return { model, test: o.limit === undefined ? test : head(test, o.limit), calibration: head(train ?? test, calibrate ? o.calibration : 0), split, source };
}
