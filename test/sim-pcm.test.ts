/**
 * aihwkit's PCMLikeNoiseModel (lib/sim/pcm.ts) against its closed forms, and the noisy crossbar path with
 * device.noiseModel 'pcm' at t = 1 s, 1 h, 1 day and 1 year (deterministic: counter-RNG draws).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gaussian, rowKey, streamKey } from '../lib/counter-rng.js';
import { resolveConfig } from '../lib/sim/config.js';
import { conventionalLayer } from '../lib/sim/conventional.js';
import { programTile } from '../lib/sim/functional.js';
import { PCM, pcmConductanceUS, pcmDriftFactor, pcmDriftStats, pcmProgrammingSigmaUS, pcmReadSigma } from '../lib/sim/pcm.js';

const TIMES = { '1 s': 1, '1 h': 3600, '1 day': 86400, '1 year': 365 * 86400 } as const;
const close = (a: number, b: number, rel: number, what: string) => assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);

test('pcm: programming noise is the polynomial 0.26348 + 1.9650 g - 1.1731 g^2 µS (at gMax 25 µS), scaled with gMax', () => {
  assert.equal(pcmProgrammingSigmaUS(0, 25), 0.26348);
  close(pcmProgrammingSigmaUS(25, 25), 0.26348 + 1.965 - 1.1731, 1e-12, 'g = gMax');
  close(pcmProgrammingSigmaUS(12.5, 25), 0.26348 + 1.965 / 2 - 1.1731 / 4, 1e-12, 'g = gMax / 2');
  // A device of range 50 µS: the same relative curve, twice the µS.
  close(pcmProgrammingSigmaUS(25, 50), 2 * pcmProgrammingSigmaUS(12.5, 25), 1e-12, 'gMax scaling');
});

test('pcm: drift exponent mean and spread depend on log conductance, with the fitted clamps', () => {
  const at = (g: number) => pcmDriftStats(g * 25, 25);
  assert.deepEqual(at(1), { mean: 0.049, std: 0.008 }, 'full conductance: both at their lower clamps');
  const mid = at(Math.exp(-3));
  close(mid.mean, 0.0155 * 3 + 0.0244, 1e-12, 'mean at ln g = -3');
  close(mid.std, 0.0125 * 3 - 0.0059, 1e-12, 'std at ln g = -3');
  assert.deepEqual(at(0), { mean: 0.1, std: 0.045 }, 'g = 0 is clipped to 1e-7: both at their upper clamps');
});

test('pcm: drift G(t) = G0 ((t + t0) / t0)^-nu with t0 = 20 s, and the accumulated read noise grows with log time', () => {
  assert.equal(PCM.t0S, 20);
  assert.equal(pcmDriftFactor(0.05, 0), 1);
  for (const t of Object.values(TIMES)) {
    close(pcmDriftFactor(0.05, t), ((t + 20) / 20) ** -0.05, 1e-15, `drift at ${t} s`);
    // q_s = min(0.2, 0.0088 / max(1e-3, g^0.65)), times sqrt(ln((t + t0 + t_read) / (2 t_read))), t_read = 250 ns.
    for (const g of [0.01, 0.3, 1]) {
      const qs = Math.min(0.2, 0.0088 / Math.max(1e-3, g ** 0.65));
      close(pcmReadSigma(g * 25, 25, t), qs * Math.sqrt(Math.log((t + 20 + 250e-9) / 500e-9)), 1e-12, `read sigma g=${g} t=${t}`);
    }
  }
  assert.ok(pcmReadSigma(25, 25, TIMES['1 year']) > pcmReadSigma(25, 25, TIMES['1 h']));
  assert.equal(pcmReadSigma(0, 25, 1), 0.2 * Math.sqrt(Math.log((21 + 250e-9) / 500e-9)), 'q_s capped at 0.2');
});

test('pcm: one device chains programming, drift and read noise; zero draws give the mean-drift path', () => {
  const g = 20, t = TIMES['1 day'];
  const nu = pcmDriftStats(g, 25).mean;
  close(pcmConductanceUS(g, 25, t, { prog: 0, nu: 0, read: 0 }), g * ((t + 20) / 20) ** -nu, 1e-12, 'no noise');
  assert.equal(pcmConductanceUS(g, 25, 0, { prog: 0, nu: 0, read: 0 }), g, 't = 0: no drift');
  const gp = g + pcmProgrammingSigmaUS(g, 25);
  const expect = gp * ((t + 20) / 20) ** -nu * (1 + pcmReadSigma(gp, 25, t));
  close(pcmConductanceUS(g, 25, t, { prog: 1, nu: 0, read: 1 }), expect, 1e-12, 'one sigma of programming and read noise');
  assert.equal(pcmConductanceUS(0, 25, t, { prog: -5, nu: 0, read: 0 }), 0, 'conductances never go negative');
  // nu = |mu + sigma z|: a draw pushing it below zero reflects.
  const s = pcmDriftStats(g, 25);
  const z = -(2 * s.mean) / s.std;
  close(pcmConductanceUS(g, 25, t, { prog: 0, nu: z, read: 0 }), g * ((t + 20) / 20) ** -s.mean, 1e-9, 'reflected nu');
});

test('pcm: counter-RNG devices reproduce the model statistics (mean conductance at t vs quadrature)', () => {
  const key = streamKey(7, 1);
  const n = 20000, g = 15;
  const { mean, std } = pcmDriftStats(g, 25);
  for (const t of Object.values(TIMES)) {
    let sum = 0, sumProg = 0, sumProg2 = 0;
    for (let i = 0; i < n; i++) {
      const row = rowKey(key, i);
      const z = { prog: gaussian(row, 0), nu: gaussian(row, 1), read: gaussian(row, 2) };
      sum += pcmConductanceUS(g, 25, t, z);
      const p = pcmConductanceUS(g, 25, 0, { ...z, read: 0 }) - g;
      sumProg += p;
      sumProg2 += p * p;
    }
    // E[G(t)] = g E_z[((t + t0)/t0)^-|mu + sigma z|] (read noise has zero mean): midpoint rule over z.
    let expected = 0;
    for (let k = -4000; k < 4000; k++) {
      const z = (k + 0.5) / 500;
      expected += (Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI) / 500) * ((t + 20) / 20) ** -Math.abs(mean + std * z);
    }
    close(sum / n, g * expected, 5e-3, `mean G at t = ${t} s`);
    close(Math.sqrt(sumProg2 / n - (sumProg / n) ** 2), pcmProgrammingSigmaUS(g, 25), 0.02, 'programming-noise std');
  }
});

test('pcm: the noisy crossbar path at 1 s, 1 h, 1 day, 1 year (hashed tiles decay with drift; conventional compensated)', () => {
  const K = 32, len = 64;
  const proj = Float32Array.from({ length: K * len }, (_, i) => Math.sin(i * 1.7));
  const D = 64, N = 16, M = 8;
  const weight = Float32Array.from({ length: N * D }, (_, i) => Math.cos(i * 0.37));
  const x = Float32Array.from({ length: M * D }, (_, i) => Math.abs(Math.sin(i * 0.91)));
  let lastScale = Infinity, lastError = 0;
  for (const [label, t] of Object.entries(TIMES)) {
    const c = resolveConfig({ device: { noiseModel: 'pcm', driftTimeS: t }, readout: { comparatorOffset: 0 }, dac: { bits: 16 }, crossbar: { arrays: 1 } });
    const p = programTile(proj, K, len, c, 0, 0, 0);
    // The |effective weight| of the column's full-scale device decays with the mean drift of gMax devices.
    let peak = 0;
    for (let k = 0; k < K; k++) for (let r = 0; r < len; r++) if (Math.abs(proj[k * len + r]) > 0.999) peak = Math.max(peak, Math.abs(p.weights[k * len + r]));
    assert.ok(peak < lastScale, `${label}: drift lowers the conductances`);
    lastScale = peak;
    const conv = conventionalLayer({ x, M, D, weight, N }, c, 0);
    assert.ok(conv.outputError! > 0 && conv.outputError! < 0.5, `${label}: conventional error ${conv.outputError}`);
    lastError = Math.max(lastError, conv.outputError!);
  }
  const uncompensated = conventionalLayer({ x, M, D, weight, N }, resolveConfig({ device: { noiseModel: 'pcm', driftTimeS: TIMES['1 year'], driftCompensation: false } }), 0);
  assert.ok(uncompensated.outputError! > lastError, 'without global drift compensation a year of drift costs more');
});

test('pcm: the noise model is validated', () => {
  assert.throws(() => resolveConfig({ device: { noiseModel: 'rram' as 'pcm' } }), /config\.device\.noiseModel/);
  assert.equal(resolveConfig().device.noiseModel, 'simple');
});

test('pcm: a single-device (reference) encoding subtracts a mid-range reference drifting at the mean exponent', () => {
  const K = 64, len = 64;
  // Every weight is zero: each device sits at mid-range, the reference cancels it on average.
  const proj = new Float32Array(K * len);
  proj[0] = 1; // one non-zero entry so column 0 has a scale; the rest of column 0 and all other columns are zeros
  for (const t of [1, 86400, 365 * 86400]) {
    // 17 levels put a level at mid-range (with 16, zero quantises to 8/15 of the range).
    const c = resolveConfig({ device: { noiseModel: 'pcm', driftTimeS: t, differential: 'none', levels: 17 } });
    const p = programTile(proj, K, len, c, 0, 0, 0);
    let sum = 0;
    for (let k = 1; k < K; k++) for (let r = 0; r < len; r++) sum += p.weights[k * len + r];
    assert.ok(Math.abs(sum / ((K - 1) * len)) < 0.03, `t = ${t}: mean zero weight ${sum / ((K - 1) * len)}`);
  }
});
