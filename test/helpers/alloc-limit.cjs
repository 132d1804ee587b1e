// Run in a child under `ulimit -v` (plain JS: tsx's WebAssembly cannot start under an address-space
// limit). Loads the CPU addon and asks it for scratch memory that the limit refuses (an allocation
// failure in the kernel) and for more than the machine has (refused before allocating), sync and async.
// Prints one JSON line: what each call threw or rejected with.
'use strict';
const path = require('node:path');
const addon = require('node-gyp-build')(path.join(__dirname, '..', '..'));

// hashLinear with 1x1 tiles: the input's codes under every tile pair's projection need
// nI * nJ * B * 8 bytes of scratch (native/kernels/lsh.cc), far more than its arguments.
function plan(B) {
  const D = 64, N = 64, K = 64, nI = D, nJ = N;
  const small = B <= 100000;
  return {
    x: new Float32Array(small ? B * D : D), B, D, N, inputTileSize: 1, outputTileSize: 1, hashLength: K, estimator: 'angle', eps: 1e-6,
    proj: new Float32Array(nI * nJ * K), weightCodes: new Uint8Array(nI * N * 8), weightStride: 8, weightNorms: new Float32Array(nI * N),
    y: new Float32Array(small ? B * N : N),
  };
}

const describe = (e) => (e instanceof Error ? { type: e.constructor.name, message: e.message } : { type: 'none', message: String(e) });

async function main() {
  const out = {};
  const limited = plan(92000); // ~3 GB of scratch: beyond the address-space limit, within physical memory
  try { addon.hashLinear(limited); out.sync = { type: 'none' }; } catch (e) { out.sync = describe(e); }
  out.async = await addon.hashLinearAsync(plan(92000)).then(() => ({ type: 'none' }), describe);
  const absurd = plan(1e8); // terabytes: refused before anything is allocated
  try { addon.hashLinear(absurd); out.absurd = { type: 'none' }; } catch (e) { out.absurd = describe(e); }
  out.absurdAsync = await addon.hashLinearAsync(absurd).then(() => ({ type: 'none' }), describe);
  // The process is still usable: a small call still runs.
  const ok = plan(4);
  addon.hashLinear(ok);
  out.after = Number.isFinite(ok.y[0]);
  console.log(JSON.stringify(out));
}
main().catch((e) => { console.error(e); process.exit(1); });
