/** `hashmac learn`: fit learned projections on calibration data (CPU), report accuracy before/after. */
import { SingleBar, Presets } from 'cli-progress';
import { Option, type Command } from 'commander';
import { evaluate } from '../models/evaluate.js';
import { learnProjections } from '../models/learn.js';
import { saveHashedModel } from '../models/loading.js';
import { modelStaticCounts, scores } from '../models/score.js';
import { scoreReport } from './score.js';
import { addModelOptions, loadSetup, type ModelCliOptions } from './model-options.js';

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;

export function registerLearn(program: Command): void {
  addModelOptions(program.command('learn'))
    .description('learn each hash tile\'s projection on calibration activations (layer by layer, straight-through sign), then re-evaluate')
    .option('--steps <n>', 'optimiser steps per tile pair', (v) => Number(v), 40)
    .option('--rows <n>', 'calibration rows per layer', (v) => Number(v), 512)
    .option('--lr <x>', 'Adam step size', (v) => Number(v), 0.05)
    .option('--sequential', 'fit each layer on the hashed model\'s inputs (earlier layers fitted) instead of the exact model\'s', false)
    .addOption(new Option('--batchnorm <method>', 'then re-estimate BatchNorm for the hashed forward on the calibration images: statistics (AdaBN) or regression (per-channel fit to the exact activations)').choices(['statistics', 'regression']))
    .option('--json', 'print one JSON object (no progress bar) instead of the report')
    .option('-o, --out <file>', 'write the model with learned projections (weights, projections, config) (.safetensors, or .pt for PyTorch)')
    .action((o: ModelCliOptions & { steps: number; rows: number; lr: number; sequential: boolean; batchnorm?: 'statistics' | 'regression'; out?: string; json?: boolean }) => {
      const { model, test, calibration, split, source } = loadSetup(o, true);
      const log = o.json ? () => {} : console.log;   // --json: one object at the end, nothing else on stdout
      log(`${split}\n${source}`);
      const before = evaluate(model, test, { backend: o.backend, batchSize: o.batchSize });
      log(`before: dense ${pct(before.denseAccuracy)}, hashed ${pct(before.hashedAccuracy)} on ${before.samples} test samples`);
      const bar = new SingleBar({ format: 'learning {bar} {value}/{total} layers | {layer} | {duration}s', stream: process.stderr }, Presets.shades_classic);
      bar.start(model.layers().filter((l) => l.hashed).length, 0, { layer: '' });
      const t0 = performance.now(), cpu0 = process.cpuUsage();
      const fits = learnProjections(model, calibration.images, {
        steps: o.steps, maxRows: o.rows, learningRate: o.lr, seed: o.seed, backend: o.backend, sequential: o.sequential,
        onProgress: (done, _total, layer) => bar.update(done, { layer }),
      });
      bar.stop();
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);
      for (const f of fits) {
        log(`  ${f.path.padEnd(24)} ${f.tiles.length} tiles, ${f.rows} rows: tile error ${mean(f.tiles.map((t) => t.before)).toFixed(4)} -> ${mean(f.tiles.map((t) => t.after)).toFixed(4)}`);
      }
      if (o.batchnorm) {
        if (!model.calibrateBatchNorm) throw new RangeError(`--batchnorm: ${model.arch} has no BatchNorm`);
        model.calibrateBatchNorm(calibration.images, o.batchnorm, { backend: o.backend });
        log(`  BatchNorm re-estimated on the hashed activations (${o.batchnorm})`);
      }
      const cpu = process.cpuUsage(cpu0), cpuSeconds = (cpu.user + cpu.system) / 1e6;
      const after = evaluate(model, test, { backend: o.backend, batchSize: o.batchSize });
      log(`after (${((performance.now() - t0) / 1000).toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} CPU s, ${calibration.labels.length} calibration samples): hashed ${pct(before.hashedAccuracy)} -> ${pct(after.hashedAccuracy)} (dense ${pct(after.denseAccuracy)})`);
      for (const line of scoreReport(model, after).slice(2, 5)) log(line);
      if (o.out) {
        saveHashedModel(o.out, model);
        log(`saved ${o.out}`);
      }
      if (o.json) {
        const totals = modelStaticCounts(model);
        console.log(JSON.stringify({
          split, source, calibrationSamples: calibration.labels.length, samples: after.samples,
          before: { denseAccuracy: before.denseAccuracy, hashedAccuracy: before.hashedAccuracy },
          after: { denseAccuracy: after.denseAccuracy, hashedAccuracy: after.hashedAccuracy, accuracyDrop: after.accuracyDrop },
          layers: fits.map((f) => ({ path: f.path, tiles: f.tiles.length, rows: f.rows, tileErrorBefore: mean(f.tiles.map((t) => t.before)), tileErrorAfter: mean(f.tiles.map((t) => t.after)) })),
          batchnorm: o.batchnorm ?? null, wallSeconds: (performance.now() - t0) / 1000, cpuSeconds,
          hdops: totals.hdops, flops: totals.flops, scores: totals.hdops >= totals.flops && totals.hdops > 0 ? scores(after.accuracyDrop, totals) : null,
          out: o.out ?? null,
        }, null, 2));
      }
    });
}
