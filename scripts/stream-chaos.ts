/**
 * Chaos run of the stream cluster on loopback: 3 nats-server processes (R = 3), W worker processes,
 * the gateway, and a replay server streaming a generated request stream. Mid-stream one worker is
 * killed with SIGKILL and later one NATS server: the one the gateway is connected to, chosen at the
 * gateway's start as the leader of the lease bucket (the worst case: leases, answers and the gateway
 * all lose their server at once). At the end every request must have been answered
 * exactly once (replay server: no repeated or missing id; responses stream: one message per id) and
 * every prediction must equal the single-process engine's (default engine, fixed batches of 32).
 *
 *   node --import tsx scripts/stream-chaos.ts [--requests 20000] [--symbols 200] [--workers 3]
 *        [--partitions 6] [--seconds 30] [--no-kill | --no-server-kill | --no-worker-kill] [--verbose]
 *
 * Prints `N requests, N answered once, max diff D vs single process`; exits 1 when that is not
 * `N, N, <= 1e-6`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ClusterGateway } from '../lib/stream/cluster/gateway.js';
import { LocalCluster } from '../lib/stream/cluster/local.js';
import { LEASE_BUCKET, RESPONSE_STREAM } from '../lib/stream/cluster/names.js';
import { connectCluster, openCluster, sleep } from '../lib/stream/cluster/setup.js';
import { decodeCheckpoint } from '../lib/stream/cluster/checkpoint.js';
import { readCheckpoint } from '../lib/stream/cluster/worker.js';
import { StreamEngine } from '../lib/stream/engine.js';
import { groupBySymbol } from '../lib/stream/evaluator.js';
import { generateStream } from '../lib/stream/generate.js';
import { ReplayServer } from '../lib/stream/replay-server.js';

export interface ChaosOptions {
  requests?: number;
  symbols?: number;
  workers?: number;
  partitions?: number;
  /** Wall time the stream is spread over (its delays are scaled to it). */
  seconds?: number;
  /** false: no kill at all. */
  kill?: boolean;
  /** kill -9 worker w0 at 40 % answered (default true). */
  killWorker?: boolean;
  /** kill -9 (and restart 2 s later) a NATS server at 60 % answered (default true). */
  killServer?: boolean;
  /** How long the replay server waits for the last answers after sending its last request (default
   *  150 s; alone the whole run takes well under that, a loaded 2-core machine has needed ~55 s). */
  answerTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface ChaosResult {
  requests: number;
  answeredOnce: number;
  responsesInStream: number;
  maxDiff: number;
  /** kill -9 of a worker → every partition it held leased by another worker (ms); NaN without kills. */
  takeoverMs: number;
  /** kill -9 of a worker → every request waiting when its partitions had been taken over (its
   *  partitions' backlog among them) answered (ms); NaN without kills. */
  recoveryMs: number;
  /** kill -9 of a NATS server → every request waiting at the kill answered (ms); NaN without it. */
  serverRecoveryMs: number;
  /** kill -9 of a NATS server → the lease bucket takes a write again (ms). */
  leaseWritableMs: number;
  /** kill -9 of a NATS server → the gateway receives its next answer (ms). */
  firstAnswerMs: number;
  /** After the server kill, the longest time with requests waiting and no answer arriving (ms). */
  stallMs: number;
  /** The killed server led the lease bucket when it was killed. */
  killedLeaseLeader: boolean;
  /** The killed server was the one the gateway was connected to. */
  killedGatewayServer: boolean;
  /** Times the gateway's NATS connection was re-established. */
  gatewayReconnects: number;
  checkpointBytesPerSymbol: number;
  /** Start of the servers → every partition owned (ms): worker processes load the CLI through tsx. */
  startupMs: number;
  latencyMs: { p50: number; p99: number };
  throughput: number;
}

const CLI = join(__dirname, '..', 'lib', 'cli.ts');

async function until(what: string, ms: number, ok: () => boolean | Promise<boolean>, pollMs = 50): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(pollMs);
  }
}

/** The default single-process engine over fixed batches of 32 requests. */
function reference(records: ReturnType<typeof generateStream>, symbols: number): Map<number, number[]> {
  const engine = new StreamEngine({ capacity: Math.max(64, symbols) });
  const out = new Map<number, number[]>();
  for (let i = 0; i < records.length; i += 32) {
    const r = engine.processBatch(groupBySymbol(records.slice(i, i + 32)));
    r.ids.forEach((id, k) => out.set(id, r.predictions[k]));
  }
  return out;
}

export async function runChaos(o: ChaosOptions = {}): Promise<ChaosResult> {
  const N = o.requests ?? 20000, S = o.symbols ?? 200, W = o.workers ?? 3, P = o.partitions ?? 6;
  const log = o.log ?? (() => undefined);
  const records = generateStream({ requests: N, symbols: S, seed: 7, meanDelayMs: ((o.seconds ?? 30) * 1000) / N });
  const expected = reference(records, S);
  const cluster = new LocalCluster({ partitions: P, log });
  const workers: ChildProcess[] = [];
  let gateway: ClusterGateway | undefined;
  let server: ReplayServer | undefined;
  let progress: NodeJS.Timeout | undefined;
  let stall: NodeJS.Timeout | undefined;
  let nc: Awaited<ReturnType<typeof connectCluster>> | undefined;
  const started = performance.now();
  try {
    await cluster.start();
    nc = await connectCluster(cluster.servers, 'hashmac-chaos');
    const h = await openCluster(nc, { partitions: P, leaseTtlMs: 3000 });
    const startWorker = (i: number) => {
      const args = ['--import', 'tsx', CLI, 'stream', 'worker', '--nats', cluster.servers.join(','), '--name', `w${i}`, '--capacity', String(Math.max(64, S)), '--checkpoint-every', '500', '--checkpoint-ms', '1000'];
      const p = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      p.stdout!.on('data', (d: Buffer) => log(d.toString().trimEnd()));
      p.stderr!.on('data', (d: Buffer) => log(`[w${i} stderr] ${d.toString().trimEnd()}`));
      workers[i] = p;
    };
    for (let i = 0; i < W; i++) startWorker(i);
    const owners = async () => {
      const held = new Set<string>();
      for await (const k of await h.leases.keys('p.*')) held.add(k);
      return held.size;
    };
    // (Each look at the keys creates a consumer on the servers: look twice a second, not 20 times.)
    await until('workers to hold every partition', 120_000, async () => (await owners()) === P, 500);
    const startupMs = performance.now() - started;
    await sleep(3000); // let the balancing settle (each worker ends with about P/W partitions)

    server = new ReplayServer(records, { port: 0, speed: 1, responseTimeoutMs: o.answerTimeoutMs ?? 150_000 });
    const port = await server.listen();
    // The gateway connects to the lease bucket's leader first: the server killed later.
    const leaseLeader = async () => Number((await h.jsm.streams.info(`KV_${LEASE_BUCKET}`)).cluster?.leader?.replace(/^hm/, '') ?? -1);
    const victim = Math.max(0, await leaseLeader());
    const servers = [cluster.servers[victim], ...cluster.servers.filter((_, i) => i !== victim)];
    gateway = new ClusterGateway({ servers, port, preferFirstServer: true, log });
    const t0 = performance.now();
    await gateway.start();
    const gw0 = gateway;
    progress = setInterval(() => log(`[progress] ${JSON.stringify(gw0.stats)}`), 2000);
    let takeoverMs = NaN, recoveryMs = NaN, serverRecoveryMs = NaN, leaseWritableMs = NaN, firstAnswerMs = NaN, stallMs = NaN, killedLeaseLeader = false, killedGatewayServer = false;
    if (o.kill !== false) {
      const gw = gateway;
      await until('40% answered', 120_000, () => gw.stats.answered >= 0.4 * N);
      const heldBy = async (name: string) => {
        const held: number[] = [];
        for (let p = 0; p < P; p++) if ((await h.leases.get(`p.${p}`))?.string() === name) held.push(p);
        return held;
      };
      const answered = (ids: number[]) => {
        const left = new Set(gw.waiting());
        return ids.every((id) => !left.has(id));
      };
      let recovered: Promise<void> = Promise.resolve();
      if (o.killWorker !== false) {
        const orphans = await heldBy('w0');
        const killedAt = performance.now();
        workers[0].kill('SIGKILL');
        log(`killed worker w0 (kill -9; it held partitions ${orphans.join(', ')}) after ${gw.stats.answered} answers`);
        // Recovery: the dead worker's partitions leased by others, then every request waiting at that
        // moment answered (its partitions' backlog among them).
        recovered = (async () => {
          await until('takeover of the dead worker\'s partitions', 120_000, async () => (await heldBy('w0').catch(() => [-1])).length === 0, 100);
          takeoverMs = performance.now() - killedAt;
          const waiting = gw.waiting();
          await until('recovery', 120_000, () => answered(waiting));
          recoveryMs = performance.now() - killedAt;
          log(`worker kill: partitions taken over after ${takeoverMs.toFixed(0)} ms, their backlog answered after ${recoveryMs.toFixed(0)} ms`);
        })();
        recovered.catch(() => undefined);  // awaited below; a failure before then must not go unhandled
      }
      await until('60% answered', 120_000, () => gw.stats.answered >= 0.6 * N);
      if (o.killServer !== false) {
        // LocalCluster names server i `hm<i>`.
        const target = Number(gw.server?.replace(/^hm/, '') ?? -1);
        const killed = target >= 0 ? target : victim;
        killedGatewayServer = target >= 0;
        killedLeaseLeader = (await leaseLeader()) === killed;
        const serverKilledAt = performance.now();
        const waitingAtServerKill = gw.waiting();
        const answeredAtKill = gw.stats.answered;
        cluster.kill(killed);
        log(`killed nats server ${killed} (kill -9; it led the lease bucket: ${killedLeaseLeader}; the gateway's server: ${target >= 0}) after ${gw.stats.answered} answers`);
        const since = () => performance.now() - serverKilledAt;
        // How long until the lease bucket takes a write again (this process's own connection fails over too).
        const writable = until('the lease bucket writable', 120_000, () => h.leases.put('chaos.probe', String(Date.now()), { timeout: 500 }).then(() => true, () => false), 100)
          .then(() => (leaseWritableMs = since()));
        writable.catch(() => undefined);  // awaited below
        void until('an answer after the server kill', 120_000, () => gw.stats.answered > answeredAtKill, 20).then(() => (firstAnswerMs = since()), () => undefined);
        // The longest stretch with requests waiting and no answer arriving, from the kill on.
        let lastAnswerAt = serverKilledAt, lastAnswered = answeredAtKill;
        stallMs = 0;
        stall = setInterval(() => {
          const now = performance.now();
          if (gw.stats.answered !== lastAnswered || gw.stats.answered >= gw.stats.requests) [lastAnswerAt, lastAnswered] = [now, gw.stats.answered];
          stallMs = Math.max(stallMs, now - lastAnswerAt);
        }, 20);
        const serverRecovered = until('recovery from the server kill', 120_000, () => answered(waitingAtServerKill)).then(
          () => (serverRecoveryMs = since()),
        );
        serverRecovered.catch(() => undefined);  // awaited below
        await sleep(2000);
        await cluster.restart(killed);
        log(`restarted nats server ${killed}`);
        await serverRecovered;
        await writable;
        log(`server kill: lease bucket writable after ${leaseWritableMs.toFixed(0)} ms, next answer after ${firstAnswerMs.toFixed(0)} ms, all earlier requests answered after ${serverRecoveryMs.toFixed(0)} ms`);
      }
      await recovered;
    }
    const summary = await server.done;
    clearInterval(stall);
    const seconds = (performance.now() - t0) / 1000;
    await sleep(1500); // any late duplicate would land in the responses stream by now
    const info = await h.jsm.streams.info(RESPONSE_STREAM);
    let maxDiff = 0;
    for (const [id, want] of expected) {
      const got = summary.predictions.get(id);
      if (!got) continue;
      want.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - got[j]))));
    }
    let bytes = 0, symbols = 0;
    for (let p = 0; p < P; p++) {
      const blob = await readCheckpoint(h, p);
      if (!blob) continue;
      bytes += blob.length;
      symbols += decodeCheckpoint(blob, `p${p}`).symbols.length;
    }
    await nc.drain();
    nc = undefined;
    return {
      requests: N,
      answeredOnce: summary.rejectedIds === 0 ? summary.responses : summary.responses - summary.rejectedIds,
      responsesInStream: info.state.messages,
      maxDiff,
      takeoverMs,
      recoveryMs,
      serverRecoveryMs,
      leaseWritableMs,
      firstAnswerMs,
      stallMs,
      killedLeaseLeader,
      killedGatewayServer,
      gatewayReconnects: gateway.stats.reconnects,
      checkpointBytesPerSymbol: symbols ? bytes / symbols : NaN,
      startupMs,
      latencyMs: { p50: summary.latencyMs.p50, p99: summary.latencyMs.p99 },
      throughput: N / seconds,
    };
  } finally {
    clearInterval(progress);
    clearInterval(stall);
    await gateway?.stop().catch(() => undefined);
    await server?.close().catch(() => undefined);
    await nc?.close().catch(() => undefined);
    for (const w of workers) if (w && w.exitCode === null) w.kill('SIGKILL');
    await cluster.stop();
  }
}

export function passed(r: ChaosResult): boolean {
  return r.answeredOnce === r.requests && r.responsesInStream === r.requests && r.maxDiff <= 1e-6;
}

if (require.main === module) {
  const arg = (name: string, d: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i < 0 ? d : Number(process.argv[i + 1]);
  };
  const verbose = process.argv.includes('--verbose');
  const t0 = performance.now();
  runChaos({
    requests: arg('requests', 20000),
    symbols: arg('symbols', 200),
    workers: arg('workers', 3),
    partitions: arg('partitions', 6),
    seconds: arg('seconds', 30),
    kill: !process.argv.includes('--no-kill'),
    killWorker: !process.argv.includes('--no-worker-kill'),
    killServer: !process.argv.includes('--no-server-kill'),
    log: verbose ? (l) => console.error(`${((performance.now() - t0) / 1000).toFixed(2)} ${l}`) : undefined,
  }).then(
    (r) => {
      console.log(`${r.requests} requests, ${r.answeredOnce} answered once, max diff ${r.maxDiff} vs single process`);
      console.log(`responses stream holds ${r.responsesInStream}; recovery after kill -9 of a worker ${r.recoveryMs.toFixed(0)} ms (takeover ${r.takeoverMs.toFixed(0)} ms), of a NATS server ${r.serverRecoveryMs.toFixed(0)} ms ` +
        `(it led the lease bucket: ${r.killedLeaseLeader}; lease bucket writable after ${r.leaseWritableMs.toFixed(0)} ms, next answer ${r.firstAnswerMs.toFixed(0)} ms, longest stall ${r.stallMs.toFixed(0)} ms; gateway reconnects ${r.gatewayReconnects}); ` +
        `checkpoint ${r.checkpointBytesPerSymbol.toFixed(0)} B/symbol; p50 ${r.latencyMs.p50.toFixed(1)} ms, p99 ${r.latencyMs.p99.toFixed(1)} ms; ${r.throughput.toFixed(0)} req/s offered+served`);
      process.exit(passed(r) ? 0 : 1);
    },
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
