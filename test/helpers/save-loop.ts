/**
 * Saves an engine's state to argv[2] over and over (capacity argv[3], small preset), telling the parent
 * after each save; the parent kills it mid-save (test/hostile/proc-attempts.ts).
 */
import { StreamEngine } from '../../lib/stream/engine.js';

const engine = new StreamEngine({ capacity: Number(process.argv[3] ?? 1000) });
engine.processBatch(new Map([['AAPL', [{ id: 1, symbol: 'AAPL', features: new Float32Array(engine.config.numFeatures).fill(0.5) }]]]));
const loop = () => {
  engine.saveState(process.argv[2]);
  process.send!('saved');
  setImmediate(loop);
};
loop();
