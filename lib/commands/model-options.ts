/** Options shared by `hashmac score`, `learn` and `search`: which model, checkpoints, config and data. */
import { Option, type Command } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BACKENDS, type BackendName } from '../backend.js';
import { PACKAGE_ROOT } from '../native/addon.js';
import { parseHashConfig, uniformConfig, type ModelHashConfig } from '../models/config.js';
import { head, loadDataset, type LabelledSet } from '../models/datasets.js';
import { loadModel } from '../models/loading.js';
import type { HashModel } from '../models/model.js';
import { readTensorFile } from '../torch/index.js';

const DIGITS = join(PACKAGE_ROOT, 'test', 'fixtures', 'digits');

export interface ModelCliOptions {
  arch: 'auto' | 'resnet' | 'mlp';
  weights?: string;
  projections?: string;
  config?: string;
  hashLength?: number;
  tileSize?: number;
  data: string;
  backend?: BackendName;
  seed: number;
  limit?: number;
  calibration: number;
  batchSize: number;
}

const int = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a non-negative integer, got '${v}'`);
  return n;
};

export function addModelOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--arch <arch>', 'model architecture').choices(['auto', 'resnet', 'mlp']).default('auto'))
    .option('-w, --weights <file>', 'weights (safetensors or PyTorch .pt/.pth/.th, state_dict names); default: the digits ResNet-20 fixture')
    .option('-p, --projections <file>', 'projection matrices (scaffold names; safetensors or PyTorch); default with the fixture weights: its k256/t64 file')
    .option('-c, --config <json>', 'per-layer hash config: a JSON file or inline JSON; default: the projection file metadata')
    .option('-k, --hash-length <K>', 'uniform config: hash every conv/linear layer with this K (instead of --config)', int)
    .option('-t, --tile-size <T>', 'uniform config tile size (input and output)', int, 128)
    .option('-d, --data <spec>', 'data set: digits:<file>, cifar10:<dir>, cifar100:<dir>', `digits:${join(DIGITS, 'digits.safetensors')}`)
    .addOption(new Option('-b, --backend <name>', 'backend').choices(BACKENDS as string[]))
    .option('--seed <n>', 'seed of random projections drawn where the checkpoint has none', int, 0)
    .option('--limit <n>', 'evaluate only the first n test samples', int)
    .option('--calibration <n>', 'calibration samples (from the training split)', int, 256)
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
}

export function loadSetup(o: ModelCliOptions): LoadedSetup {
  const { test, train } = loadDataset(o.data);
  const weights = o.weights ?? join(DIGITS, 'resnet20-digits.safetensors');
  // The fixture's projections come with its own config: only the default when nothing else is asked for.
  const fixtureDefault = !o.weights && !o.config && o.hashLength === undefined;
  const projections = o.projections ?? (fixtureDefault ? join(DIGITS, 'hashed-uniform-k256-t64.safetensors') : undefined);
  let config = o.config ? readConfig(o.config) : undefined;
  if (o.hashLength !== undefined) {
    const tensors = readTensorFile(weights).tensors;
    const paths = [...tensors.keys()]
      .filter((k) => k.endsWith('.weight') && [2, 4].includes(tensors.get(k)!.shape.length))
      .map((k) => k.slice(0, -'.weight'.length));
    config = uniformConfig(paths, { hash_length: o.hashLength, input_tile_size: o.tileSize, output_tile_size: o.tileSize });
  }
  const model = loadModel(weights, {
    arch: o.arch, projectionsPath: projections, config, seed: o.seed, backend: o.backend, imageSize: test.images.shape[2],
  });
  return { model, test: o.limit === undefined ? test : head(test, o.limit), calibration: head(train, o.calibration) };
}
