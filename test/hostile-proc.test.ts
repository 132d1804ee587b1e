/**
 * Saves killed by signals (issue 14): the file is old or whole, no temporary is left (SIGKILL's is
 * removed by the next save); and every failing CLI command exits non-zero in time, naming the option
 * or file.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { judge } from './hostile/attempts.js';
import { cleanScratch } from './hostile/file-attempts.js';
import { procAttempts } from './hostile/proc-attempts.js';

after(cleanScratch);

for (const a of procAttempts()) {
  test(`${a.category}: ${a.name}`, async () => {
    const { verdicts, detail } = await judge(a);
    assert.deepEqual(verdicts, ['refused'], detail);
  });
}
