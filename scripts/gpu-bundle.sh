#!/usr/bin/env bash
# Builds the offline GPU check bundle (docs/CUDA.md, "Verifying on a GPU"): everything the check needs on a
# machine with no network, no npm and possibly no Node, in one folder that the device tool carries.
#   scripts/gpu-bundle.sh [dest]        (default: .gpu-bundle in the repository root, which git ignores)
# What it holds:
#   bootstrap.sh   the first step there: unpacks node, checks its glibc needs, unpacks app, runs the check
#   node.xz        this machine's node binary (xz -9)
#   glibc-need     the highest GLIBC_ symbol version that node and the addons need
#   app.tar.xz     hashmac/: dist/ (compiled JS, the CLI), lib/ test/ scripts/ (TypeScript, run through the
#                  bundled tsx: the test files are TypeScript and spawn `node --import tsx` children), the
#                  CPU addon (prebuilds/), the CUDA addon (sm_90 machine code + compute_90 PTX), production
#                  dependencies plus tsx and esbuild (nothing else: no typescript, no onnxruntime), and the
#                  fixtures that ../shared would give (golden cases, the CIFAR-10 ResNet-20 files)
#   MANIFEST       commit, sizes, contents
# HASHMAC_SHARED=<dir> points at the shared fixtures (default ../shared); NO_CIFAR=1 leaves the CIFAR files
# out; CIFAR_PROJECTIONS=1 adds the hashed configuration's 17 MB of projection matrices.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEST=${1:-$ROOT/.gpu-bundle}
SHARED=${HASHMAC_SHARED:-$ROOT/../shared}
CARRY_LIMIT=$((64 * 1024 * 1024)) # the device tool's limit on the working tree plus carried paths
CUDA_ARCHS='90-real;90-virtual'     # H100/H200: sm_90 machine code, compute_90 PTX for the driver to JIT
say() { printf '== %s\n' "$*"; }

say "dist/ (tsc)"
npm run --silent build:ts

say "CPU addon"
prebuild=prebuilds/linux-x64/hashmac.glibc.node
if [ ! -f "$prebuild" ] || [ -n "$(find native binding.gyp -newer "$prebuild" -print -quit)" ]; then
  npm run --silent build:addon
fi

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
APP=$STAGE/hashmac
mkdir -p "$APP/build-cuda/Release" "$APP/test" "$APP/fixtures"
CUDA_LOG=$APP/build-cuda/build.log

say "CUDA addon ($CUDA_ARCHS), full rebuild so the log holds every kernel's ptxas report"
if ! npx cmake-js rebuild --out build-cuda --CDHASHMAC_CUDA=ON "--CDHASHMAC_CUDA_ARCHS=$CUDA_ARCHS" >"$CUDA_LOG" 2>&1; then
  tail -40 "$CUDA_LOG"
  exit 1
fi
targets=$(grep -o "for 'sm_[0-9a-z]*'" "$CUDA_LOG" | sort -u | tr -d "'" | tr '\n' ' ')
[ "$targets" = "for sm_90 " ] || { echo "expected only sm_90 machine code, the log says: $targets"; exit 1; }

say "staging in $STAGE"
cp package.json tsconfig.json "$APP/"
cp -r dist lib scripts prebuilds "$APP/"
# Test sources and their fixtures; test/native (C++ harnesses for CI's sanitizer fuzz runs) stays behind.
find test -maxdepth 1 -type f -name '*.ts' -exec cp {} "$APP/test/" \;
for d in test/*/; do [ "$d" = test/native/ ] || cp -r "$d" "$APP/test/"; done
cp build-cuda/Release/hashmac_cuda.node "$APP/build-cuda/Release/"
node --import tsx scripts/ptxas-report.ts "$CUDA_LOG" >"$APP/build-cuda/ptxas.txt"

# Production dependencies and tsx, with everything each needs, found the way Node resolves them.
node - "$APP" <<'EOF'
const { existsSync, readFileSync, cpSync } = require('node:fs');
const { dirname, join, relative } = require('node:path');
const root = process.cwd(), app = process.argv[2];
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const seen = new Set();
function resolve(from, name) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === root || dir === dirname(dir)) return undefined;
  }
}
function add(from, name, optional) {
  const dir = resolve(from, name);
  if (!dir) { if (optional) return; throw new Error(`dependency ${name} (needed by ${from}) is not installed`); }
  if (seen.has(dir)) return;
  seen.add(dir);
  const p = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  for (const d of Object.keys(p.dependencies ?? {})) add(dir, d, false);
  for (const d of Object.keys(p.optionalDependencies ?? {})) add(dir, d, true);
}
for (const d of [...Object.keys(pkg.dependencies ?? {}), 'tsx']) add(root, d, false);
for (const dir of seen) cpSync(dir, join(app, relative(root, dir)), { recursive: true });
console.log(`${seen.size} packages: ${[...seen].map((d) => relative(join(root, 'node_modules'), d)).sort().join(' ')}`);
EOF

# The fixtures ../shared gives in CI: golden cases (SPEC's contract) and the CIFAR-10 ResNet-20 files.
cp -r "$SHARED/golden" "$APP/fixtures/golden"
if [ -z "${NO_CIFAR:-}" ] && [ -d "$SHARED/fixtures/cifar10" ]; then
  mkdir -p "$APP/fixtures/cifar10"
  cp "$SHARED/fixtures/cifar10/"*.th "$SHARED/fixtures/cifar10/"*dense-logits*.safetensors "$SHARED/fixtures/cifar10/README.md" "$APP/fixtures/cifar10/"
  # The CLI reads cifar10:<dir> as cifar-10-batches-bin: the first 500 test images are its test_batch.bin.
  cp "$SHARED/fixtures/cifar10/test_batch_first500.bin" "$APP/fixtures/cifar10/test_batch.bin"
  # The hashed configuration's projection matrices are 17 MB of random floats (xz cannot shrink them): by
  # default only its per-layer config travels, and the check draws seeded projections of the same shapes
  # (same work, cuda compared with native); CIFAR_PROJECTIONS=1 brings the matrices too.
  hashed=$(ls "$SHARED/fixtures/cifar10/"*hashed*.safetensors)
  node -e "const b = require('node:fs').readFileSync(process.argv[1]); const n = Number(b.readBigUInt64LE(0));
    process.stdout.write(JSON.parse(b.subarray(8, 8 + n).toString()).__metadata__.config)" "$hashed" >"$APP/fixtures/cifar10/hashed-config.json"
  [ -n "${CIFAR_PROJECTIONS:-}" ] && cp "$hashed" "$APP/fixtures/cifar10/"
fi
git rev-parse HEAD >"$APP/BUNDLE"

say "packing into $DEST"
# node.xz takes minutes to compress: kept from an earlier bundle when the binary is the same.
node_sum=$(sha256sum "$(command -v node)" | cut -d' ' -f1)
if [ -f "$DEST/node.xz" ] && [ "$(cat "$DEST/node.sha256" 2>/dev/null)" = "$node_sum" ]; then mv "$DEST/node.xz" "$STAGE/node.xz"
else xz -9 -T0 -c "$(command -v node)" >"$STAGE/node.xz"; fi
rm -rf "$DEST"
mkdir -p "$DEST"
mv "$STAGE/node.xz" "$DEST/node.xz"
echo "$node_sum" >"$DEST/node.sha256"
cp scripts/gpu-bootstrap.sh "$DEST/bootstrap.sh"
tar -C "$STAGE" -cf - hashmac | xz -9 -T0 >"$DEST/app.tar.xz"
# glibc: the highest GLIBC_x.y symbol version that node, the addons and esbuild ask for.
# objdump fails on static binaries (esbuild): those need nothing.
find "$(command -v node)" "$APP" -type f \( -name node -o -name '*.node' -o -name esbuild \) \
  -exec sh -c 'objdump -T "$1" 2>/dev/null || true' sh {} \; | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1 >"$DEST/glibc-need"

tree_bytes=$(git ls-files -z | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s}')
bundle_bytes=$(du -cb "$DEST" | tail -1 | cut -f1)
{
  echo "commit $(git rev-parse HEAD)$(git diff --quiet HEAD || echo ' (with uncommitted changes)')"
  echo "node $(node --version), glibc >= $(cat "$DEST/glibc-need")"
  echo "cuda addon: $targets+ compute_90 PTX, $(stat -c %s build-cuda/Release/hashmac_cuda.node) bytes"
  echo "bundle $bundle_bytes bytes; tracked files of this checkout $tree_bytes bytes; together $((bundle_bytes + tree_bytes)) of $CARRY_LIMIT"
  ls -l "$DEST" | tail -n +2
  echo "app.tar.xz unpacks to $(du -sb "$APP" | cut -f1) bytes:"
  (cd "$APP" && du -sb -- * node_modules/* | sort -rn | head -25)
} >"$DEST/MANIFEST"
cat "$DEST/MANIFEST"
if [ $((bundle_bytes + tree_bytes)) -gt $CARRY_LIMIT ]; then
  echo "too large for the device tool's carry limit (64 MiB with the working tree): leave out CIFAR_PROJECTIONS=1 or try NO_CIFAR=1"
  exit 1
fi
