/**
 * Outputs of 16 MiB and more are written with non-temporal stores (native/kernels/step_driver.h). The
 * same rows run in small batches take the normal stores: outputs and pools must be bit-identical, on every
 * ISA, also when the caller's output does not start on a vector boundary.
 */
import { test } from 'node:test';
import { isBackendAvailable } from '../lib/backend.js';
import { rglruStep } from '../lib/kernels/hawk.js';
import { randomTensor, rng } from './helpers.js';
import { ROWS, rowsOf, slotsOf, streamedMatchesChunked } from './state-kernels.js';

test('rglruStep: streamed outputs equal normal stores', { skip: !isBackendAvailable('native') }, () => {
  const next = rng(8), W = 4096;
  const x = randomTensor(next, [ROWS, W]), gateX = randomTensor(next, [ROWS, W]), gateA = randomTensor(next, [ROWS, W]);
  const a = randomTensor(next, [W], 0.5, 1);
  streamedMatchesChunked(randomTensor(next, [ROWS, W]), W, (h, r0, n, out) => void rglruStep({
    h, x: rowsOf(x, r0, n), gateX: rowsOf(gateX, r0, n), gateA: rowsOf(gateA, r0, n), a, slots: slotsOf(r0, n), out, backend: 'native',
  }));
});
