/**
 * `hashmac stream worker|gateway|cluster`: the streaming engine on a NATS JetStream cluster
 * (docs/stream.md, "Cluster"). The single-process commands need none of this.
 */
import type { Command } from 'commander';
import { ClusterGateway } from '../stream/cluster/gateway.js';
import { LocalCluster } from '../stream/cluster/local.js';
import { connectCluster, openCluster } from '../stream/cluster/setup.js';
import { ClusterWorker } from '../stream/cluster/worker.js';
import { engineOptions, int, makeEngine, type EngineFlags } from './stream.js';

/** `--nats` takes one URL or a comma-separated list (a client fails over between them). */
function servers(v: string): string[] {
  const list = v.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const s of list) if (!/^(nats|tls):\/\/[^\s/]+$/.test(s)) throw new Error(`--nats: expected nats://host:port[,nats://…], got '${s}'`);
  if (list.length === 0) throw new Error('--nats: no server given');
  return list;
}

function untilSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) process.exit(1);
    stopping = true;
    void stop().then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export function registerStreamCluster(stream: Command): void {
  engineOptions(stream.command('worker'))
    .description('serve partitions of a NATS JetStream cluster (leases, checkpoints, takeover); the pool never evicts')
    .requiredOption('--nats <urls>', 'NATS server URL(s), comma-separated')
    .option('--name <name>', 'worker name (unique in the cluster)', `worker-${process.pid}`)
    .option('--checkpoint-every <n>', 'checkpoint a partition after this many requests', '1000')
    .option('--checkpoint-ms <ms>', '… or after this long', '5000')
    .action(async (f: EngineFlags & { nats: string; name: string; checkpointEvery: string; checkpointMs: string }) => {
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(f.name)) throw new Error(`--name: letters, digits, '_' and '-' only, got '${f.name}'`);
      const engine = makeEngine({ ...f, eviction: 'reject', capacity: f.capacity === '256' ? '1024' : f.capacity });
      const worker = new ClusterWorker({
        servers: servers(f.nats),
        name: f.name,
        engine,
        checkpointEvery: int('checkpoint-every', f.checkpointEvery, 1),
        checkpointMs: int('checkpoint-ms', f.checkpointMs, 1),
        log: (l) => console.log(l),
      });
      await worker.start();
      console.log(`worker ${f.name} started`);
      untilSignal(async () => {
        await worker.stop();
        console.log(`worker ${f.name}: ${JSON.stringify(worker.stats)}`);
      });
    });

  stream
    .command('gateway')
    .description('bridge a hackathon-protocol server and the cluster: publish its requests, return the answers')
    .requiredOption('--nats <urls>', 'NATS server URL(s), comma-separated')
    .option('--host <host>', 'hackathon server host', '127.0.0.1')
    .requiredOption('--port <port>', 'hackathon server port')
    .action(async (f: { nats: string; host: string; port: string }) => {
      const gw = new ClusterGateway({ servers: servers(f.nats), host: f.host, port: int('port', f.port, 1), log: (l) => console.log(l) });
      await gw.start();
      untilSignal(() => gw.stop());
      await gw.closed;
      console.log(`gateway: ${JSON.stringify(gw.stats)}`);
      process.exit(0);
    });

  stream
    .command('cluster')
    .description('a local NATS cluster for tests and demos: nats-server processes on 127.0.0.1, streams replicated on all')
    .option('--size <n>', 'servers', '3')
    .option('--partitions <n>', 'request partitions (fixed for the cluster)', '6')
    .option('--lease-ttl-ms <ms>', 'lease TTL: a partition whose lease is not renewed for this long may be taken over (fixed for the cluster)', '3000')
    .action(async (f: { size: string; partitions: string; leaseTtlMs: string }) => {
      const size = int('size', f.size, 1);
      const cluster = new LocalCluster({ size, partitions: int('partitions', f.partitions, 1) });
      await cluster.start();
      const nc = await connectCluster(cluster.servers, 'hashmac-setup');
      await openCluster(nc, { partitions: cluster.opts.partitions, replicas: Math.min(3, size), leaseTtlMs: int('lease-ttl-ms', f.leaseTtlMs, 100) });
      await nc.drain();
      console.log(`cluster up (${size} servers, ${cluster.opts.partitions} partitions, data in ${cluster.dir}); Ctrl-C stops it`);
      console.log(`--nats ${cluster.servers.join(',')}`);
      untilSignal(() => cluster.stop());
    });
}
