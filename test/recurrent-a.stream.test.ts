/**
 * Outputs of 16 MiB and more are written with non-temporal stores (native/kernels/recurrent_a.cc). The
 * same rows run in small batches take the normal stores: outputs and pools must be bit-identical, on every
 * ISA, also when the caller's output does not start on a vector boundary.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBackendAvailable } from '../lib/backend.js';
import { causalConv1dUpdate, rglruStep } from '../lib/kernels/recurrent-a.js';
import type { Tensor } from '../lib/tensor.js';
import { forEachIsa, randomTensor, rng } from './helpers.js';

const ROWS = 1024, CHUNK = 128;  // ROWS x 4096 floats of output: 16 MiB

function sameBits(got: Float32Array, want: Float32Array, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}: element ${i} differs: ${got[i]} vs ${want[i]}`);
  }
}

/** Rows [r0, r0 + n) of a [rows, ...] tensor, as a view. */
function rowsOf(t: Tensor, r0: number, n: number): Tensor {
  const row = t.data.length / t.shape[0];
  return { data: (t.data as Float32Array).subarray(r0 * row, (r0 + n) * row), shape: [n, ...t.shape.slice(1)] };
}

/** Runs `call` once on all rows (streamed) and in chunks (not), on copies of the same pool. */
function streamedMatchesChunked(
  pool: Tensor, rowFloats: number, call: (pool: Tensor, r0: number, n: number, out: Float32Array) => void,
): void {
  forEachIsa((isa) => {
    for (const offset of [0, 1]) {
      const big = { data: new Float32Array(pool.data as Float32Array), shape: pool.shape };
      const out = new Float32Array(ROWS * rowFloats + 16).subarray(offset, offset + ROWS * rowFloats);
      call(big, 0, ROWS, out);
      const small = { data: new Float32Array(pool.data as Float32Array), shape: pool.shape };
      const want = new Float32Array(ROWS * rowFloats);
      for (let r0 = 0; r0 < ROWS; r0 += CHUNK) call(small, r0, CHUNK, want.subarray(r0 * rowFloats, (r0 + CHUNK) * rowFloats));
      sameBits(out, want, `${isa} offset ${offset}: out`);
      sameBits(big.data, small.data, `${isa} offset ${offset}: pool`);
    }
  });
}

const slotsOf = (r0: number, n: number) => Int32Array.from({ length: n }, (_, i) => r0 + i);

test('causalConv1dUpdate: streamed outputs equal normal stores', { skip: !isBackendAvailable('native') }, () => {
  const next = rng(7), C = 4096;
  const x = randomTensor(next, [ROWS, C]), weight = randomTensor(next, [C, 4]), bias = randomTensor(next, [C]);
  streamedMatchesChunked(randomTensor(next, [ROWS, C, 3]), C, (convState, r0, n, out) => void causalConv1dUpdate({
    convState, x: rowsOf(x, r0, n), weight, bias, activation: 'silu', slots: slotsOf(r0, n), out, backend: 'native',
  }));
});

test('rglruStep: streamed outputs equal normal stores', { skip: !isBackendAvailable('native') }, () => {
  const next = rng(8), W = 4096;
  const x = randomTensor(next, [ROWS, W]), gateX = randomTensor(next, [ROWS, W]), gateA = randomTensor(next, [ROWS, W]);
  const a = randomTensor(next, [W], 0.5, 1);
  streamedMatchesChunked(randomTensor(next, [ROWS, W]), W, (h, r0, n, out) => void rglruStep({
    h, x: rowsOf(x, r0, n), gateX: rowsOf(gateX, r0, n), gateA: rowsOf(gateA, r0, n), a, slots: slotsOf(r0, n), out, backend: 'native',
  }));
});
