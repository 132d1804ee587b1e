import { StreamModel } from './lib/stream/model.js';
import { StatePool } from './lib/stream/state-pool.js';
import { NativeStreamExecutor } from './lib/stream/executor.js';
import { randomWeights } from './lib/stream/weights.js';
import { setNumThreads } from './lib/runtime.js';
const config = { hiddenSize: 128, projSize: 256, towerDepth: 2, numHeads: 8, numFeatures: 79 };
const model = new StreamModel(config, randomWeights(config, 1));
const pool = new StatePool(config, 64);
const exec = new NativeStreamExecutor(model, pool);
setNumThreads(Number(process.argv[2] ?? 1));
const mk = (spec: string) => { let row0 = 0, s = 0; const groups = spec.split(' ').map((g) => { const [B, T] = g.split('x').map(Number); const o = { B, T, row0, slots: Int32Array.from({ length: B }, () => s++) }; row0 += B * T; return o; }); return { tokens: row0, groups }; };
const time = (spec: string) => {
  const ctx = mk(spec);
  const f = Float32Array.from({ length: ctx.tokens * 79 }, (_, i) => Math.sin(i));
  const ts: number[] = [];
  for (let i = 0; i < 40; i++) { const t = performance.now(); exec.forward(f, ctx); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b); console.log(spec, ctx.tokens, 'tokens', ts[20].toFixed(3), 'ms');
};
time('64x1'); time('9x1 13x2 1x5 4x3 1x8 1x4'); time('39x1'); time('1x8'); time('1x1');
