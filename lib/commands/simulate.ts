/** `hashmac simulate`: cycle/energy accounting of a hashed model on an AIMC chip vs a multi-bit-ADC design. */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { resolveConfig } from '../sim/config.js';
import { formatReport, reportJson } from '../sim/report.js';
import { loadModel } from '../models/loading.js';
import { checkLayers, modelShapes, resnet20Shapes, type LayerShape } from '../sim/shapes.js';
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
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('cycles, time, energy by component and accuracy under analog noise of a hashed model on an AIMC crossbar, vs a multi-bit ADC design (default: ResNet-20, K=256/512/1024 by stage, 256x256 tiles)')
    .option('--config <file>', 'hardware config JSON (any subset of fields; see docs/simulator.md)')
    .option('--layers <file>', 'layer shapes JSON [{name, vectors, inputs, outputs, hash: {inputTileSize, outputTileSize, hashLength}}]')
    .option('-w, --weights <file>', 'shapes from a model: PyTorch state_dict, safetensors or .pt (CIFAR ResNet or MLP), hash config from the projections or weights metadata')
    .option('-p, --projections <file>', 'with --weights: checkpoint holding the projections and the per-layer config')
    .option('--image-size <n>', 'with --weights: image side of a ResNet (default 32)')
    .option('--json', 'print the result as JSON')
    .option('--trace <file>', 'write a Chrome/Perfetto trace-event JSON timeline')
    .option('--noise', 'also run the functional noisy path on the digits test images (fixture ResNet-20, K=256, 64x64 tiles)')
    .option('--images <n>', 'with --noise: number of test images (default all 360)')
    .action(async (opts: SimulateCliOptions) => {
      const config = resolveConfig(opts.config ? readFileSync(opts.config, 'utf8') : {});
      if (opts.layers && opts.weights) throw new RangeError('simulate: give --layers or --weights, not both');
      const imageSize = opts.imageSize === undefined ? undefined : checkInt('--image-size', Number(opts.imageSize), 1);
      const layers: LayerShape[] = opts.layers
        ? checkLayers('--layers', JSON.parse(readFileSync(opts.layers, 'utf8')))
        : opts.weights
          ? modelShapes(loadModel(opts.weights, { projectionsPath: opts.projections, imageSize }))
          : resnet20Shapes();
      let result;
      if (opts.trace) {
        const t = simulateWithTrace(layers, config);
        writeFileSync(opts.trace, JSON.stringify(t.trace));
        result = t.result;
      } else {
        result = simulate(layers, config);
      }
      let noise: unknown;
      if (opts.noise) {
        const { runDigitsNoise, formatNoise } = await import('../sim/digits.js');
        const images = opts.images === undefined ? undefined : checkInt('--images', Number(opts.images), 1);
        const n = runDigitsNoise(config, { images });
        noise = n;
        if (!opts.json) console.log(formatNoise(n) + '\n');
      }
      if (opts.json) console.log(noise ? JSON.stringify({ ...result, noise }, null, 2) : reportJson(result));
      else console.log(formatReport(result));
      if (opts.trace && !opts.json) console.log(`trace written to ${opts.trace}`);
    });
}
