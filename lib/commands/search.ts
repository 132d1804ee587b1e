/** `hashmac search`: per-layer hash lengths maximising the score, with the trade-off table. */
import { SingleBar, Presets } from 'cli-progress';
import { Option, type Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { evaluate } from '../models/evaluate.js';
import { saveHashedModel } from '../models/loading.js';
import { modelStaticCounts, SCORE_PAIRS, score } from '../models/score.js';
import { searchHashLengths } from '../models/search.js';
import { addModelOptions, loadSetup, type ModelCliOptions } from './model-options.js';
import { textOut } from './options.js';

export function registerSearch(program: Command): void {
  addModelOptions(program.command('search'))
    .description('propose per-layer hash lengths maximising the score (both pairs) on the calibration set; prints the trade-off table and checks the best on the test set')
    .option('--lengths <list>', 'candidate hash lengths', (v) => v.split(',').map(Number), [32, 64, 128, 256, 512, 1024])
    .option('--budget <n>', 'full-model evaluations along the greedy path', (v) => Number(v), 8)
    .option('--learn', 'learn every layer\'s projections at each candidate K (on the calibration images) and search with them')
    .option('--steps <n>', 'with --learn: optimiser steps per tile pair', (v) => Number(v), 40)
    .option('--rows <n>', 'with --learn: calibration rows per layer', (v) => Number(v), 512)
    .addOption(new Option('--batchnorm <method>', 're-estimate BatchNorm under hashing at every evaluated point (statistics: AdaBN; regression)').choices(['statistics', 'regression']))
    .option('-o, --out <file>', 'write the best config (first score pair) as JSON')
    .option('--save <file>', 'write the best model (first score pair: weights, projections, config, BatchNorm) as .safetensors or .pt')
    .option('--json', 'print one JSON object on stdout (the table\'s points, the best per pair with its test result); the text report goes to stderr')
    .action((o: ModelCliOptions & { lengths: number[]; budget: number; learn?: boolean; steps: number; rows: number; batchnorm?: 'statistics' | 'regression'; out?: string; save?: string; json?: boolean }) => {
      const { model, test, calibration, split, source } = loadSetup(o, true);
      const log = textOut(o.json);
      log(split);
      const cpu0 = process.cpuUsage();
      const bar = new SingleBar({ format: '{bar} {value}/{total} | {what}' }, Presets.shades_classic);
      let started = false;
      const r = searchHashLengths(model, calibration, {
        hashLengths: o.lengths, budget: o.budget, seed: o.seed, backend: o.backend, batchSize: o.batchSize,
        learn: o.learn || o.batchnorm ? { steps: o.steps, maxRows: o.rows, batchNorm: o.batchnorm } : undefined,
        onProgress: (done, total, what) => {
          if (!started) bar.start(total, 0, { what });
          started = true;
          bar.setTotal(total);
          bar.update(done, { what });
        },
      });
      bar.stop();
      const cpu = process.cpuUsage(cpu0);
      log(`search: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU s, ${o.learn ? 'learned' : 'random'} projections${o.batchnorm ? `, BatchNorm re-estimated (${o.batchnorm})` : ''}`);
      log(`dense accuracy ${(100 * r.denseAccuracy).toFixed(2)}% on ${calibration.labels.length} calibration samples`);
      const head = ['point'.padEnd(14), 'hdops'.padStart(10), 'flops'.padStart(9), 'r'.padStart(7), 'acc'.padStart(7), 'drop'.padStart(7),
        ...SCORE_PAIRS.map((p) => `s(${p.delta},${p.gamma})`.padStart(14)), '  K per layer'];
      // A legend, so the table reads without the docs: what each column and mark means.
      const layerNames = Object.keys(r.points[0]?.hashLengths ?? {});
      log([
        'legend: point = one K for every layer, or step n of the greedy path (each step lowers the K of the layer whose next K adds the least error per hdop saved);',
        '  hdops/flops/r = the challenge\'s static counts and r = flops/hdops; acc = hashed accuracy (%), drop = dense - hashed (percentage points)',
        '  on the calibration samples; s(delta,gamma) = score, "invalid" where hdops < flops; *1/*2 = best point for pair 1/2;',
        `  K per layer, in order: ${layerNames.join(', ')}`,
      ].join('\n'));
      log(head.join(' '));
      r.points.forEach((p, i) => {
        const ks = Object.values(p.hashLengths);
        const mark = r.best.map((b, s) => (b === i ? `*${s + 1}` : '')).join('');
        log([
          p.label.padEnd(14), String(p.hdops).padStart(10), String(p.flops).padStart(9), (p.flops / p.hdops).toFixed(4).padStart(7),
          (100 * p.accuracy).toFixed(2).padStart(7), (100 * p.accuracyDrop).toFixed(2).padStart(7),
          ...p.scores.map((s) => (Number.isNaN(s) ? 'invalid' : s.toFixed(4)).padStart(14)),
          `  ${ks.every((k) => k === ks[0]) ? `all ${ks[0]}` : ks.join(',')} ${mark}`,
        ].join(' '));
      });
      const bestJson: object[] = [];
      SCORE_PAIRS.forEach((p, s) => {
        const best = r.points[r.best[s]];
        // The same point (config, projections, BatchNorm) on the held-out evaluation images.
        r.apply(r.best[s]);
        const e = evaluate(model, test, { backend: o.backend, batchSize: o.batchSize });
        const counts = modelStaticCounts(model);
        const testScore = counts.hdops >= counts.flops ? score(e.accuracyDrop, counts.hdops, counts.flops, p) : null;
        log(`best for (delta ${p.delta}, gamma ${p.gamma}): ${best.label}, score ${best.scores[s].toFixed(4)} on calibration; ` +
          `test: hashed ${(100 * e.hashedAccuracy).toFixed(2)}% (drop ${(100 * e.accuracyDrop).toFixed(2)} percentage points), score ${testScore === null ? 'invalid' : testScore.toFixed(4)}`);
        bestJson.push({
          delta: p.delta, gamma: p.gamma, point: r.best[s], label: best.label, calibrationScore: best.scores[s], hashLengths: best.hashLengths,
          test: { samples: e.samples, denseAccuracy: e.denseAccuracy, hashedAccuracy: e.hashedAccuracy, accuracyDrop: e.accuracyDrop, score: testScore },
        });
      });
      if (o.out) {
        writeFileSync(o.out, JSON.stringify(r.bestConfigs[0], null, 2));
        log(`wrote ${o.out}`);
      }
      if (o.save) {
        r.apply(r.best[0]);
        saveHashedModel(o.save, model);
        log(`saved ${o.save}`);
      }
      if (o.json) {
        // NaN (an invalid score) is not JSON: null in its place.
        const points = r.points.map((p) => ({ ...p, scores: p.scores.map((v) => (Number.isNaN(v) ? null : v)) }));
        console.log(JSON.stringify({
          split, source, calibrationSamples: calibration.labels.length, projections: o.learn ? 'learned' : 'random', batchnorm: o.batchnorm ?? null,
          cpuSeconds: (cpu.user + cpu.system) / 1e6, denseAccuracy: r.denseAccuracy, points, best: bestJson, out: o.out ?? null, save: o.save ?? null,
        }, null, 2));
      }
    });
}
