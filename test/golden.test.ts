import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runGolden } from '../lib/golden/runner.js';
import { isBackendAvailable } from '../lib/backend.js';

const GOLDEN = join(__dirname, 'fixtures', 'golden');

test('every golden case passes on every available backend and ISA', async () => {
  const lines: string[] = [];
  const report = await runGolden({ dir: GOLDEN, log: (l) => lines.push(l) });
  assert.equal(report.failed, 0, lines.filter((l) => l.startsWith('FAIL')).join('\n'));
  assert.ok(report.passed > 0);
});

test('the native backend is built and covered by the golden run in CI', { skip: !process.env.CI && 'only enforced in CI' }, () => {
  assert.ok(isBackendAvailable('native'), 'CI builds the native addon; it must load');
});

test('LSH kernels are covered on js and native', async () => {
  const report = await runGolden({ dir: GOLDEN, filter: 'sign_project' });
  for (const c of report.cases) {
    assert.equal(c.status, 'passed');
    assert.ok('js' in c.variants);
  }
});
