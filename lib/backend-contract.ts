/**
 * The backend contract: what a backend's kernel table is and what a kernel call may ask of it. A leaf
 * module (no imports), so the backend tables (lib/reference, lib/native, lib/cuda) and the kernels'
 * public functions depend on it without depending on the registry in lib/backend.ts, which imports them.
 */

export type BackendName = 'js' | 'native' | 'cuda';
export const BACKENDS: readonly BackendName[] = ['js', 'native', 'cuda'];

/** One kernel on one backend: it reads and writes the buffers of an already validated plan. */
export interface KernelImpl<P = any> {
  run(plan: P): void;
  /** Does the work off the JS thread; the plan's buffers stay referenced until it settles. */
  runAsync?(plan: P): Promise<void>;
}

/** A backend's kernels by API name (e.g. `selectiveStateUpdate`). */
export type KernelTable = Record<string, KernelImpl>;

export interface CallOptions {
  /** Run this call on a given backend instead of the selected one. */
  backend?: BackendName;
}
