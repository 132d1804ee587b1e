/**
 * Stream-cluster figures (docs/stream.md, "Cluster"), all in one run so they compare:
 *
 *   node --import tsx bench/stream-cluster.ts [--requests 2000] [--symbols 40] [--repeats 3] [--workers 1,2,3]
 *
 * - the single-process engine: the replay server and a StreamClient over loopback TCP, in this process;
 * - 1, 2, 3 worker processes on a local 3-server NATS cluster (R = 3) behind the gateway;
 * both fed the same generated stream sent all at once (a burst: throughput is requests / time to the
 * last answer, p50/p99 are mostly queueing time). Medians of `--repeats` runs each; every cluster run
 * must answer every request once with predictions equal to the single process (else it is reported).
 * Then one run with kill -9 of a worker and one with kill -9 of a NATS server (each alone, stream
 * spread over 8 s). Worker: time until its partitions are leased by others, and until every request
 * waiting then (their backlog) is answered. Server (the gateway's, chosen as the lease bucket's
 * leader; restarted 2 s later): time until the lease bucket takes writes, until the next answer, the
 * longest stretch without an answer, and until every request waiting at the kill is answered.
 *
 * Needs nats-server on PATH. Everything (servers, workers, gateway, replay server) shares this
 * machine's cores: the ratios say what costs what here, not how the cluster scales across machines.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { StreamClient } from '../lib/stream/client.js';
import { StreamEngine } from '../lib/stream/engine.js';
import { generateStream } from '../lib/stream/generate.js';
import { ReplayServer } from '../lib/stream/replay-server.js';
import { passed, runChaos } from '../scripts/stream-chaos.js';

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

interface Row {
  throughput: number;
  p50: number;
  p99: number;
}

async function singleProcess(requests: number, symbols: number): Promise<Row> {
  const records = generateStream({ requests, symbols, seed: 7, meanDelayMs: 0 });
  const server = new ReplayServer(records, { port: 0, speed: 0, responseTimeoutMs: 60_000 });
  const port = await server.listen();
  const client = new StreamClient(new StreamEngine({ capacity: Math.max(64, symbols) }), { port, maxQueue: requests });
  const t0 = performance.now();
  client.start();
  const summary = await server.done;
  const seconds = (performance.now() - t0) / 1000;
  client.stop();
  await server.close();
  if (summary.responses !== requests) throw new Error(`single process answered ${summary.responses} of ${requests}`);
  return { throughput: requests / seconds, p50: summary.latencyMs.p50, p99: summary.latencyMs.p99 };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { requests: { type: 'string', default: '2000' }, symbols: { type: 'string', default: '40' }, repeats: { type: 'string', default: '3' }, workers: { type: 'string', default: '1,2,3' } },
  });
  const N = Number(values.requests), S = Number(values.symbols), R = Number(values.repeats);
  try {
    execFileSync('nats-server', ['--version'], { stdio: 'ignore' });
  } catch {
    console.log('nats-server is not installed (.ci/run installs it): nothing to measure');
    return;
  }
  console.log(`${N} requests over ${S} symbols, burst; medians of ${R}; ${cpus().length} cores, load ${loadavg()[0].toFixed(1)} at start`);
  const fmt = (r: Row, base?: Row) =>
    `${r.throughput.toFixed(0)} req/s${base ? ` (${(r.throughput / base.throughput).toFixed(2)}× single)` : ''}, p50 ${r.p50.toFixed(0)} ms, p99 ${r.p99.toFixed(0)} ms`;
  const med = (rows: Row[]): Row => ({ throughput: median(rows.map((r) => r.throughput)), p50: median(rows.map((r) => r.p50)), p99: median(rows.map((r) => r.p99)) });
  const single: Row[] = [];
  const cluster = new Map<number, Row[]>();
  const counts = values.workers.split(',').map(Number);
  // Interleaved repeats, so a change in the machine's load falls on every configuration alike.
  for (let k = 0; k < R; k++) {
    single.push(await singleProcess(N, S));
    for (const W of counts) {
      const r = await runChaos({ requests: N, symbols: S, workers: W, seconds: 0, kill: false });
      if (!passed(r)) console.log(`  ${W} workers, repeat ${k}: NOT exact (${r.answeredOnce}/${r.requests} answered once, max diff ${r.maxDiff})`);
      cluster.set(W, [...(cluster.get(W) ?? []), { throughput: r.throughput, p50: r.latencyMs.p50, p99: r.latencyMs.p99 }]);
    }
  }
  const base = med(single);
  console.log(`single process:     ${fmt(base)}`);
  for (const W of counts) console.log(`cluster, ${W} worker${W > 1 ? 's' : ' '}: ${fmt(med(cluster.get(W)!), base)}`);
  const workerKill = await runChaos({ requests: N, symbols: S, workers: 3, seconds: 8, killServer: false });
  console.log(
    `kill -9 of a worker (3 workers, stream over 8 s): partitions taken over after ${workerKill.takeoverMs.toFixed(0)} ms, ` +
      `their backlog answered after ${workerKill.recoveryMs.toFixed(0)} ms; exact: ${passed(workerKill)}`,
  );
  const serverKill = await runChaos({ requests: N, symbols: S, workers: 3, seconds: 8, killWorker: false });
  console.log(
    `kill -9 of the gateway's NATS server (led the lease bucket: ${serverKill.killedLeaseLeader}; restarted 2 s later): lease bucket writable after ` +
      `${serverKill.leaseWritableMs.toFixed(0)} ms, next answer ${serverKill.firstAnswerMs.toFixed(0)} ms, longest stall ${serverKill.stallMs.toFixed(0)} ms, ` +
      `every waiting request answered after ${serverKill.serverRecoveryMs.toFixed(0)} ms; gateway reconnects ${serverKill.gatewayReconnects}; exact: ${passed(serverKill)}; ` +
      `checkpoint ${serverKill.checkpointBytesPerSymbol.toFixed(0)} B/symbol`,
  );
  console.log(`load ${loadavg()[0].toFixed(1)} at end`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
