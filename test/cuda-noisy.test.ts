/** noisySignProject on the CUDA backend equals the JS reference bit for bit (skips without a GPU). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { backendStatus, isBackendAvailable } from '../lib/backend.js';
import { noisySignProject } from '../lib/kernels/noisy.js';
import { noisyCase } from './noisy-cases.js';

const gpu = { skip: !isBackendAvailable('cuda') && backendStatus('cuda').reason };

test('noisySignProject on cuda equals the JS reference bit for bit (DAC levels, noise, offsets, zeros, tails)', gpu, () => {
  fc.assert(fc.property(noisyCase(300), ({ x, w, off, o }) => {
    assert.deepEqual(noisySignProject(x, w, off, { ...o, backend: 'cuda' }).data, noisySignProject(x, w, off, { ...o, backend: 'js' }).data);
  }), { numRuns: 30 });
});
