/** One CUDA kernel of the table: the plan's arguments, with device-resident arrays swapped in. */
import type { KernelImpl } from '../backend-contract.js';
import { loadCuda, type CudaAddon } from './addon.js';
import { onDevice } from './device.js';

const addon = (): CudaAddon => loadCuda().addon!;

export interface CudaKernelImpl<P> extends KernelImpl<P> {
  /** The addon function it calls (and `${addonFunction}Async`). */
  readonly addonFunction: string;
}

/** `name` runs on the GPU and waits; `nameAsync` resolves when the call's stream has finished. */
export function cudaKernel<P>(name: string, args: (plan: P) => unknown[]): CudaKernelImpl<P> {
  return {
    addonFunction: name,
    run: (plan: P) => void addon()[name](...args(plan).map(onDevice)),
    runAsync: (plan: P) => addon()[`${name}Async`](...args(plan).map(onDevice)) as Promise<void>,
  };
}
