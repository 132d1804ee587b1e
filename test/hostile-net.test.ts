/**
 * Hostile peers on loopback (issue 14): many connections, partial lines, peers that never read, idle
 * peers, non-finite features, escape sequences and an unreachable server, on the replay server (its RSS
 * measured in a child process, bounded) and on the `stream serve` client.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judge } from './hostile/attempts.js';
import { netAttempts } from './hostile/net-attempts.js';

for (const a of netAttempts()) {
  test(`${a.category}: ${a.name}`, async () => {
    const { verdicts, detail } = await judge(a);
    assert.deepEqual(verdicts, ['refused'], detail);
  });
}
