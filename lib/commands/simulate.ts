/** `hashmac simulate`: cycle/energy accounting of a hashed model on an AIMC chip vs a multi-bit-ADC design. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { compareWithReference, formatComparison } from '../sim/compare.js';
import { resolveConfig, type SimConfig } from '../sim/config.js';
import { DATASET_NORMALIZATION, loadDataset, subset } from '../models/datasets.js';
import { NORMALIZATION_NAMES } from '../models/normalize.js';
import type { HashModel } from '../models/model.js';
import { getPreset, PRESETS } from '../sim/presets.js';
import { formatReport } from '../sim/report.js';
import { loadModel, readCheckpoint } from '../models/loading.js';
import { checkLayers, modelShapes, resnet20Shapes, type HashShape, type LayerShape } from '../sim/shapes.js';
import { simulate } from '../sim/simulate.js';
import { simulateWithTrace } from '../sim/trace.js';
import { checkInt } from '../validate.js';

interface SimulateCliOptions {
  config?: string;
  layers?: string;
  weights?: string;
  projections?: string;
  imageSize?: string;
  json?: boolean;
  trace?: string;
  noise?: boolean;
  images?: string;
  preset?: string;
  drift?: boolean;
  data?: string;
  times?: string;
  adcBits?: string;
  html?: string;
  imageOffset?: string;
  normalize?: string;
}

/** A comma-separated list of numbers, each checked. */
function numberList(name: string, text: string, check: (n: string, v: number) => number): number[] {
  const items = text.split(',').map((t) => t.trim());
  if (items.some((t) => t === '')) throw new RangeError(`${name}: expected a comma-separated list, got '${text}'`);
  return items.map((t, i) => check(`${name}[${i}]`, Number(t)));
}

const positiveSeconds = (n: string, v: number) => {
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${n}: expected seconds > 0, got ${v}`);
  return v;
};

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('cycles, time, energy by component and accuracy under analog noise of a hashed model on an AIMC crossbar, vs a multi-bit ADC design (default: ResNet-20, K=256/512/1024 by stage, 256x256 tiles)')
    .option('--preset <name>', `shipped layers + config (+ a published tool's figures side by side): ${Object.keys(PRESETS).join(', ')}; --config overrides its fields`)
    .option('--config <file>', 'hardware config JSON (any subset of fields; see docs/simulator.md)')
    .option('--layers <file>', 'layer shapes JSON [{name, vectors, inputs, outputs, hash: {inputTileSize, outputTileSize, hashLength}}]')
    .option('-w, --weights <file>', 'shapes from a model: PyTorch state_dict, safetensors or .pt (CIFAR ResNet or MLP), hash config from the projections or weights metadata')
    .option('-p, --projections <file>', 'with --weights: checkpoint holding the projections and the per-layer config')
    .option('--image-size <n>', 'with --weights: image side of a ResNet (default: the --data images\' side, else 8 for a 1-channel model (the digits layout), 32 otherwise (CIFAR))')
    .option('--normalize <spec>', `with --weights: input normalisation, ${NORMALIZATION_NAMES.join('|')}|m1,m2,m3/s1,s2,s3 (default: the checkpoint's metadata, else the --data set's own)`)
    .option('--json', 'print the result as JSON')
    .option('--trace <file>', 'write a Chrome/Perfetto trace-event JSON timeline')
    .option('--noise', 'also run the functional noisy path: the --weights model on the --data test images (default: the digits fixture ResNet-20, K=256, 64x64 tiles, on the digits test images)')
    .option('--images <n>', 'with --noise / --drift: number of test images (--noise: default all 360; --drift: default 50)')
    .option('--drift', 'accuracy over time under PCM drift (aihwkit model) + energy/latency/area per image, hashed vs conventional (the --weights model, or the digits fixture)')
    .option('--data <spec>', 'with --weights or --drift: test data, digits:<file> / cifar10:<dir or batch file> (default: the digits fixture); its images give the image size')
    .option('--times <list>', 'with --drift: seconds after programming (default 1,3600,86400,2592000,31536000)')
    .option('--adc-bits <list>', 'with --drift: conventional ADC resolutions (default 4,6,8)')
    .option('--image-offset <i>', 'with --drift: skip the first i test images (e.g. those a learned model calibrated on)')
    .option('--html <file>', 'with --drift: write a self-contained HTML report with the accuracy-over-time plot')
    .action(async (opts: SimulateCliOptions) => {
      const preset = opts.preset === undefined ? undefined : getPreset(opts.preset);
      const config = resolveConfig(opts.config ? readFileSync(opts.config, 'utf8') : {}, preset?.config);
      if (opts.layers && opts.weights) throw new RangeError('simulate: give --layers or --weights, not both');
      if (preset && (opts.layers || opts.weights)) throw new RangeError('simulate: --preset brings its own layers; give --layers/--weights without it');
      if (!opts.drift && (opts.times || opts.adcBits || opts.html || opts.imageOffset)) throw new RangeError('simulate: --times, --adc-bits, --image-offset and --html go with --drift');
      if (opts.data && !opts.drift && !opts.weights) throw new RangeError('simulate: --data goes with --weights or --drift');
      if (opts.drift && (opts.layers || preset || opts.noise || opts.trace)) throw new RangeError('simulate: --drift runs a model (--weights or the digits fixture); it takes no --layers, --preset, --noise or --trace');
      // The noisy path runs a model's forward pass: a layer list or a preset has none, and running the fixture instead would mislead.
      if (opts.noise && (opts.layers || preset)) throw new RangeError('simulate: --noise runs a model\'s forward pass: give --weights (or nothing, for the digits fixture), not --layers/--preset');
      if (opts.normalize && !opts.weights) throw new RangeError('simulate: --normalize goes with --weights');
      const dataKind = opts.data?.split(':')[0] ?? 'digits';
      const data = opts.data ? loadDataset(opts.data) : undefined;
      const size = opts.weights ? imageSizeOf(opts, data) : undefined;
      const model = opts.weights
        ? loadModel(opts.weights, { projectionsPath: opts.projections, imageSize: size?.size, normalize: opts.normalize, defaultNormalize: DATASET_NORMALIZATION[dataKind] })
        : undefined;
      if (opts.drift) {
        await runDrift(opts, config, model);
        return;
      }
      const layers: LayerShape[] = opts.layers
        ? checkLayers('--layers', JSON.parse(readFileSync(opts.layers, 'utf8')))
        : model
          ? modelShapes(model)
          : preset?.layers ?? resnet20Shapes();
      if (model && layers.length === 0) throw new RangeError(`simulate: ${opts.weights} hashes no layer (no projections or per-layer config in the file${opts.projections ? ` or in ${opts.projections}` : ''}); give -p <hashed checkpoint>, or hash it first (hashmac score -w ${opts.weights} -k 256 --save hashed.safetensors)`);
      const setup = {
        layers: opts.layers ? `--layers ${opts.layers}` : model ? `the model ${opts.weights}${opts.projections ? ` with ${opts.projections}` : ''}` : preset ? `preset ${opts.preset}` : 'built-in ResNet-20 (digits layout, 8x8x1), K 256/512/1024 by stage, 256x256 tiles',
        imageSize: size ? size.size ?? null : opts.layers || preset ? null : 8,
        imageSizeFrom: size ? size.from : opts.layers || preset ? null : 'the built-in layout',
        hardware: opts.config ? `--config ${opts.config}${preset ? ` over preset ${opts.preset}` : ''}` : preset ? `preset ${opts.preset}` : 'defaults (docs/simulator.md)',
        perLayer: layers.map((l) => ({ name: l.name, hashLength: l.hash.hashLength, inputTileSize: l.hash.inputTileSize, outputTileSize: l.hash.outputTileSize, tiles: tilesOf(l) })),
      };
      if (!opts.json) console.log(formatSetup(setup) + '\n');
      let result;
      if (opts.trace) {
        const t = simulateWithTrace(layers, config);
        writeFileSync(opts.trace, JSON.stringify(t.trace));
        result = t.result;
      } else {
        result = simulate(layers, config);
      }
      let noise: object | undefined;
      if (opts.noise) {
        const { runDigitsNoise, runNoise, formatNoise, DIGITS_DIR } = await import('../sim/digits.js');
        const images = opts.images === undefined ? undefined : checkInt('--images', Number(opts.images), 1);
        let n;
        if (model) {
          // The user's model on the user's data; the digits test images only where the model has their layout.
          const set = data?.test ?? (model.inputShape.join('x') === '1x8x8' || model.inputShape.join() === '64' ? loadDataset(`digits:${join(DIGITS_DIR, 'digits.safetensors')}`).test : undefined);
          if (!set) throw new RangeError(`simulate --noise: the model takes inputs of shape [${model.inputShape.join(', ')}]; give its test images with --data (cifar10:<dir|file>, digits:<file>)`);
          n = runNoise(model, images === undefined ? set : subset(set, Array.from({ length: Math.min(images, set.labels.length) }, (_, i) => i)), config, {
            floatReference: true, modelName: `the model ${opts.weights}${opts.projections ? ` with ${opts.projections}` : ''}`, dataName: opts.data ? `test images of ${opts.data}` : 'digits test images',
          });
        } else n = runDigitsNoise(config, { images });
        noise = n;
        if (!opts.json) console.log(formatNoise(n) + '\n');
      }
      const comparison = preset?.reference && compareWithReference(result, preset.reference, layers.reduce((s, l) => s + l.vectors * l.inputs * l.outputs, 0));
      if (opts.json) console.log(JSON.stringify({ setup, ...result, ...(noise && { noise }), ...(comparison && { comparison }) }, null, 2));
      else console.log(formatReport(result) + (comparison ? `\n\n${formatComparison(comparison, preset!.reference!.source)}` : ''));
      if (opts.trace && !opts.json) console.log(`trace written to ${opts.trace}`);
    });
}

/** Input tiles x output tiles of a layer's hashed mapping. */
const tilesOf = (l: LayerShape): [number, number] => [Math.ceil(l.inputs / l.hash.inputTileSize), Math.ceil(l.outputs / l.hash.outputTileSize)];

/**
 * The image side a ResNet checkpoint runs at, and why: --image-size, else the --data images' side, else
 * the layout of the data sets the CLI reads with that many input channels (1: digits 8x8, 3: CIFAR 32x32).
 * A state_dict alone does not fix it (the convolutions and the global pooling take any size).
 */
function imageSizeOf(opts: SimulateCliOptions, data: { test: { images: { shape: readonly number[] } } } | undefined): { size?: number; from: string } {
  if (opts.imageSize !== undefined) return { size: checkInt('--image-size', Number(opts.imageSize), 1), from: '--image-size' };
  if (data) return { size: data.test.images.shape[2], from: `the --data images (${data.test.images.shape.slice(1).join('x')})` };
  const conv1 = readCheckpoint(opts.weights!).tensors.get('conv1.weight');
  if (!conv1 || conv1.shape.length !== 4) return { from: 'not an image model (no conv1.weight)' };
  return conv1.shape[1] === 1
    ? { size: 8, from: '1 input channel: the digits layout 8x8 (give --image-size or --data for another)' }
    : { size: 32, from: `${conv1.shape[1]} input channels: the CIFAR layout 32x32 (give --image-size or --data for another)` };
}

interface Setup {
  layers: string;
  imageSize: number | null;
  imageSizeFrom: string | null;
  hardware: string;
  perLayer: { name: string; hashLength: number; inputTileSize: number; outputTileSize: number; tiles: [number, number] }[];
}

/** What is simulated, echoed before the figures: the layers' source, image size, K and tiles per layer (runs of equal settings joined). */
function formatSetup(s: Setup): string {
  const lines = [`simulating: ${s.layers}; image size ${s.imageSize === null ? 'n/a' : `${s.imageSize}x${s.imageSize}`}${s.imageSizeFrom ? ` (${s.imageSizeFrom})` : ''}; hardware config: ${s.hardware}`];
  lines.push(`  ${s.perLayer.length} hashed layers (K = hash length; tiles = input tiles x output tiles of the layer, tile size input x output):`);
  const same = (a: HashShape, b: HashShape) => a.hashLength === b.hashLength && a.inputTileSize === b.inputTileSize && a.outputTileSize === b.outputTileSize;
  for (let i = 0; i < s.perLayer.length;) {
    let j = i + 1;
    while (j < s.perLayer.length && same(s.perLayer[i], s.perLayer[j])) j++;
    const run = s.perLayer.slice(i, j), h = run[0];
    const grids = [...new Set(run.map((l) => l.tiles.join('x')))].join('/');
    lines.push(`    ${(j - i === 1 ? h.name : `${h.name} .. ${run[run.length - 1].name} (${j - i})`).padEnd(44)} K ${String(h.hashLength).padStart(4)}, tiles ${grids} of ${h.inputTileSize}x${h.outputTileSize}`);
    i = j;
  }
  return lines.join('\n');
}

/** `simulate --drift`: the drift study on the given model (default: the digits fixture) and data. */
async function runDrift(opts: SimulateCliOptions, config: SimConfig, loaded: HashModel | undefined): Promise<void> {
  const { runDriftStudy, formatDrift, DRIFT_TIMES_S } = await import('../sim/drift.js');
  const { loadDigitsModel, DIGITS_DIR } = await import('../sim/digits.js');
  const model = loaded ?? loadDigitsModel().model;
  const data = opts.data ?? `digits:${join(DIGITS_DIR, 'digits.safetensors')}`;
  const images = opts.images === undefined ? 50 : checkInt('--images', Number(opts.images), 1);
  const test = loadDataset(data).test;
  const offset = opts.imageOffset === undefined ? 0 : checkInt('--image-offset', Number(opts.imageOffset), 0, test.labels.length - 1);
  const set = subset(test, Array.from({ length: Math.min(images, test.labels.length - offset) }, (_, i) => offset + i));
  const timesS = opts.times ? numberList('--times', opts.times, positiveSeconds) : [...DRIFT_TIMES_S];
  const adcBits = opts.adcBits ? numberList('--adc-bits', opts.adcBits, (n, v) => checkInt(n, v, 1, 16)) : [4, 6, 8];
  const r = runDriftStudy(model, set, config, { timesS, adcBits });
  if (opts.html) {
    const { driftHtml } = await import('../sim/html.js');
    // A temporary file renamed over the target: never half a report.
    const tmp = `${opts.html}.tmp-${process.pid}`;
    writeFileSync(tmp, driftHtml(r));
    renameSync(tmp, opts.html);
  }
  console.log(opts.json ? JSON.stringify({ config, drift: r }, null, 2) : formatDrift(r) + (opts.html ? `\nHTML report written to ${opts.html}` : ''));
}
