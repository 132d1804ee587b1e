/** `hashmac score`: dense vs hashed accuracy, the challenge score (both pairs), per-layer op counts. */
import type { Command } from 'commander';
import { evaluate, type Evaluation } from '../models/evaluate.js';
import type { HashModel } from '../models/model.js';
import { saveHashedModel } from '../models/loading.js';
import { activationCounts, modelStaticCounts, scores, staticCounts } from '../models/score.js';
import { tileGrid } from '../models/projections.js';
import { addModelOptions, loadSetup, type ModelCliOptions } from './model-options.js';

const pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const mega = (v: number) => (v / 1e6).toFixed(3);

/** The score summary and per-layer table of an evaluated model, as printable lines. */
export function scoreReport(model: HashModel, e: Evaluation): string[] {
  const totals = modelStaticCounts(model);
  const lines = [
    `model ${model.arch}${model.layoutNote ? ` (${model.layoutNote})` : ''}, input normalisation ${model.normalization?.spec ?? 'none'}, ${e.samples} samples`,
    `accuracy: dense ${pct(e.denseAccuracy)}, hashed ${pct(e.hashedAccuracy)}, drop ${(100 * e.accuracyDrop).toFixed(2)} percentage points`,
    `static counts: hdops ${totals.hdops}, flops ${totals.flops}, r = flops/hdops ${(totals.flops / totals.hdops).toFixed(4)}`,
  ];
  if (totals.hdops === 0) {
    lines.push('warning: no layer is hashed (every layer runs exact), so the score is 0 by definition: pass -k <K> or a --config that hashes layers');
  } else if (totals.hdops >= totals.flops) {
    // The components say why a score is what it is: A falls to 0 once the drop reaches delta.
    const r = totals.flops / totals.hdops;
    for (const s of scores(e.accuracyDrop, totals)) {
      const { delta, gamma } = s.params;
      const A = Math.max(0, 1 - e.accuracyDrop / delta), rg = r ** gamma, E = (2 * rg) / (1 + rg);
      lines.push(`score (delta ${delta}, gamma ${gamma}): ${s.score.toFixed(4)} = 2AE/(A+E), accuracy term A = max(0, 1 - drop/delta) = ${A.toFixed(4)}, efficiency term E = 2r^gamma/(1 + r^gamma) = ${E.toFixed(4)}`);
    }
  } else {
    lines.push(`score: not defined (hdops ${totals.hdops} < flops ${totals.flops}: K must not be below the output tile size)`);
  }
  lines.push('', 'per layer (static: scaffold counts; rows, M-ops: one forward over the evaluated samples)');
  lines.push(['layer'.padEnd(24), 'kernel'.padEnd(8), 'D'.padStart(5), 'N'.padStart(4), 'K'.padStart(5), 'tiles'.padStart(7),
    'hdops'.padStart(9), 'flops'.padStart(8), 'rows'.padStart(7), 'dense MF'.padStart(9), 'proj MF'.padStart(9), 'hamm Mbit'.padStart(10), 'norm MF'.padStart(8)].join(' '));
  const act = activationCounts(model, e.samples);
  model.layers().forEach((l, k) => {
    const s = staticCounts(l), a = act[k], { nI, nJ } = tileGrid(l.geometry);
    lines.push([
      l.path.padEnd(24), (l.config.hash_kernel_type?.replace('_projection', '') ?? 'exact').padEnd(8), String(l.D).padStart(5), String(l.N).padStart(4),
      (l.hashed ? String(l.config.hash_length) : '-').padStart(5), (l.hashed ? `${nI}x${nJ}` : '-').padStart(7),
      String(s.hdops).padStart(9), String(s.flops).padStart(8), String(a.rows).padStart(7), mega(a.denseFlops).padStart(9),
      mega(a.projectionFlops).padStart(9), mega(a.hammingBitOps).padStart(10), mega(a.normFlops).padStart(8),
    ].join(' '));
  });
  return lines;
}

export function registerScore(program: Command): void {
  addModelOptions(program.command('score'))
    .description('accuracy of the dense and hashed model, accuracy drop, challenge score (both pairs), per-layer op counts')
    .option('--save <file>', 'write the hashed model (weights, projections, config) (.safetensors, or .pt for PyTorch)')
    .option('--json', 'print JSON')
    .action((o: ModelCliOptions & { save?: string; json?: boolean }) => {
      const { model, test, split, source } = loadSetup(o);
      // Without a hashed layer the score's r = flops/hdops is 0/0: an error, not a NaN report.
      if (model.layers().every((l) => !l.hashed)) throw new Error('score: no layer is hashed (the config and projections leave every layer exact); nothing to score');
      if (!o.json) console.log(`${split}\n${source}`);
      const t0 = performance.now();
      const e = evaluate(model, test, { backend: o.backend, batchSize: o.batchSize });
      const seconds = (performance.now() - t0) / 1000;
      if (o.save) saveHashedModel(o.save, model);
      if (o.json) {
        const totals = modelStaticCounts(model), act = activationCounts(model, e.samples);
        console.log(JSON.stringify({
          arch: model.arch, source, samples: e.samples, denseAccuracy: e.denseAccuracy, hashedAccuracy: e.hashedAccuracy, accuracyDrop: e.accuracyDrop,
          hdops: totals.hdops, flops: totals.flops,
          scores: totals.hdops >= totals.flops ? scores(e.accuracyDrop, totals) : null,
          layers: totals.layers.map((l, k) => ({ ...l, config: model.layers()[k].config, ...act[k] })),
        }, null, 2));
        return;
      }
      for (const line of scoreReport(model, e)) console.log(line);
      const totals = modelStaticCounts(model);
      if (totals.hdops < totals.flops) process.exitCode = 1;
      console.log(`(evaluation: ${seconds.toFixed(2)} s for the dense and hashed passes)`);
      if (o.save) console.log(`saved ${o.save}`);
    });
}
