/**
 * One native kernel of the table: the validated plan object goes to the CPU addon as it is (the addon
 * reads its fields by name, native/binding/plans/*.h). `adapt` re-lays a plan where the kernel needs
 * another layout (hammingGemm's 64-bit rows).
 */
import type { KernelImpl } from '../backend-contract.js';
import { loadNative, type NativeAddon } from './addon.js';

const addon = (): NativeAddon => loadNative().addon!;

/** `name` runs synchronously, `nameAsync` on the libuv pool (bad plans reject its promise). */
export function nativeKernel<P extends object>(name: string, adapt: (plan: P) => object = (p) => p): KernelImpl<P> {
  return {
    run: (plan: P) => void addon()[name](adapt(plan)),
    runAsync: (plan: P) => addon()[`${name}Async`](adapt(plan)) as Promise<void>,
  };
}
