/** Peers are optional packages: a missing or broken one is skipped with the reason, never an error. */
import { createRequire } from 'node:module';

const req = createRequire(__filename);
const cache = new Map<string, { mod?: any; error?: string }>();

export function optionalPeer(name: string): { mod?: any; error?: string } {
  let hit = cache.get(name);
  if (!hit) {
    try {
      hit = { mod: req(name) };
    } catch (e) {
      hit = { error: (e as Error).message.split('\n')[0] };
    }
    cache.set(name, hit);
  }
  return hit;
}
