/**
 * Device-resident data for the CUDA backend. `toDevice(array)` copies a typed array (a state pool
 * tensor, encoded weight codes, projections) into GPU memory once; from then on every `cuda` call that
 * is given that same array object reads and writes the GPU copy instead of copying it over PCIe, and the
 * host array is NOT updated: `fromDevice(array)` copies the GPU contents back, `releaseDevice(array)`
 * frees the GPU copy. Arrays placed with a `DeviceStream` run their calls on that stream (one stream per
 * handle, e.g. per model instance or per request stream); others share the default stream.
 */
import type { AnyArray } from '../tensor.js';
import { loadCuda, type CudaAddon, type DeviceBufferHandle } from './addon.js';

function addon(fn: string): CudaAddon {
  const c = loadCuda();
  if (!c.addon) throw new Error(`${fn}: CUDA unavailable: ${c.error}`);
  return c.addon;
}

/** A CUDA stream: calls on arrays placed with it are ordered on it and may overlap other streams. */
export class DeviceStream {
  /** @internal */
  readonly handle: object & { synchronize(): void };
  constructor() {
    this.handle = new (addon('DeviceStream').StreamHandle)();
  }
  /** Waits until every call enqueued on this stream has finished. */
  synchronize(): void {
    this.handle.synchronize();
  }
}

const resident = new WeakMap<AnyArray, DeviceBufferHandle>();

function checkView(fn: string, array: unknown): AnyArray {
  if (!(array instanceof Float32Array || array instanceof Int32Array || array instanceof Uint8Array)) {
    throw new TypeError(`${fn}: array: expected a Float32Array, Int32Array or Uint8Array`);
  }
  if (array.byteLength === 0) throw new RangeError(`${fn}: array: is empty`);
  return array;
}

/** Copies `array` to the GPU and makes it device-resident (idempotent: re-uploads if already resident). */
export function toDevice(array: AnyArray, options: { stream?: DeviceStream } = {}): void {
  const a = checkView('toDevice', array);
  const existing = resident.get(a);
  if (existing) {
    existing.upload(a);
    return;
  }
  const buf = new (addon('toDevice').DeviceBuffer)(a.byteLength, options.stream?.handle);
  buf.upload(a);
  resident.set(a, buf);
}

/** Copies the GPU contents of a resident array back into it. */
export function fromDevice(array: AnyArray): void {
  const buf = resident.get(checkView('fromDevice', array));
  if (!buf) throw new Error('fromDevice: array is not device-resident (toDevice it first)');
  buf.download(array);
}

/** Frees the GPU copy; the host array (as last downloaded) is authoritative again. */
export function releaseDevice(array: AnyArray): void {
  const buf = resident.get(checkView('releaseDevice', array));
  if (!buf) return;
  buf.free();
  resident.delete(array);
}

export function isDeviceResident(array: AnyArray): boolean {
  return resident.has(array);
}

/** A state pool or any set of tensors (float32 pools, int32 offsets, ...). */
export type DevicePool = Record<string, { readonly data: AnyArray }>;

/** Every tensor of a state pool to the GPU (one read and write per call stays on the device). */
export function poolToDevice(pool: DevicePool, options: { stream?: DeviceStream } = {}): void {
  for (const t of Object.values(pool)) toDevice(t.data, options);
}

export function poolFromDevice(pool: DevicePool): void {
  for (const t of Object.values(pool)) fromDevice(t.data);
}

/** The device buffer standing in for a kernel argument, or the argument itself. @internal */
export function onDevice(value: unknown): unknown {
  return ArrayBuffer.isView(value) ? resident.get(value as AnyArray) ?? value : value;
}

export type CudaHammingAlgo = 'popc' | 'mma';

/**
 * Which Hamming GEMM the CUDA backend runs: 'popc' (XOR + popcount on the CUDA cores, the default) or
 * 'mma' (b1 tensor cores; sm_90 only has the AND form, so dist = |a| + |b| - 2|a & b|). Also set by
 * HASHMAC_CUDA_HAMMING. scripts/gpu-check.sh times both.
 */
export function setCudaHammingAlgo(algo: CudaHammingAlgo): void {
  addon('setCudaHammingAlgo').setHammingAlgo(algo);
}

export function getCudaHammingAlgo(): CudaHammingAlgo {
  return addon('getCudaHammingAlgo').getHammingAlgo() as CudaHammingAlgo;
}

export type CudaSignPrecision = 'fp32' | 'tf32x3';

/**
 * The sign projection's arithmetic on the CUDA backend: 'fp32' (FMA on the CUDA cores, the default) or
 * 'tf32x3' (tensor cores with each operand split into two TF32 parts, near-FP32 accuracy; sm_80+). Plain
 * TF32 or BF16 are not offered: their rounding exceeds SPEC's 1e-4 margin around zero, so sign bits
 * would differ from the reference. Also set by HASHMAC_CUDA_SIGN. scripts/gpu-check.sh times both.
 */
export function setCudaSignPrecision(precision: CudaSignPrecision): void {
  addon('setCudaSignPrecision').setSignPrecision(precision);
}

export function getCudaSignPrecision(): CudaSignPrecision {
  return addon('getCudaSignPrecision').getSignPrecision() as CudaSignPrecision;
}
