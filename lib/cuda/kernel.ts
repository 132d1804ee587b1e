/** One CUDA kernel of the table: the plan's arguments, with device-resident arrays swapped in. */
import type { KernelImpl } from '../backend.js';
import { loadCuda, type CudaAddon } from './addon.js';
import { onDevice } from './device.js';

const addon = (): CudaAddon => loadCuda().addon!;

/** `name` runs on the GPU and waits; `nameAsync` resolves when the call's stream has finished. */
export function cudaKernel<P>(name: string, args: (plan: P) => unknown[]): KernelImpl<P> {
  return {
    run: (plan: P) => void addon()[name](...args(plan).map(onDevice)),
    runAsync: (plan: P) => addon()[`${name}Async`](...args(plan).map(onDevice)) as Promise<void>,
  };
}
