/**
 * Outputs of 16 MiB and more are written with non-temporal stores (native/kernels/step_driver.h). The
 * same rows run in small batches take the normal stores: outputs and pools must be bit-identical, on every
 * ISA, also when the caller's output does not start on a vector boundary.
 */
import { test } from 'node:test';
import { isBackendAvailable } from '../lib/backend.js';
import { causalConv1dUpdate } from '../lib/kernels/mamba2.js';
import { randomTensor, rng } from './helpers.js';
import { ROWS, rowsOf, slotsOf, streamedMatchesChunked } from './state-kernels.js';

test('causalConv1dUpdate: streamed outputs equal normal stores', { skip: !isBackendAvailable('native') }, () => {
  const next = rng(7), C = 4096;
  const x = randomTensor(next, [ROWS, C]), weight = randomTensor(next, [C, 4]), bias = randomTensor(next, [C]);
  streamedMatchesChunked(randomTensor(next, [ROWS, C, 3]), C, (convState, r0, n, out) => void causalConv1dUpdate({
    convState, x: rowsOf(x, r0, n), weight, bias, activation: 'silu', slots: slotsOf(r0, n), out, backend: 'native',
  }));
});
