/**
 * Loads the native CPU addon with node-gyp-build (a prebuild from prebuilds/ when one matches, else the
 * locally compiled build/Release). A missing or broken addon is not an error here: the backend
 * selection falls back to the JS reference and says why.
 */
import { createRequire } from 'node:module';
import { PACKAGE_ROOT } from '../package-root.js';

/** The functions the addon exports; each kernel family's native module adds its own entries. */
export type NativeAddon = Record<string, (...args: any[]) => any> & {
  version(): string;
  supportedIsas(): string[];
  getIsa(): string;
  setIsa(isa: string): void;
  getNumThreads(): number;
  setNumThreads(n: number): void;
  hardwareThreads(): number;
};

export { PACKAGE_ROOT };

let cached: { addon?: NativeAddon; error?: string } | undefined;

export function loadNative(): { addon?: NativeAddon; error?: string } {
  if (cached) return cached;
  try {
    const req = createRequire(__filename);
    const load = req('node-gyp-build') as (dir: string) => NativeAddon;
    const addon = load(PACKAGE_ROOT);
    applyEnvironment(addon);
    cached = { addon };
  } catch (e) {
    cached = { error: (e as Error).message.split('\n')[0] };
  }
  return cached;
}

/** HASHMAC_ISA forces a lower instruction set, HASHMAC_NUM_THREADS the thread count (checked here). */
function applyEnvironment(addon: NativeAddon): void {
  const isa = process.env.HASHMAC_ISA;
  if (isa) {
    if (!addon.supportedIsas().includes(isa)) {
      throw new RangeError(`HASHMAC_ISA=${isa}: expected one of ${addon.supportedIsas().join(', ')} (what this CPU supports)`);
    }
    addon.setIsa(isa);
  }
  const threads = process.env.HASHMAC_NUM_THREADS;
  if (threads) {
    const n = Number(threads);
    if (!Number.isInteger(n) || n < 1 || n > 1024) throw new RangeError(`HASHMAC_NUM_THREADS=${threads}: expected an integer in [1, 1024]`);
    addon.setNumThreads(n);
  }
}
