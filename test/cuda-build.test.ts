/**
 * The CUDA addon must keep compiling even though CI has no GPU: where nvcc is installed, this builds it
 * (one architecture, sm_90 machine code, to keep CI short; HASHMAC_SKIP_CUDA_BUILD=1 skips), checks the
 * compiler's per-kernel resource report, and loads the addon — which works without a driver and then
 * says why no device is usable.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cudaKernels } from '../lib/cuda/index.js';
import type { CudaKernelImpl } from '../lib/cuda/kernel.js';
import { parsePtxas } from '../scripts/ptxas-report.js';

function hasNvcc(): boolean {
  try {
    execFileSync('nvcc', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const ROOT = join(__dirname, '..');
const skip = process.env.HASHMAC_SKIP_CUDA_BUILD ? 'HASHMAC_SKIP_CUDA_BUILD is set' : !hasNvcc() ? 'nvcc not found' : false;

test('the CUDA addon compiles for sm_90, every kernel without spills, and loads without a GPU', { skip, timeout: 15 * 60_000 }, (t) => {
  // A directory of its own: parallel test runs (or other checkouts) must not build into each other's.
  const OUT = mkdtempSync(join(tmpdir(), 'hashmac-cuda-check-'));
  t.after(() => rmSync(OUT, { recursive: true, force: true }));
  const cmakeJs = join(ROOT, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
  // A fresh build: the compiler's report lists only what it compiles.
  const r = spawnSync(process.execPath, [cmakeJs, 'rebuild', '--out', OUT, '--CDHASHMAC_CUDA=ON', '--CDHASHMAC_CUDA_ARCHS=90-real'], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20,
  });
  const log = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, `the CUDA build failed:\n${log.slice(-4000)}`);

  const kernels = parsePtxas(log);
  const names = new Set(kernels.map((k) => k.kernel.replace(/<.*$/, '')));
  for (const k of ['sign_tiles_fp32_kernel', 'sign_tiles_tf32x3_kernel', 'hamming_popc_kernel', 'hamming_mma_kernel', 'hash_accumulate_kernel', 'selective_state_kernel',
    'causal_conv1d_kernel', 'rotary_kernel', 'retention_kernel', 'slstm_kernel', 'mlstm_kernel', 'rglru_kernel', 'block_linear_kernel',
    'quantize_kernel', 'noisy_dot_kernel', 'norm_kernel', 'activation_kernel']) {
    assert.ok(names.has(k), `${k} missing from the ptxas report`);
  }
  for (const k of kernels) {
    assert.equal(k.arch, 'sm_90', `${k.kernel}: compiled for ${k.arch}`);
    assert.ok(k.registers > 0 && k.registers <= 255, `${k.kernel}: ${k.registers} registers`);
  }
  // Only the accurate sincosf's rarely taken slow path (large arguments) may touch local memory.
  const spilling = kernels.filter((k) => k.spillStores > 0 && !/retention_kernel|rotary_kernel/.test(k.kernel));
  assert.deepEqual(spilling.map((k) => `${k.kernel}: ${k.spillStores} bytes`), []);

  const addon = createRequire(__filename)(join(OUT, 'Release', 'hashmac_cuda.node')) as Record<string, any>;
  assert.equal(typeof addon.deviceCount(), 'number');
  const report = addon.deviceInfo();
  assert.equal(typeof report.available, 'boolean');
  assert.ok(Array.isArray(report.devices));
  if (!report.available) assert.match(report.reason, /\S/);
  for (const [kernel, impl] of Object.entries(cudaKernels)) {
    const name = (impl as CudaKernelImpl<unknown>).addonFunction;
    assert.equal(typeof addon[name], 'function', `${kernel}: addon lacks ${name}`);
    assert.equal(typeof addon[`${name}Async`], 'function', `${kernel}: addon lacks ${name}Async`);
  }
});
