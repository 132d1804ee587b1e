/**
 * Turns a plan builder into the public sync and async function pair of a kernel. The builder validates
 * every argument and allocates outputs; only then does a backend run, so a rejected call has no effect.
 */
import { runKernel, runKernelAsync } from '../backend.js';
import type { BackendName } from '../backend-contract.js';

export interface Prepared<P, R> {
  plan: P;
  result: R;
  backend?: BackendName;
}

export function defineKernel<A extends unknown[], P, R>(
  kernel: string,
  prepare: (...args: A) => Prepared<P, R>,
): { sync: (...args: A) => R; async: (...args: A) => Promise<R> } {
  return {
    sync: (...args: A): R => {
      const { plan, result, backend } = prepare(...args);
      runKernel(kernel, plan, backend);
      return result;
    },
    async: async (...args: A): Promise<R> => {
      const { plan, result, backend } = prepare(...args);
      await runKernelAsync(kernel, plan, backend);
      return result;
    },
  };
}
