/** Runtime controls and introspection: ISA and thread count of the native backend, and `info()`. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendStatus, currentBackend, BACKENDS, type BackendName } from './backend.js';
import { loadCuda } from './cuda/addon.js';
import { loadNative, PACKAGE_ROOT } from './native/addon.js';
import { checkEnum, checkInt } from './validate.js';

export type Isa = 'scalar' | 'avx2' | 'avx512';
export const ISAS: readonly Isa[] = ['scalar', 'avx2', 'avx512'];

export const VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function native() {
  const n = loadNative();
  if (!n.addon) throw new Error(`the native backend is unavailable: ${n.error}`);
  return n.addon;
}

/** ISAs this CPU supports, lowest first (the native backend can be forced to any of them). */
export function supportedIsas(): Isa[] {
  return loadNative().addon ? (native().supportedIsas() as Isa[]) : [];
}

export function getIsa(): Isa {
  return native().getIsa() as Isa;
}

/** Forces the native kernels onto a lower (or the best) instruction set; throws if the CPU lacks it. */
export function setIsa(isa: Isa): void {
  native().setIsa(checkEnum('setIsa: isa', isa, ISAS));
}

export function getNumThreads(): number {
  return native().getNumThreads();
}

/** Threads the native kernels may use (default: all hardware threads). */
export function setNumThreads(n: number): void {
  native().setNumThreads(checkInt('setNumThreads: n', n, 1, 1024));
}

export interface Info {
  version: string;
  backend: BackendName;
  reason: string;
  backends: Record<BackendName, { available: boolean; reason: string }>;
  native?: { isa: Isa; supportedIsas: Isa[]; threads: number; hardwareThreads: number; addonVersion: string };
  cuda?: Record<string, unknown>;
}

/** What hashmac runs on here and why. */
export function info(): Info {
  const cur = currentBackend();
  const backends = Object.fromEntries(BACKENDS.map((b) => [b, backendStatus(b)])) as Info['backends'];
  const out: Info = { version: VERSION, backend: cur.name, reason: cur.reason, backends };
  const n = loadNative().addon;
  if (n) {
    out.native = {
      isa: n.getIsa() as Isa, supportedIsas: n.supportedIsas() as Isa[], threads: n.getNumThreads(),
      hardwareThreads: n.hardwareThreads(), addonVersion: n.version(),
    };
  }
  // The device report (name, SMs, memory, driver/runtime versions) or, when built, why none is usable.
  const c = loadCuda();
  if (c.report) out.cuda = { ...c.report };
  else if (c.error) out.cuda = { available: false, reason: c.error };
  return out;
}

