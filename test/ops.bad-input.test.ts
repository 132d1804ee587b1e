import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isBackendAvailable } from '../lib/backend.js';
import { gelu, groupNorm, groupNormAsync, layerNorm, linear, linearAsync, relu, rmsNorm, silu, siluAsync } from '../lib/kernels/ops.js';
import { loadNative } from '../lib/native/addon.js';

const x23 = () => ({ data: new Float32Array(6).fill(1), shape: [2, 3] });
const w43 = () => ({ data: new Float32Array(12).fill(1), shape: [4, 3] });

/** Asserts `f` throws `Type` with a message containing every fragment. */
function rejects(f: () => unknown, Type: typeof TypeError | typeof RangeError, ...fragments: string[]): void {
  assert.throws(f, (e: Error) => {
    assert.ok(e instanceof Type, `expected ${Type.name}, got ${e.constructor.name}: ${e.message}`);
    for (const frag of fragments) assert.ok(e.message.includes(frag), `message "${e.message}" lacks "${frag}"`);
    return true;
  });
}

test('linear: bad x, weight, bias, out and options name the argument and the expected shape', () => {
  rejects(() => linear({ data: new Float64Array(6), shape: [2, 3] } as never, w43()), TypeError, 'linear: x', 'float32');
  rejects(() => linear({ data: new Float32Array(8), shape: [2, 4] }, w43()), RangeError, 'linear: x', 'expected shape [B, Din] = [2, 3]', 'got [2, 4]');
  rejects(() => linear({ data: new Float32Array(5), shape: [2, 3] }, w43()), RangeError, 'linear: x', 'needs 6 elements');
  rejects(() => linear({ data: new Float32Array(1), shape: [] }, w43()), RangeError, 'linear: x', 'rank >= 1');
  rejects(() => linear(new Float32Array(3) as never, w43()), TypeError, 'linear: x', 'tensor');
  rejects(() => linear(x23(), { data: new Float32Array(12), shape: [12] }), RangeError, 'linear: weight', '[Dout, Din]');
  rejects(() => linear(x23(), w43(), { bias: new Float32Array(3) }), RangeError, 'linear: options.bias', '[Dout] = [4]');
  rejects(() => linear(x23(), w43(), { bias: new Int32Array(4) as never }), TypeError, 'linear: options.bias', 'float32');
  rejects(() => linear(x23(), w43(), { out: new Float32Array(7) }), RangeError, 'linear: options.out', '[2, 4]', '8 elements');
  rejects(() => linear(x23(), w43(), { out: { data: new Float32Array(9), shape: [9] } }), RangeError, 'linear: options.out', '9 elements');
  rejects(() => linear(x23(), w43(), { out: { data: [1] } as never }), TypeError, 'linear: options.out.data');
  rejects(() => linear(x23(), w43(), 'fast' as never), TypeError, 'linear: options');
  rejects(() => linear(x23(), w43(), { backend: 'gpu' as never }), RangeError, 'options.backend');
});

test('linear: an output overlapping an input is rejected', () => {
  const buf = new Float32Array(20);
  const x = { data: buf.subarray(0, 6), shape: [2, 3] };
  rejects(() => linear(x, w43(), { out: buf.subarray(4, 12) }), RangeError, 'options.out overlaps input x');
  const w = w43();
  rejects(() => linear(x23(), { data: w.data, shape: [4, 3] }, { out: w.data.subarray(0, 8) }), RangeError, 'overlaps input weight');
});

test('a rejected call leaves the caller-provided output untouched', () => {
  const out = new Float32Array(8).fill(7);
  assert.throws(() => linear(x23(), w43(), { out, bias: new Float32Array(5) }));
  assert.deepEqual(Array.from(out), new Array(8).fill(7));
  const y = new Float32Array(6).fill(7);
  assert.throws(() => layerNorm(x23(), { eps: 1e-5, out: y, weight: new Float32Array(2) }));
  assert.deepEqual(Array.from(y), new Array(6).fill(7));
});

test('async variants reject (never throw synchronously) with the same errors', async () => {
  await assert.rejects(linearAsync(x23(), w43(), { bias: new Float32Array(3) }), (e: Error) => e instanceof RangeError && e.message.includes('options.bias'));
  await assert.rejects(groupNormAsync(x23(), { eps: 1e-5, groups: 2 }), (e: Error) => e instanceof RangeError && e.message.includes('options.groups'));
  await assert.rejects(siluAsync({ data: new Float32Array(2), shape: [3] }), (e: Error) => e instanceof RangeError && e.message.includes('silu: x'));
});

test('norms: options and eps are required; weight, bias, groups are checked', () => {
  rejects(() => rmsNorm(x23(), undefined as never), TypeError, 'rmsNorm: options', 'eps');
  rejects(() => rmsNorm(x23(), {} as never), TypeError, 'rmsNorm: options.eps');
  rejects(() => layerNorm(x23(), { eps: -1 }), RangeError, 'layerNorm: options.eps', '>= 0');
  rejects(() => layerNorm(x23(), { eps: NaN }), RangeError, 'layerNorm: options.eps');
  rejects(() => rmsNorm(x23(), { eps: 1e-5, weight: new Float32Array(2) }), RangeError, 'rmsNorm: options.weight', '[D] = [3]');
  rejects(() => rmsNorm(x23(), { eps: 1e-5, bias: new Float32Array(3) } as never), TypeError, 'rmsNorm: options.bias');
  rejects(() => layerNorm(x23(), { eps: 1e-5, bias: { data: new Float32Array(3), shape: [1, 3] } }), RangeError, 'layerNorm: options.bias');
  rejects(() => groupNorm(x23(), { eps: 1e-5 } as never), TypeError, 'groupNorm: options.groups');
  rejects(() => groupNorm(x23(), { eps: 1e-5, groups: 2 }), RangeError, 'groupNorm: options.groups', 'divisor', 'D = 3');
  rejects(() => groupNorm(x23(), { eps: 1e-5, groups: 0 }), RangeError, 'groupNorm: options.groups');
  rejects(() => layerNorm({ data: new Float32Array(6), shape: [2, 2] }, { eps: 1e-5 }), RangeError, 'layerNorm: x', 'needs 4 elements');
  const buf = new Float32Array(7);
  const x = { data: buf.subarray(0, 6), shape: [2, 3] };
  rejects(() => layerNorm(x, { eps: 1e-5, out: buf.subarray(1, 7) }), RangeError, 'options.out overlaps input x');
  const w = new Float32Array(6);
  rejects(() => layerNorm(x23(), { eps: 1e-5, weight: w.subarray(0, 3), out: w }), RangeError, 'options.out overlaps input weight');
  assert.equal(layerNorm(x, { eps: 1e-5, out: x }).data, x.data); // exactly in place is allowed
});

test('activations: bad x and out; partial overlap with x is rejected, exact aliasing is allowed', () => {
  for (const [name, f] of [['silu', silu], ['gelu', gelu], ['relu', relu]] as const) {
    rejects(() => f([1, 2] as never), TypeError, `${name}: x`);
    rejects(() => f({ data: new Int32Array(2), shape: [2] } as never), TypeError, `${name}: x`, 'float32');
    rejects(() => f(x23(), { out: new Float32Array(5) }), RangeError, `${name}: options.out`, '6 elements');
    const buf = new Float32Array(8);
    const x = { data: buf.subarray(0, 6), shape: [2, 3] };
    rejects(() => f(x, { out: buf.subarray(1, 7) }), RangeError, 'options.out overlaps input x');
    assert.equal(f(x, { out: x.data }).data, x.data);
    assert.equal(f(x.data).data.length, 6); // a bare Float32Array is a rank-1 tensor
  }
});

test('the addon re-checks buffer lengths when called directly', { skip: !isBackendAvailable('native') }, () => {
  const addon = loadNative().addon!;
  const f = (n: number) => new Float32Array(n);
  const lin = (x: unknown, weight: unknown, bias: unknown, y: unknown) => addon.linear({ x, weight, bias, y, M: 2, K: 3, N: 4 });
  rejects(() => lin(f(5), f(12), undefined, f(8)), RangeError, 'linear: x', 'needs 6');
  rejects(() => lin(f(6), f(11), undefined, f(8)), RangeError, 'linear: weight');
  rejects(() => lin(f(6), f(12), f(3), f(8)), RangeError, 'linear: bias');
  rejects(() => lin(f(6), f(12), undefined, f(7)), RangeError, 'linear: y');
  rejects(() => lin(f(6), f(12), undefined, new Int32Array(8)), TypeError, 'linear: y');
  rejects(() => addon.normRows({ x: f(6), y: f(6), rows: 2, D: 3, groups: 2, eps: 1e-5, center: true }), RangeError, 'groups');
  rejects(() => addon.normRows({ x: f(6), weight: f(2), y: f(6), rows: 2, D: 3, groups: 1, eps: 1e-5, center: true }), RangeError, 'weight');
  rejects(() => addon.activation({ x: f(6), y: f(5), n: 6, kind: 'silu' }), RangeError, 'activation: y');
  rejects(() => addon.activation({ x: f(6), y: f(6), n: 6, kind: 'tanh' }), RangeError, 'kind');
  rejects(() => addon.linear(f(6), f(12), null, f(8), 2, 3, 4), TypeError, 'linear', 'plan object');
});
