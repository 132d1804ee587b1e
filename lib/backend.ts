/**
 * Backend selection. Every kernel has a JS reference implementation; `native` (CPU addon) and `cuda`
 * implement the same plans. Selection order: a call's `backend` option, else `setBackend()`, else the
 * HASHMAC_BACKEND environment variable, else automatic (native when it loads, js otherwise, with one
 * warning saying why).
 */
import { loadNative } from './native/addon.js';
import { loadCuda } from './cuda/addon.js';
import { jsKernels } from './reference/index.js';
import { nativeKernels } from './native/index.js';
import { cudaKernels } from './cuda/index.js';

import { BACKENDS, type BackendName, type KernelImpl, type KernelTable } from './backend-contract.js';

export { BACKENDS };
export type { BackendName, CallOptions, KernelImpl, KernelTable } from './backend-contract.js';

export interface Backend {
  readonly name: BackendName;
  readonly kernels: KernelTable;
}

function available(name: BackendName): { ok: boolean; why: string } {
  if (name === 'js') return { ok: true, why: 'the TypeScript reference is always available' };
  if (name === 'native') {
    const n = loadNative();
    return n.addon ? { ok: true, why: 'native addon loaded' } : { ok: false, why: `native addon did not load: ${n.error}` };
  }
  const c = loadCuda();
  return c.addon ? { ok: true, why: 'CUDA addon loaded and a device is present' } : { ok: false, why: `CUDA unavailable: ${c.error}` };
}

const tables: Record<BackendName, () => KernelTable> = {
  js: () => jsKernels,
  native: () => nativeKernels,
  cuda: () => cudaKernels,
};

let selected: { name: BackendName; reason: string; explicit: boolean } | undefined;
let warned = false;

function parseBackend(source: string, value: string): BackendName {
  if (!(BACKENDS as readonly string[]).includes(value)) {
    throw new RangeError(`${source}: expected one of ${BACKENDS.join(', ')}, got '${value}'`);
  }
  return value as BackendName;
}

function select(): { name: BackendName; reason: string; explicit: boolean } {
  if (selected) return selected;
  const env = process.env.HASHMAC_BACKEND;
  if (env) {
    const name = parseBackend('HASHMAC_BACKEND', env);
    const a = available(name);
    if (!a.ok) throw new Error(`HASHMAC_BACKEND=${name}, but ${a.why}`);
    selected = { name, reason: 'HASHMAC_BACKEND', explicit: true };
  } else {
    const native = available('native');
    if (native.ok) {
      selected = { name: 'native', reason: 'automatic: native addon loaded', explicit: false };
    } else {
      selected = { name: 'js', reason: `automatic: ${native.why}`, explicit: false };
      if (!warned) {
        warned = true;
        process.emitWarning(`hashmac is using the slow JS reference backend (${native.why}). Run \`npm rebuild hashmac\` to build the native addon.`, 'HashmacBackendWarning');
      }
    }
  }
  return selected;
}

/** Selects the backend for every later call that does not name one. */
export function setBackend(name: BackendName): void {
  const n = parseBackend('setBackend: name', name);
  const a = available(n);
  if (!a.ok) throw new Error(`setBackend('${n}'): ${a.why}`);
  selected = { name: n, reason: 'setBackend()', explicit: true };
}

export function currentBackend(): { name: BackendName; reason: string } {
  const s = select();
  return { name: s.name, reason: s.reason };
}

export function isBackendAvailable(name: BackendName): boolean {
  return available(name).ok;
}

export function backendStatus(name: BackendName): { available: boolean; reason: string } {
  const a = available(name);
  return { available: a.ok, reason: a.why };
}

/** The backends that load here and implement `kernel`. */
export function backendsFor(kernel: string): BackendName[] {
  return BACKENDS.filter((b) => available(b).ok && kernel in tables[b]());
}

function resolve(kernel: string, requested?: BackendName): KernelImpl {
  let name: BackendName;
  let explicit: boolean;
  if (requested !== undefined) {
    name = parseBackend('options.backend', requested);
    const a = available(name);
    if (!a.ok) throw new Error(`${kernel}: backend '${name}' requested, but ${a.why}`);
    explicit = true;
  } else {
    const s = select();
    name = s.name;
    explicit = s.explicit;
  }
  const impl = tables[name]()[kernel];
  if (impl) return impl;
  if (explicit) throw new Error(`${kernel}: not implemented on backend '${name}'`);
  return jsKernels[kernel];
}

export function runKernel<P>(kernel: string, plan: P, backend?: BackendName): void {
  resolve(kernel, backend).run(plan);
}

export async function runKernelAsync<P>(kernel: string, plan: P, backend?: BackendName): Promise<void> {
  const impl = resolve(kernel, backend);
  if (impl.runAsync) return impl.runAsync(plan);
  await new Promise((r) => setImmediate(r));
  impl.run(plan);
}
