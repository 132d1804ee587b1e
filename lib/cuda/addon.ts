/**
 * Loads the CUDA addon (built by `npm run build:cuda` into build-cuda/). It is a separate binary from
 * the CPU addon so that the CPU addon and its prebuilds never depend on the CUDA runtime. The addon
 * links the CUDA runtime statically and loads without a driver; it then reports why no device is usable.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

export type CudaAddon = Record<string, (...args: any[]) => any> & {
  deviceCount(): number;
  deviceInfo(): CudaDeviceReport;
  DeviceBuffer: new (byteLength: number, stream?: object) => DeviceBufferHandle;
  StreamHandle: new () => { synchronize(): void };
};

export interface DeviceBufferHandle {
  readonly byteLength: number;
  upload(data: ArrayBufferView): void;
  download(data: ArrayBufferView): void;
  free(): void;
}

/** What the addon says about the devices: `reason` when none is usable. */
export interface CudaDeviceReport {
  available: boolean;
  reason?: string;
  runtimeVersion?: number;
  driverVersion?: number;
  devices: Array<{
    index: number; name: string; computeCapability: string; multiprocessors: number; memoryBytes: number;
    l2Bytes: number; clockKHz: number; memoryClockKHz: number; memoryBusBits: number; peakBandwidthGBs: number;
  }>;
}

export const CUDA_ADDON_PATH = join(PACKAGE_ROOT, 'build-cuda', 'Release', 'hashmac_cuda.node');

let cached: { addon?: CudaAddon; error?: string; report?: CudaDeviceReport } | undefined;

/** The addon when it loads and a device is present; otherwise why not (and the device report if built). */
export function loadCuda(): { addon?: CudaAddon; error?: string; report?: CudaDeviceReport } {
  if (cached) return cached;
  if (!existsSync(CUDA_ADDON_PATH)) {
    cached = { error: 'the CUDA addon is not built (npm run build:cuda, needs nvcc)' };
    return cached;
  }
  try {
    const addon = createRequire(__filename)(CUDA_ADDON_PATH) as CudaAddon;
    const report = addon.deviceInfo();
    cached = report.available ? { addon, report } : { error: report.reason ?? 'no CUDA device is present', report };
  } catch (e) {
    cached = { error: `the CUDA addon did not load: ${(e as Error).message.split('\n')[0]}` };
  }
  return cached;
}
