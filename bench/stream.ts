/**
 * Streaming-engine figures. Not a kernel-harness case (the harness times registered kernels); run
 * directly, it replays whole streams:
 *
 *   node --import tsx bench/stream.ts              small preset: engine vs one-at-a-time JS reference
 *   node --import tsx bench/stream.ts --full       also the full preset's footprint and one-symbol step
 *   options: --requests N (default 512), --batch N (32), --symbols N (16), --full-depth N (1; 12 = whole model)
 *
 * "One-at-a-time JS reference" is the hackathon's original loop: every request alone (B = 1, T = 1)
 * through the same model on the JS reference kernels. The engine batches symbols and runs repeated
 * symbols as multi-step rows on the selected backend.
 */
import { parseArgs } from 'node:util';
import type { BackendName } from '../lib/backend.js';
import { currentBackend } from '../lib/backend.js';
import { PRESETS, type StreamModelConfig } from '../lib/stream/config.js';
import { StreamEngine } from '../lib/stream/engine.js';
import { evaluate, type EvaluationReport } from '../lib/stream/evaluator.js';
import { generateStream } from '../lib/stream/generate.js';
import { parameterCount } from '../lib/stream/params.js';
import { stateBytesPerSymbol } from '../lib/stream/state-layout.js';

if (require.main === module) {
  const { values: args } = parseArgs({
    options: {
      requests: { type: 'string', default: '512' },
      batch: { type: 'string', default: '32' },
      symbols: { type: 'string', default: '16' },
      full: { type: 'boolean', default: false },
      'full-depth': { type: 'string', default: '1' },
    },
  });

  const MiB = 1024 * 1024;
  const fmt = (r: EvaluationReport) =>
    `${r.throughput.toFixed(1).padStart(9)} req/s   p50 ${r.latencyMs.p50.toFixed(2).padStart(8)} ms   p99 ${r.latencyMs.p99.toFixed(2).padStart(8)} ms`;

  function run(label: string, backend: BackendName, batchSize: number, records: ReturnType<typeof generateStream>) {
    const engine = new StreamEngine({ config: 'small', capacity: 64, backend });
    engine.warmUp();
    const rep = evaluate(engine, records, { batchSize });
    const moved = engine.stats.stateBytesMoved / engine.stats.requests;
    console.log(`${label.padEnd(44)} ${fmt(rep)}   state moved ${(moved / 1024).toFixed(1)} KiB/request`);
    return rep;
  }

  const n = Number(args.requests), batch = Number(args.batch), symbols = Number(args.symbols);
  const records = generateStream({ requests: n, symbols, seed: 7 });
  const auto = currentBackend().name;
  console.log(`small preset ${JSON.stringify(PRESETS.small)}: ${parameterCount(PRESETS.small)} parameters, ${(stateBytesPerSymbol(PRESETS.small) / 1024).toFixed(1)} KiB state per symbol`);
  console.log(`${n} requests over ${symbols} symbols (Zipf), batch ${batch}; backend '${auto}'`);
  const ref = run('one at a time, JS reference', 'js', 1, records);
  const one = run(`one at a time, ${auto}`, auto, 1, records);
  const eng = run(`engine batch ${batch} (multi-step), ${auto}`, auto, batch, records);
  const js = run(`engine batch ${batch} (multi-step), js`, 'js', batch, records);
  let maxDiff = 0;
  for (const [id, p] of eng.predictions) p.forEach((v, t) => (maxDiff = Math.max(maxDiff, Math.abs(v - ref.predictions.get(id)![t]))));
  console.log(`engine vs one-at-a-time reference: max |diff| ${maxDiff.toExponential(2)}; speed-up ${(eng.throughput / ref.throughput).toFixed(1)}x (vs one-at-a-time ${auto}: ${(eng.throughput / one.throughput).toFixed(1)}x; js engine ${(js.throughput / ref.throughput).toFixed(1)}x)`);

  if (args.full) {
    const full: StreamModelConfig = { ...PRESETS.full };
    const params = parameterCount(full);
    const state = stateBytesPerSymbol(full);
    console.log(`\nfull preset ${JSON.stringify(full)}: ${params} parameters = ${(params * 4 / MiB).toFixed(0)} MiB float32; state ${(state / MiB).toFixed(1)} MiB per symbol`);
    const depth = Number(args['full-depth']);
    const cfg = { ...full, towerDepth: depth };
    const t0 = performance.now();
    const engine = new StreamEngine({ config: cfg, capacity: 1, backend: auto });
    console.log(`built depth-${depth} full-width model (${parameterCount(cfg)} parameters) in ${((performance.now() - t0) / 1000).toFixed(1)} s; rss ${(process.memoryUsage().rss / MiB).toFixed(0)} MiB`);
    const steps = generateStream({ requests: 6, symbols: 1, seed: 3 });
    const times: number[] = [];
    for (const r of steps) {
      const s = performance.now();
      engine.processBatch(new Map([[r.symbol, [{ id: r.id, symbol: r.symbol, features: r.features }]]]));
      times.push(performance.now() - s);
    }
    times.shift(); // first call warms up
    const mean = times.reduce((a, b) => a + b, 0) / times.length;
    console.log(`one-symbol step at depth ${depth}: ${mean.toFixed(1)} ms (mean of ${times.length})` + (depth < full.towerDepth ? `; ×${full.towerDepth / depth} blocks ≈ ${(mean * full.towerDepth / depth).toFixed(0)} ms for the full model (input/output layers counted ${full.towerDepth / depth}× too, an over-estimate)` : ''));
  }
}
