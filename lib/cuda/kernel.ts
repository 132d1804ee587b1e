/**
 * One CUDA kernel of the table: the validated plan object goes to the CUDA addon with device-resident
 * arrays swapped in (the addon reads its fields by name with the same readers as the CPU addon,
 * native/binding/plans/*.h). `adapt` re-lays a plan where the kernel needs another layout.
 */
import type { KernelImpl } from '../backend-contract.js';
import { loadCuda, type CudaAddon } from './addon.js';
import { onDevice } from './device.js';

const addon = (): CudaAddon => loadCuda().addon!;

export interface CudaKernelImpl<P> extends KernelImpl<P> {
  /** The addon function it calls (and `${addonFunction}Async`). */
  readonly addonFunction: string;
}

const resident = (plan: object): object => Object.fromEntries(Object.entries(plan).map(([k, v]) => [k, onDevice(v)]));

/** `name` runs on the GPU and waits; `nameAsync` resolves when the call's stream has finished. */
export function cudaKernel<P extends object>(name: string, adapt: (plan: P) => object = (p) => p): CudaKernelImpl<P> {
  return {
    addonFunction: name,
    run: (plan: P) => void addon()[name](resident(adapt(plan))),
    runAsync: (plan: P) => addon()[`${name}Async`](resident(adapt(plan))) as Promise<void>,
  };
}
