/**
 * Random cases and checks shared by the tests of the state kernels with one pool tensor (mamba2, hawk):
 * fast-check draws the shapes and a seed, the seed fills the tensors; each builder returns a function
 * making fresh args (with their own copy of the pool), so one case can run on several backends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isBackendAvailable, type BackendName } from '../lib/backend.js';
import { runGolden } from '../lib/golden/runner.js';
import { supportedIsas } from '../lib/runtime.js';
import type { AnyArray, Tensor } from '../lib/tensor.js';
import { compiledBackends, firstMismatch, forEachIsa } from './helpers.js';

export const hasNative = isBackendAvailable('native');
export const BACKENDS: BackendName[] = hasNative ? ['js', 'native'] : ['js'];
export const RUNS = Number(process.env.STATE_KERNEL_RUNS ?? 40);

/** The values an arbitrary draws. */
export type Drawn<A> = A extends fc.Arbitrary<infer R> ? R : never;

export const copy = <T extends Tensor<any>>(t: T): T => ({ ...t, data: t.data.slice() });

/** The shape of x's leading axes: [B] for a single step (when allowed), else [B, T]. */
export const lead = (batch: number, steps: number, timeAxis: boolean) => (timeAxis || steps > 1 ? [batch, steps] : [batch]);

export interface Case<A> {
  /** Fresh args, each call with its own copy of the pool. */
  make(): A;
  /** Pool rows the call may change (named by a non-negative slot). */
  touched: Set<number>;
  steps: number;
  timeAxis: boolean;
}

export function finish<A>(make: () => A, slots: Int32Array, steps: number, timeAxis: boolean): Case<A> {
  return { make, touched: new Set([...slots].filter((s) => s >= 0)), steps, timeAxis };
}

/** The first value violating |got - want| <= atol + rtol*|want|, or undefined when all pass. */
export function closeTo(got: Float32Array, want: Float32Array, atol = 1e-4, rtol = 1e-3): string | undefined {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  const i = firstMismatch(got, want, atol, rtol);
  return i < 0 ? undefined : `at ${i}: got ${got[i]}, want ${want[i]}`;
}

/** Every element bit-identical (NaN payloads and signed zeros included). */
export function sameBits(got: AnyArray, want: AnyArray, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) assert.fail(`${what}: element ${i} differs: ${got[i]} vs ${want[i]}`);
  }
}

/** The golden cases of each kernel (SPEC snake_case names) pass on js and every native ISA. */
export function goldenCases(dir: string, kernels: readonly string[]): void {
  for (const kernel of kernels) {
    test(`golden: ${kernel} passes on js and every native ISA`, async () => {
      const report = await runGolden({ dir, filter: `${kernel}.` });
      assert.ok(report.cases.length > 0);
      for (const c of report.cases) {
        assert.equal(c.status, 'passed', `${c.file}: ${JSON.stringify(c.variants)}`);
        assert.ok('js' in c.variants);
        if (hasNative) for (const isa of supportedIsas()) assert.equal(c.variants[`native/${isa}`], 'ok');
      }
    });
  }
}

export interface StateKernel<A> {
  name: string;
  run(args: A, backend: BackendName): Tensor;
  pool(args: A): Tensor;
  /** Inputs with a time axis, sliced per step by the multi-step test. */
  stepInputs: readonly string[];
}

/**
 * Each compiled backend (native on every ISA, cuda) against the JS reference: outputs and named pool rows
 * close, rows not named by a slot bit-identical, padding rows zero.
 */
export function differential<S>(k: StateKernel<any>, shape: fc.Arbitrary<S>, build: (s: S) => Case<any>): void {
  for (const compiled of compiledBackends(RUNS)) {
    test(`${k.name}: ${compiled.backend} matches the JS reference (random shapes, tails, T > 1, padding)`, { skip: compiled.skip }, () => {
      fc.assert(fc.property(shape, (s) => {
        const c = build(s);
        const ref = c.make();
        const refOut = k.run(ref, 'js');
        const batch = refOut.shape[0], perRow = refOut.data.length / batch;
        const slots: Int32Array = ref.slots;
        compiled.forEachVariant((variant) => {
          const args = c.make();
          const pool = k.pool(args), before = pool.data.slice();
          const out = k.run(args, compiled.backend);
          assert.deepEqual(out.shape, refOut.shape);
          const e1 = closeTo(out.data, refOut.data);
          assert.equal(e1, undefined, `${variant} output ${e1}`);
          const e2 = closeTo(pool.data, k.pool(ref).data);
          assert.equal(e2, undefined, `${variant} state ${e2}`);
          const rowSize = pool.data.length / pool.shape[0];
          for (let r = 0; r < pool.shape[0]; r++) {
            if (!c.touched.has(r)) sameBits(pool.data.subarray(r * rowSize, (r + 1) * rowSize), before.subarray(r * rowSize, (r + 1) * rowSize), `${variant} unused pool row ${r}`);
          }
          for (let b = 0; b < batch; b++) {
            if (slots[b] < 0) assert.ok(out.data.subarray(b * perRow, (b + 1) * perRow).every((v) => v === 0), `${variant} padding row ${b} output`);
          }
        });
      }), { numRuns: compiled.runs });
    });
  }
}

/** Step t of a [B, T, ...] tensor as a [B, ...] tensor. */
export function stepOf<T extends AnyArray>(t: Tensor<T>, step: number): Tensor<T> {
  const [B, T, ...rest] = t.shape;
  const inner = rest.reduce((p, d) => p * d, 1);
  const data = new (t.data.constructor as new (n: number) => T)(B * inner);
  for (let b = 0; b < B; b++) data.set(t.data.subarray((b * T + step) * inner, (b * T + step + 1) * inner), b * inner);
  return { data, shape: [B, ...rest] };
}

export function multiStep<S>(k: StateKernel<any>, shape: fc.Arbitrary<S>, build: (s: S) => Case<any>): void {
  for (const backend of BACKENDS) {
    test(`${k.name} (${backend}): one call with T steps equals T single-step calls`, () => {
      fc.assert(fc.property(shape, (s) => {
        const c = build({ ...s, timeAxis: true });
        const whole = c.make();
        const out = k.run(whole, backend);
        const stepwise = c.make();
        const perStep = out.data.length / (out.shape[0] * c.steps);
        for (let t = 0; t < c.steps; t++) {
          const args = { ...stepwise };
          for (const name of k.stepInputs) if (args[name]) args[name] = stepOf(args[name], t);
          const y = k.run(args, backend);
          for (let b = 0; b < out.shape[0]; b++) {
            sameBits(y.data.subarray(b * perStep, (b + 1) * perStep), out.data.subarray((b * c.steps + t) * perStep, (b * c.steps + t + 1) * perStep), `step ${t} row ${b}`);
          }
        }
        sameBits(k.pool(stepwise).data, k.pool(whole).data, 'state');
      }), { numRuns: Math.ceil(RUNS / 2) });
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// Outputs of 16 MiB and more are written with non-temporal stores (native/kernels/step_driver.h); the same
// rows run in small batches take the normal stores, and both must give the same bits.

export const ROWS = 1024, CHUNK = 128;  // ROWS x 4096 floats of output: 16 MiB

/** Rows [r0, r0 + n) of a [rows, ...] tensor, as a view. */
export function rowsOf(t: Tensor, r0: number, n: number): Tensor {
  const row = t.data.length / t.shape[0];
  return { data: (t.data as Float32Array).subarray(r0 * row, (r0 + n) * row), shape: [n, ...t.shape.slice(1)] };
}

/** Runs `call` once on all rows (streamed) and in chunks (not), on copies of the same pool. */
export function streamedMatchesChunked(
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

export const slotsOf = (r0: number, n: number) => Int32Array.from({ length: n }, (_, i) => r0 + i);
