/**
 * AIMC simulator benchmarks. `cases` are harness cases of the noisySignProject kernel; run directly
 * (`node --import tsx bench/sim.ts`) it also measures the simulator's targets: the accounting of a whole
 * ResNet-20 (analytic + cycle model) and the functional noisy simulation on the 360 digits test images.
 */
import { getNumThreads } from '../../runtime.js';
import { noisySignProject } from '../../kernels/noisy.js';
import { resolveConfig } from '../../sim/config.js';
import { loadDigitsModel, loadDigitsTest } from '../../sim/digits.js';
import { crossbarForward } from '../../sim/forward.js';
import { resnet20Shapes } from '../../sim/shapes.js';
import { simulate } from '../../sim/simulate.js';
import type { BenchCase } from '../types.js';

function operands(M: number, D: number, K: number) {
  const rnd = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5);
  return { x: { data: rnd(M * D), shape: [M, D] }, w: { data: rnd(K * D), shape: [K, D] }, off: new Float32Array(K) };
}

/** One stage-1 tile of the digits ResNet-20 over the 360 test images: 23040 vectors x 64 rows x 256 columns. */
function noisyCase(M: number, D: number, K: number): BenchCase {
  return {
    name: `noisySignProject/${M}x${D}x${K}`,
    kernel: 'noisySignProject',
    work: { flops: 2 * M * D * K },
    limit: 'fma',
    setup: (backend) => {
      if (backend === 'cuda') return undefined;
      const { x, w, off } = operands(M, D, K);
      return () => void noisySignProject(x, w, off, { readNoise: 0.1, seed: 1, backend });
    },
    referenceSetup: () => {
      const m = 256;
      const { x, w, off } = operands(m, D, K);
      return { fn: () => void noisySignProject(x, w, off, { readNoise: 0.1, seed: 1, backend: 'js' }), work: { flops: 2 * m * D * K } };
    },
  };
}

export const cases: BenchCase[] = [noisyCase(23040, 64, 256), noisyCase(1440, 576, 1024)];

function median(fn: () => void, runs: number): number {
  const ts: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return ts.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

if (require.main === module) {
  const layers = resnet20Shapes();
  simulate(layers);
  console.log(`accounting, whole ResNet-20 (22 layers, both designs, cycle model): ${median(() => simulate(layers), 21).toFixed(2)} ms (median of 21)`);
  const { model } = loadDigitsModel();
  const { images: x } = loadDigitsTest();
  const config = resolveConfig();
  console.log(`threads ${getNumThreads()}`);
  const cpu0 = process.cpuUsage();
  const noisy = median(() => crossbarForward(model, x, config), 3);
  const cpu = process.cpuUsage(cpu0);
  console.log(`functional noisy simulation, hashed ResNet-20 on ${x.shape[0]} digits test images (noisy + clean codes per layer, native): ` +
    `${(noisy / 1000).toFixed(2)} s wall (median of 3), ${((cpu.user + cpu.system) / 3e6).toFixed(2)} s CPU per run (all threads)`);
}
