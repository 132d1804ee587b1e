/**
 * Loads the CUDA addon (built by `npm run build:cuda` into build-cuda/). It is a separate binary from
 * the CPU addon so that the CPU addon and its prebuilds never depend on the CUDA runtime.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../native/addon.js';

export type CudaAddon = Record<string, (...args: any[]) => any>;

let cached: { addon?: CudaAddon; error?: string } | undefined;

export const CUDA_ADDON_PATH = join(PACKAGE_ROOT, 'build-cuda', 'Release', 'hashmac_cuda.node');

export function loadCuda(): { addon?: CudaAddon; error?: string } {
  if (cached) return cached;
  if (!existsSync(CUDA_ADDON_PATH)) {
    cached = { error: 'the CUDA addon is not built (npm run build:cuda, needs nvcc)' };
    return cached;
  }
  try {
    const addon = require(CUDA_ADDON_PATH) as CudaAddon;
    const devices = typeof addon.deviceCount === 'function' ? (addon.deviceCount() as number) : 0;
    cached = devices > 0 ? { addon } : { error: 'no CUDA device is present' };
  } catch (e) {
    cached = { error: `the CUDA addon did not load: ${(e as Error).message.split('\n')[0]}` };
  }
  return cached;
}
