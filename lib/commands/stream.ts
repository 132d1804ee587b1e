/**
 * `hashmac stream eval|serve|replay|generate`: the four-tower streaming engine's tools. Every command
 * runs on built-in defaults (small preset, seeded random weights, a generated stream).
 */
import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { BACKENDS, type BackendName } from '../backend.js';
import { PRESETS, resolveConfig, type PresetName, type StreamModelConfig } from '../stream/config.js';
import { StreamClient } from '../stream/client.js';
import { StreamEngine } from '../stream/engine.js';
import { evaluate, formatReport } from '../stream/evaluator.js';
import { generateStream } from '../stream/generate.js';
import { towerErrors, type TowerError } from '../stream/metrics.js';
import { readStream, writeStream, type StreamRecord } from '../stream/records.js';
import { ReplayServer, type ReplaySummary } from '../stream/replay-server.js';
import { EVICTION_POLICIES, type EvictionPolicy } from '../stream/slots.js';
import { loadWeights, randomWeights, saveWeights, type Weights } from '../stream/weights.js';
import { registerStreamCluster } from './stream-cluster.js';
import { textOut } from './options.js';

export interface EngineFlags {
  weights?: string;
  preset?: string;
  hidden?: string;
  proj?: string;
  depth?: string;
  heads?: string;
  features?: string;
  seed: string;
  capacity: string;
  eviction: string;
  backend?: string;
  executor: string;
  precision: string;
}

interface StreamFlags {
  stream?: string;
  requests: string;
  symbols: string;
  delayMs: string;
}

export const int = (name: string, v: string, min = 0, max = Number.MAX_SAFE_INTEGER) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${name}: expected an integer ${max < Number.MAX_SAFE_INTEGER ? `in ${min}..${max}` : `>= ${min}`}, got '${v}'`);
  }
  return n;
};
/** A finite decimal number >= min (no hex, no empty string, which Number() would take as 16 and 0). */
const real = (name: string, v: string, min = 0) => {
  const n = Number(v);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v.trim()) || !Number.isFinite(n) || n < min) throw new Error(`--${name}: expected a number >= ${min}, got '${v}'`);
  return n;
};
const PORT_MAX = 65535;
const choice = <T extends string>(name: string, v: string, allowed: readonly T[]): T => {
  if (!(allowed as readonly string[]).includes(v)) throw new Error(`--${name}: expected one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
};

export function engineOptions(cmd: Command): Command {
  return cmd
    .option('-w, --weights <file>', 'state_dict of the PyTorch model, safetensors or torch.save (.pt); sizes inferred from it (default: seeded random weights)')
    .option('-p, --preset <name>', `model sizes (${Object.keys(PRESETS).join(', ')}); default small without -w, with -w sizes the file does not determine`)
    .option('--hidden <n>', 'hidden size (overrides the preset and the weights file)')
    .option('--proj <n>', 'MLP / input projection size')
    .option('--depth <n>', 'blocks per tower')
    .option('--heads <n>', 'heads (RetNet, mLSTM; sLSTM has half)')
    .option('--features <n>', 'input features per request')
    .option('--seed <n>', 'seed of the random weights', '0')
    .option('--capacity <n>', 'symbols held in the state pool', '256')
    .option('--eviction <policy>', `when the pool is full (${EVICTION_POLICIES.join(', ')})`, 'lru')
    .option('-b, --backend <name>', `kernel backend (${BACKENDS.join(', ')})`)
    .option('--executor <mode>', "native backend: 'native' runs the whole model in one addon call, 'js' composes kernels from JS (auto, native, js)", 'auto')
    .option('--precision <p>', 'dense weight storage of the native executor (float32, bfloat16)', 'float32');
}

function streamOptions(cmd: Command): Command {
  return cmd
    .option('-s, --stream <file>', 'request stream (.parquet as published by the hackathon, .ndjson, .csv); default: generated')
    .option('--requests <n>', 'generated stream: requests', '1000')
    .option('--symbols <n>', 'generated stream: symbols', '20')
    .option('--delay-ms <ms>', 'generated stream: mean delay between requests', '2');
}

/** The engine the flags describe; `saveWeightsTo` also writes the weights it runs (e.g. the random ones). */
export function makeEngine(f: EngineFlags, saveWeightsTo?: string): StreamEngine {
  const backend = f.backend === undefined ? undefined : choice('backend', f.backend, BACKENDS as readonly BackendName[]);
  const eviction = choice<EvictionPolicy>('eviction', f.eviction, EVICTION_POLICIES);
  const capacity = int('capacity', f.capacity, 1);
  const preset = (name: string) => resolveConfig(choice('preset', name, Object.keys(PRESETS) as PresetName[]));
  const flags: Partial<StreamModelConfig> = {};
  const SIZE_FLAGS = { hidden: 'hiddenSize', proj: 'projSize', depth: 'towerDepth', heads: 'numHeads', features: 'numFeatures' } as const;
  for (const [flag, key] of Object.entries(SIZE_FLAGS)) {
    const v = f[flag as keyof typeof SIZE_FLAGS];
    if (v !== undefined) flags[key] = int(flag, v, 1);
  }
  let config: StreamModelConfig;
  let weights: Weights;
  if (f.weights) {
    // Flags win over the preset, the preset over what the file says (only when asked for).
    const loaded = loadWeights(f.weights, { ...(f.preset ? preset(f.preset) : {}), ...flags });
    config = loaded.config;
    if (loaded.unused.length > 0) console.error(`note: ${loaded.unused.length} tensors in ${f.weights} are not model parameters (e.g. ${loaded.unused[0]})`);
    weights = loaded.weights;
  } else {
    config = { ...preset(f.preset ?? 'small'), ...flags };
    weights = randomWeights(config, int('seed', f.seed));
    // Loud on purpose: a server or evaluation on random weights answers, but its predictions mean nothing.
    console.error(`WARNING: no -w/--weights: using seeded random weights (--seed ${f.seed}, preset ${f.preset ?? 'small'}); predictions are meaningless. Pass -w model.safetensors|.pt for a trained model.`);
  }
  if (saveWeightsTo) saveWeights(saveWeightsTo, weights, config);
  const executor = choice('executor', f.executor ?? 'auto', ['auto', 'native', 'js'] as const);
  const precision = choice('precision', f.precision ?? 'float32', ['float32', 'bfloat16'] as const);
  return new StreamEngine({ config, weights, consumeWeights: true, capacity, eviction, backend, executor, precision });
}

async function loadRecords(f: StreamFlags, numFeatures: number): Promise<StreamRecord[]> {
  if (f.stream) return readStream(f.stream);
  return generateStream({ requests: int('requests', f.requests, 1), symbols: int('symbols', f.symbols, 1), meanDelayMs: real('delay-ms', f.delayMs), features: numFeatures, seed: 1 });
}

function readPredictions(path: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  readFileSync(path, 'utf8').split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let o: { unique_id?: unknown; predictions?: unknown };
    try {
      o = JSON.parse(line);
    } catch (e) {
      throw new Error(`${path}: line ${i + 1}: not JSON (${(e as Error).message})`);
    }
    if (!Number.isSafeInteger(o?.unique_id) || !Array.isArray(o.predictions) || !o.predictions.every((v) => typeof v === 'number' || v === null)) {
      throw new Error(`${path}: line ${i + 1}: expected {unique_id: integer, predictions: [numbers]}`);
    }
    out.set(o.unique_id as number, (o.predictions as (number | null)[]).map((v) => v ?? NaN));
  });
  return out;
}

function writePredictions(path: string, predictions: Map<number, number[]>): void {
  const ids = [...predictions.keys()].sort((a, b) => a - b);
  writeFileSync(path, ids.map((id) => JSON.stringify({ unique_id: id, predictions: predictions.get(id) })).join('\n') + '\n');
}

function printReplay(s: ReplaySummary, log: (line: string) => void): void {
  log(`sent ${s.sent}/${s.requests}, responses ${s.responses} (response rate ${(100 * s.responseRate).toFixed(2)}%), connections ${s.connections}`);
  log(`latency ms (send → response): mean ${s.latencyMs.mean.toFixed(3)}, p50 ${s.latencyMs.p50.toFixed(3)}, p99 ${s.latencyMs.p99.toFixed(3)}, max ${s.latencyMs.max.toFixed(3)}`);
  log(`invalid messages ${s.invalidMessages}, rejected ids ${s.rejectedIds}`);
  s.vsTargets?.forEach((e, t) => log(`  ${['XLSTM', 'Mamba2', 'RetNet', 'Hawk'][t]}: max ${e.max.toExponential(3)}, mean ${e.mean.toExponential(3)}`));
}

export function registerStream(program: Command): void {
  const stream = program.command('stream').description('the four-tower streaming ensemble (Jane Street × GPU MODE hackathon model)');
  registerStreamCluster(stream);

  streamOptions(engineOptions(stream.command('eval')))
    .description('replay a request stream through the engine and report latency, throughput and per-tower error')
    .option('--batch-size <n>', 'requests per batch (fixed mode) or most taken at once (arrival mode)', '32')
    .option('--mode <mode>', 'fixed batches, or by arrival time (delays)', 'fixed')
    .option('-o, --predictions <file>', 'write predictions as NDJSON {unique_id, predictions}')
    .option('-r, --reference <file>', 'compare against predictions written by an earlier run')
    .option('--save-state <file>', 'save every symbol\'s state afterwards')
    .option('--save-weights <file>', 'save the weights used (e.g. the random ones) as a safetensors state_dict')
    .option('--load-state <file>', 'start from a saved state')
    .option('--json', 'print the report as JSON')
    .action(async (f: EngineFlags & StreamFlags & { batchSize: string; mode: string; predictions?: string; reference?: string; saveState?: string; loadState?: string; saveWeights?: string; json?: boolean }) => {
      const batchSize = int('batch-size', f.batchSize, 1);
      const mode = choice('mode', f.mode, ['fixed', 'arrival'] as const);
      const reference = f.reference ? readPredictions(f.reference) : undefined;
      const engine = makeEngine(f, f.saveWeights);
      if (f.loadState) engine.loadState(f.loadState);
      const records = await loadRecords(f, engine.config.numFeatures);
      const report = evaluate(engine, records, { batchSize, mode, reference });
      if (f.predictions) writePredictions(f.predictions, report.predictions);
      if (f.saveState) engine.saveState(f.saveState);
      // Reduced precision reports its error against the same model in float32 on the same stream.
      let vsFloat32: TowerError[] | undefined;
      if (engine.precision !== 'float32') {
        const exact = makeEngine({ ...f, precision: 'float32' });
        if (f.loadState) exact.loadState(f.loadState);
        vsFloat32 = towerErrors(report.predictions, evaluate(exact, records, { batchSize: int('batch-size', f.batchSize, 1) }).predictions);
      }
      const perRequest = engine.stats.stateBytesMoved / Math.max(1, engine.stats.requests);
      // Time inside the model's forward (one native call per chunk on the executor) vs the rest of
      // processBatch (validation, slots, packing features, unpacking predictions).
      const compute = engine.stats.computeSeconds;
      const phaseSeconds = { forward: compute, jsAndIo: Math.max(0, report.computeSeconds - compute) };
      if (f.json) {
        const { predictions: _, ...rest } = report;
        console.log(JSON.stringify({ ...rest, stateBytesPerRequest: perRequest, calls: engine.stats.calls, path: engine.path, precision: engine.precision, phaseSeconds, vsFloat32 }, null, 2));
      } else {
        console.log(formatReport(report));
        console.log(`state moved: ${(perRequest / 1024).toFixed(1)} KiB per request (${engine.stats.calls} forward calls)`);
        console.log(`path ${engine.path} (${engine.precision}): ${phaseSeconds.forward.toFixed(3)} s in the model's forward, ${phaseSeconds.jsAndIo.toFixed(3)} s in JS around it`);
        vsFloat32?.forEach((e, t) => console.log(`  vs float32 ${['XLSTM', 'Mamba2', 'RetNet', 'Hawk'][t]}: max ${e.max.toExponential(3)}, mean ${e.mean.toExponential(3)}`));
      }
    });

  engineOptions(stream.command('serve'))
    .description('connect to a hackathon-compatible server and serve predictions')
    .option('--host <host>', 'server host', '127.0.0.1')
    .option('--port <port>', 'server port', '8080')
    .option('--max-queue <n>', 'pending requests per symbol', '100')
    .option('--retries <n>', 'reconnection attempts', '5')
    .option('--idle-timeout-ms <ms>', 'reconnect after this long without a byte from the server (0: never)', '120000')
    .option('--json', 'at the end print one JSON object on stdout (the client\'s counts, the failure if any); the log goes to stderr')
    .action(async (f: EngineFlags & { host: string; port: string; maxQueue: string; retries: string; idleTimeoutMs: string; json?: boolean }) => {
      const log = textOut(f.json);
      const net = { port: int('port', f.port, 1, PORT_MAX), maxQueue: int('max-queue', f.maxQueue, 1), retries: int('retries', f.retries), idleTimeoutMs: int('idle-timeout-ms', f.idleTimeoutMs) };
      const engine = makeEngine(f);
      engine.warmUp();
      const client = new StreamClient(engine, { host: f.host, ...net, numFeatures: engine.config.numFeatures, log });
      process.once('SIGINT', () => client.stop());
      client.start();
      await client.closed;
      if (f.json) console.log(JSON.stringify({ host: f.host, port: net.port, weights: f.weights ?? null, path: engine.path, ...client.stats, failure: client.failure ?? null }, null, 2));
      else console.log(`served: ${Object.entries(client.stats).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      if (client.failure) throw new Error(`stream serve: ${client.failure}`);
    });

  streamOptions(stream.command('replay'))
    .description('a local server (loopback) that streams a request file with its delays and scores latency and error')
    .option('--port <port>', 'port to listen on (0: any free port)', '8080')
    .option('--speed <x>', 'multiplier on the recorded delays (0: all at once)', '1')
    .option('--timeout-ms <ms>', 'wait for outstanding responses after the last request', '5000')
    .option('--serve', 'also run the engine client in this process (the whole loop in one command)')
    .option('-o, --predictions <file>', 'write the received predictions as NDJSON')
    .option('--max-connections <n>', 'connections open at once', '32')
    .option('--idle-timeout-ms <ms>', 'close a connection silent this long (0: never)', '60000')
    .option('--json', 'print the summary as one JSON object on stdout (without the predictions; see -o); the log goes to stderr')
    .action(async (f: StreamFlags & { port: string; speed: string; timeoutMs: string; serve?: boolean; predictions?: string; maxConnections: string; idleTimeoutMs: string; json?: boolean }) => {
      const log = textOut(f.json);
      const opts = {
        port: int('port', f.port, 0, PORT_MAX), speed: real('speed', f.speed), responseTimeoutMs: int('timeout-ms', f.timeoutMs),
        maxConnections: int('max-connections', f.maxConnections, 1), idleTimeoutMs: int('idle-timeout-ms', f.idleTimeoutMs),
      };
      const records = await loadRecords(f, 79);
      const server = new ReplayServer(records, { ...opts, log });
      const port = await server.listen();
      log(`replaying ${records.length} requests on 127.0.0.1:${port}`);
      let client: StreamClient | undefined;
      if (f.serve) {
        const engine = new StreamEngine({ capacity: 256 });
        engine.warmUp();
        client = new StreamClient(engine, { port, numFeatures: engine.config.numFeatures, retries: 0 });
        client.start();
      }
      const summary = await server.done;
      client?.stop();
      await server.close();
      if (f.predictions) writePredictions(f.predictions, summary.predictions);
      printReplay(summary, log);
      if (f.json) {
        const { predictions: _, ...rest } = summary;
        console.log(JSON.stringify({ port, served: f.serve ? 'in-process engine (seeded random weights)' : null, ...rest, client: client?.stats ?? null, predictionsFile: f.predictions ?? null }, null, 2));
      }
    });

  streamOptions(stream.command('generate'))
    .description('write a generated request stream (hackathon columns) as .ndjson or .csv')
    .requiredOption('-o, --out <file>', 'output file')
    .option('--features <n>', 'features per request', '79')
    .option('--seed <n>', 'seed', '1')
    .action((f: StreamFlags & { out: string; features: string; seed: string }) => {
      const records = generateStream({
        requests: int('requests', f.requests, 1), symbols: int('symbols', f.symbols, 1), meanDelayMs: real('delay-ms', f.delayMs),
        features: int('features', f.features, 1), seed: int('seed', f.seed),
      });
      writeStream(f.out, records);
      console.log(`wrote ${records.length} requests to ${f.out}`);
    });
}
