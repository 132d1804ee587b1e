/** Peers are optional packages: a missing or broken one is skipped with the reason, never an error. */
import { createRequire } from 'node:module';

const req = createRequire(__filename);
const cache = new Map<string, { mod?: any; error?: string }>();

/** How to get each peer a case names, for the "not installed" result (peers are never dependencies). */
export const PEER_INSTALL: Record<string, string> = {
  simsimd: 'npm install simsimd',
  'ort-matmul': 'npm install onnxruntime-node',
  'ort-matmul+sign': 'npm install onnxruntime-node',
  'pytorch-scaffold': 'Python 3 with torch at /usr/bin/python3 or $HASHMAC_PYTHON, and ../shared/fixtures/cifar10 beside the package',
};

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
