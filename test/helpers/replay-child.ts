/**
 * A replay server in its own process (run with --expose-gc), so a test can attack it and read its
 * memory: sends {port} on start, answers 'rss' with {rss} after a GC, and 'sockets' with the number
 * of connections it holds. argv[2]: JSON ReplayOptions.
 */
import { generateStream } from '../../lib/stream/generate.js';
import { ReplayServer } from '../../lib/stream/replay-server.js';

const gc = (globalThis as { gc?: () => void }).gc!;
const opts = JSON.parse(process.argv[2] ?? '{}');
const server = new ReplayServer(generateStream({ requests: 10, symbols: 2, features: 3, seed: 1 }), { ...opts, log: () => {} });

server.listen().then((port) => {
  gc();
  process.send!({ port, rss: process.memoryUsage().rss });
});
process.on('message', (m: string) => {
  if (m === 'rss') {
    gc();
    gc();
    process.send!({ rss: process.memoryUsage().rss });
  } else if (m === 'sockets') {
    process.send!({ sockets: (server as unknown as { sockets: Set<unknown> }).sockets.size });
  } else if (m === 'exit') {
    server.close().then(() => process.exit(0));
  }
});
