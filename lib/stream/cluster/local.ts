/**
 * A local NATS cluster for tests and demos: `size` nats-server processes on 127.0.0.1, clustered by
 * routes, each with JetStream on its own store folder under one temp dir, all carrying the request
 * partitioning mapping. `kill(i)` is a kill -9; `stop()` ends every server and removes the folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partitionMapping } from './names.js';

export interface LocalClusterOptions {
  size?: number;
  partitions: number;
  /** nats-server binary (default: `nats-server` on PATH). */
  binary?: string;
  log?: (line: string) => void;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = tcpConnect(port, '127.0.0.1', () => (s.end(), r(true)));
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nats-server did not open port ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export class LocalCluster {
  readonly dir: string;
  readonly clientPorts: number[] = [];
  private readonly routePorts: number[] = [];
  private readonly procs: (ChildProcess | undefined)[] = [];

  constructor(readonly opts: LocalClusterOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'hashmac-nats-'));
  }

  /** Client URLs of every server (clients take the list and fail over). */
  get servers(): string[] {
    return this.clientPorts.map((p) => `nats://127.0.0.1:${p}`);
  }

  private config(i: number): string {
    const [from, to] = Object.entries(partitionMapping(this.opts.partitions))[0];
    const routes = this.routePorts.filter((_, j) => j !== i).map((p) => `"nats-route://127.0.0.1:${p}"`);
    return [
      `server_name: hm${i}`,
      `listen: "127.0.0.1:${this.clientPorts[i]}"`,
      `jetstream { store_dir: "${join(this.dir, `n${i}`)}" }`,
      // A single server is not clustered: JetStream refuses a cluster block without routes.
      this.clientPorts.length > 1 ? `cluster { name: hashmac, listen: "127.0.0.1:${this.routePorts[i]}", routes: [${routes.join(', ')}] }` : '',
      `mappings { "${from}": "${to}" }`,
      '',
    ].join('\n');
  }

  async start(): Promise<void> {
    const n = this.opts.size ?? 3;
    for (let i = 0; i < n; i++) this.clientPorts.push(await freePort());
    for (let i = 0; i < n; i++) this.routePorts.push(await freePort());
    for (let i = 0; i < n; i++) this.launch(i);
    await Promise.all(this.clientPorts.map((p) => waitForPort(p, 15_000)));
  }

  private launch(i: number): void {
    const conf = join(this.dir, `n${i}.conf`);
    writeFileSync(conf, this.config(i));
    const proc = spawn(this.opts.binary ?? 'nats-server', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (d: Buffer) => this.opts.log?.(`[nats ${i}] ${d.toString().trimEnd()}`));
    proc.on('error', (e) => this.opts.log?.(`[nats ${i}] ${e.message}`));
    this.procs[i] = proc;
  }

  /** kill -9 of server i. */
  kill(i: number): void {
    this.procs[i]?.kill('SIGKILL');
    this.procs[i] = undefined;
  }

  /** Restarts a killed server i on its old ports and store (it catches up from its peers). */
  async restart(i: number): Promise<void> {
    this.launch(i);
    await waitForPort(this.clientPorts[i], 15_000);
  }

  async stop(): Promise<void> {
    const exits = this.procs.map((p) => (p && p.exitCode === null ? new Promise((r) => p.once('exit', r)) : Promise.resolve()));
    this.procs.forEach((p) => p?.kill('SIGTERM'));
    await Promise.race([Promise.all(exits), new Promise((r) => setTimeout(r, 5000))]);
    this.procs.forEach((p) => p?.kill('SIGKILL'));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
