// Rewrites dist/**/*.d.ts so TypeScript before 5.7 reads them. TS 5.7 made the typed arrays generic over
// their buffer and prints inferred types as `Float32Array<ArrayBufferLike>`; older compilers reject that
// ("Type 'Float32Array' is not generic"). `ArrayBufferLike` is the default type argument, so dropping it
// means the same type to every compiler. Anything else generic-only that slips in fails
// scripts/readme-check.sh, which type-checks a consumer with the oldest supported TypeScript.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const TYPED = /\b((?:Float32|Float64|Int8|Int16|Int32|Uint8|Uint8Clamped|Uint16|Uint32|BigInt64|BigUint64)Array)<ArrayBufferLike>/g;
function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) walk(f);
    else if (e.name.endsWith('.d.ts')) {
      const text = fs.readFileSync(f, 'utf8');
      const fixed = text.replace(TYPED, '$1');
      if (fixed !== text) fs.writeFileSync(f, fixed);
    }
  }
}
walk(path.join(__dirname, '..', 'dist'));
