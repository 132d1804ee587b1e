/**
 * Hostile callers of the native stream executor's async path (docs/ARCHITECTURE.md, "Async ownership"):
 * while processBatchAsync / forwardAsync runs, the engine's own state pools and weights (reachable as
 * StreamEngine.pool and .model) and the caller's features are transferred away (structuredClone, a
 * MessagePort, ArrayBuffer.prototype.transfer where the runtime has it), optionally followed by forced
 * garbage collection and allocations that would reuse freed memory. Each run must give what a twin
 * engine computes undisturbed, and the engine's arrays must stay attached. Importable
 * (runStreamExecutorHostile) and runnable as a script (`--expose-gc`, prints JSON).
 */
import { MessageChannel } from 'node:worker_threads';
import type { StreamModelConfig } from '../../lib/stream/config.js';
import { StreamEngine, type StreamRequest } from '../../lib/stream/engine.js';
import { generateStream } from '../../lib/stream/generate.js';

const CONFIG: StreamModelConfig = { hiddenSize: 32, projSize: 48, towerDepth: 1, numHeads: 4, numFeatures: 11 };

type Transfer = (buf: ArrayBuffer) => string;
const transfers: [string, Transfer][] = [
  ['structuredClone', (buf) => { structuredClone(buf, { transfer: [buf] }); return 'done'; }],
  ['postMessage', (buf) => {
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(buf, [buf]);
    port1.close();
    port2.close();
    return 'done';
  }],
];
const abTransfer = (ArrayBuffer.prototype as { transfer?: () => ArrayBuffer }).transfer;
if (abTransfer) transfers.push(['ArrayBuffer.prototype.transfer', (buf) => { abTransfer.call(buf); return 'done'; }]);

/** Forced GC (when exposed) and fresh allocations of the same sizes, to reuse what was freed. */
function churn(bytes: number): void {
  const g = (globalThis as { gc?: () => void }).gc;
  g?.();
  const junk: Float32Array[] = [];
  for (let i = 0; i < 8; i++) junk.push(new Float32Array(Math.max(1, bytes >> 2)).fill(1e30));
  g?.();
}

function batch(seed: number): Map<string, StreamRequest[]> {
  const by = new Map<string, StreamRequest[]>();
  for (const r of generateStream({ requests: 12, symbols: 3, features: CONFIG.numFeatures, seed })) {
    by.set(r.symbol, [...(by.get(r.symbol) ?? []), { id: r.id, symbol: r.symbol, features: r.features }]);
  }
  return by;
}

const twin = () => new StreamEngine({ config: CONFIG, capacity: 4, seed: 3, backend: 'native', executor: 'native' });

export async function runStreamExecutorHostile(): Promise<{ calls: number; failures: string[]; gc: boolean }> {
  const failures: string[] = [];
  let calls = 0;
  for (const [how, transfer] of transfers) {
    const engine = twin(), reference = twin();
    // Targets: every state array of one block of each tower, and the weights a forward reads first and last.
    const pool = Object.entries(engine.pool.tensors).filter(([name]) => /blocks\.0\./.test(name)).map(([name, t]) => [`pool ${name}`, t.data] as const);
    const weights = [['weight towers[0].up', engine.model.towers[0].up.weight.data], ['weight outputProj', engine.model.outputProj.weight.data]] as const;
    let seed = 0;
    for (const [what, array] of [...pool, ...weights]) {
      const b = batch(++seed);
      const expected = reference.processBatch(b);
      const pending = engine.processBatchAsync(b);
      let outcome: string;
      try {
        outcome = transfer(array.buffer as ArrayBuffer);
      } catch (e) {
        outcome = (e as Error).name;   // Node 21+: DataCloneError for an untransferable buffer
      }
      churn(array.byteLength);
      calls++;
      try {
        const got = await pending;
        if (JSON.stringify(got) !== JSON.stringify(expected)) failures.push(`${how} of ${what} (${outcome}): results differ from the undisturbed twin`);
      } catch (e) {
        failures.push(`${how} of ${what} (${outcome}): rejected: ${(e as Error).message}`);
      }
      if (array.byteLength === 0) failures.push(`${how} of ${what} (${outcome}): the engine's array was detached`);
    }
    // The caller's features: the run owns a copy.
    const exec = engine.nativeExecutor!, ref = reference.nativeExecutor!;
    const features = Float32Array.from({ length: 2 * CONFIG.numFeatures }, (_, i) => Math.sin(i));
    const ctx = { tokens: 2, groups: [{ B: 1, T: 2, row0: 0, slots: Int32Array.of(3) }] };
    const expected = ref.forward(features.slice(), ctx);
    const pending = exec.forwardAsync(features, ctx);
    transfer(features.buffer);
    churn(features.byteLength);
    calls++;
    const got = await pending;
    if (JSON.stringify([...got]) !== JSON.stringify([...expected])) failures.push(`${how} of the features: results differ`);
  }
  return { calls, failures, gc: typeof (globalThis as { gc?: unknown }).gc === 'function' };
}

if (require.main === module) {
  runStreamExecutorHostile().then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });
}
