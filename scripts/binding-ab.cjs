// A/B of the kernel bindings in one process: `node scripts/binding-ab.cjs <base checkout>` loads the
// base checkout's CPU addon (positional arguments, before the plan contract) and this checkout's (the
// plan object), and times the same kernel calls on the same buffers, alternating A and B rounds so
// machine load hits both alike. Prints the median time per call of each and their ratio. The kernels
// are the same code; what differs is the binding (reading a plan, copying slots).
'use strict';
const path = require('node:path');
const load = require('node-gyp-build');
const base = load(path.resolve(process.argv[2]));
const head = load(path.join(__dirname, '..'));

const f = (n) => Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
function ssu(pool, H, P, N, batch) {
  const p = {
    state: f(pool * H * P * N), x: f(batch * H * P), dt: f(batch * H).map(Math.abs), A: f(H).map((v) => -Math.abs(v)), B: f(batch * N), C: f(batch * N),
    slots: Int32Array.from({ length: batch }, (_, b) => b), out: new Float32Array(batch * H * P), poolSize: pool, heads: H, headDim: P, dState: N,
    groups: 1, batch, steps: 1, dtPerDim: false, aFull: false, dPerDim: false, biasPerDim: false, dtSoftplus: false,
  };
  return {
    a: () => base.selectiveStateUpdate(p.state, p.x, p.dt, p.A, p.B, p.C, null, null, null, p.slots, p.out, pool, H, P, N, 1, batch, 1, false, false, false, false, false),
    b: () => head.selectiveStateUpdate(p),
  };
}
function rglru(pool, W, batch) {
  const p = { h: f(pool * W), x: f(batch * W), gateX: f(batch * W), gateA: f(batch * W), a: f(W), slots: Int32Array.from({ length: batch }, (_, b) => b),
    out: new Float32Array(batch * W), poolSize: pool, width: W, batch, steps: 1, c: 8, aParam: 'direct' };
  return {
    a: () => base.rglruStep(p.h, p.x, p.gateX, p.gateA, p.a, null, p.slots, p.out, pool, W, batch, 1, 8, false),
    b: () => head.rglruStep(p),
  };
}
function hamming(M, N, bits) {
  const words = Math.ceil(bits / 64), p = { a: new Uint8Array(M * words * 8).fill(0x5a), b: new Uint8Array(N * words * 8).fill(0x3c), dist: new Int32Array(M * N),
    M, N, bits, strideA: words * 8, strideB: words * 8 };
  return { a: () => base.hammingGemm(p.a, p.b, p.dist, M, N, words, p.strideA, p.strideB), b: () => head.hammingGemm(p) };
}
const cases = [
  ['hammingGemm 1x1x64 (binding only)', hamming(1, 1, 64), 2000],
  ['selectiveStateUpdate pool4 H1 P4 N8 batch2', ssu(4, 1, 4, 8, 2), 2000],
  ['hammingGemm 512x512x1024', hamming(512, 512, 1024), 5],
  ['rglruStep W2048 slots512 T1', rglru(512, 2048, 512), 5],
  ['selectiveStateUpdate H64 P64 N128 slots64 T1', ssu(64, 64, 64, 128, 64), 3],
];
const median = (xs) => xs.slice().sort((x, y) => x - y)[xs.length >> 1];
function time(fn, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / 1e3 / n;  // µs per call
}
for (const [name, c, n] of cases) {
  c.a(); c.b();
  const A = [], B = [];
  for (let r = 0; r < 15; r++) { A.push(time(c.a, n)); B.push(time(c.b, n)); }
  const a = median(A), b = median(B);
  console.log(`${name.padEnd(46)} before ${a.toFixed(2).padStart(9)} µs  after ${b.toFixed(2).padStart(9)} µs  after/before ${(b / a).toFixed(3)}`);
}
