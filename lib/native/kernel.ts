/** One native kernel of the table: the plan's arguments passed to the CPU addon. */
import type { KernelImpl } from '../backend-contract.js';
import { loadNative, type NativeAddon } from './addon.js';

const addon = (): NativeAddon => loadNative().addon!;

/** `name` runs synchronously, `nameAsync` on the libuv pool. */
export function nativeKernel<P>(name: string, args: (plan: P) => unknown[]): KernelImpl<P> {
  return {
    run: (plan: P) => void addon()[name](...args(plan)),
    runAsync: (plan: P) => addon()[`${name}Async`](...args(plan)) as Promise<void>,
  };
}
