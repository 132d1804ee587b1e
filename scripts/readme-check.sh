#!/usr/bin/env bash
# The package as a new user meets it: pack the tarball, install it into an empty project with no compiler
# on PATH, run every README code block against it (scripts/readme-blocks.cjs extracts them); then take the
# prebuild away so that `npm rebuild` has to compile, fails for want of a compiler, and must still succeed
# with one warning and the JS backend, and run the JavaScript blocks again on that.
# Needs `npm run build` first (dist/ and prebuilds/). About a minute and a half, most of it `hashmac learn`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hashmac-readme-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
say() { printf '\n== readme-check: %s\n' "$*"; }
fail() { printf 'readme-check: FAILED: %s\n' "$*" >&2; exit 1; }

[ -d "$ROOT/dist" ] && ls "$ROOT"/prebuilds/*/*.node >/dev/null 2>&1 || fail "run npm run build first (dist/ and prebuilds/)"

# A PATH without compilers or build tools: every command of the real PATH but these, linked into one dir.
NOCC="$WORK/bin"
mkdir -p "$NOCC"
IFS=: read -r -a dirs <<<"$PATH"
for d in "${dirs[@]}"; do
  for f in "$d"/*; do
    name=${f##*/}
    case "$name" in
      cc|c++|cpp|gcc*|g++*|clang*|*-gcc*|*-g++*|make|gmake|cmake|ninja|python*|nvcc) continue ;;
    esac
    [ -x "$f" ] && [ ! -e "$NOCC/$name" ] && ln -s "$f" "$NOCC/$name"
  done
done
for tool in cc c++ g++ gcc clang make python3 python; do
  PATH=$NOCC command -v "$tool" >/dev/null && fail "$tool is still on the stripped PATH"
done
unset CC CXX PYTHON npm_config_python

say "pack"
(cd "$ROOT" && npm pack --silent --ignore-scripts --pack-destination "$WORK" >/dev/null)
TGZ=$(ls "$WORK"/hashmac-*.tgz)
ls -l "$TGZ"

APP="$WORK/app"
mkdir -p "$APP/blocks"
cd "$APP"
echo '{ "name": "readme-app", "version": "1.0.0", "private": true }' >package.json
node "$ROOT/scripts/readme-blocks.cjs" "$ROOT/README.md" "$APP/blocks" | tee "$WORK/blocks.txt"

backend() { PATH=$NOCC node -e "process.stdout.write(require('hashmac').info().backend)" 2>/dev/null; }

run_blocks() {   # $1: which blocks (all | js)
  local f
  for f in "$APP"/blocks/block-*; do
    case "$f" in
      *.sh) [ "$1" = all ] || continue; say "README block ${f##*/}"; PATH=$NOCC bash -e "$f" >"$WORK/out.txt" 2>&1 || { cat "$WORK/out.txt"; fail "${f##*/}"; }; tail -3 "$WORK/out.txt" ;;
      *) say "README block ${f##*/}"; PATH=$NOCC node "$f" 2>&1 || fail "${f##*/}" ;;
    esac
  done
}

say "npm install the tarball, no compiler on PATH (a matching prebuild: native)"
PATH=$NOCC npm install --no-audit --no-fund --foreground-scripts "$TGZ" >"$WORK/install.log" 2>&1 || { cat "$WORK/install.log"; fail "npm install"; }
[ "$(backend)" = native ] || fail "backend after install: $(backend), expected native"
for doc in README.md docs/ARCHITECTURE.md docs/SPEC.md docs/models.md docs/simulator.md docs/stream.md docs/tools.md docs/CUDA.md; do
  [ -f "node_modules/hashmac/$doc" ] || fail "$doc is not in the package"
done
if find node_modules/hashmac/dist -name '*.map' | grep -q .; then fail "source maps in the package"; fi
run_blocks all

say "the shipped .d.ts with the oldest supported TypeScript (${TS_MIN:=4.7}) and strict library checks"
PATH=$NOCC npm install --no-audit --no-fund --no-save "typescript@$TS_MIN" "@types/node@20" >"$WORK/ts.log" 2>&1 || { cat "$WORK/ts.log"; fail "installing typescript@$TS_MIN"; }
cat >use.ts <<'TS'
import * as hashmac from 'hashmac';
import { signProject, tensor, hashLinear, encodeWeights, readSafetensors, stream, type Tensor, type PackedBits } from 'hashmac';
const x: Tensor = tensor(new Float32Array(4), [2, 2]);
const codes: PackedBits = signProject(x, x).codes;
export const rows: number = codes.rows;
export const api = [hashLinear, encodeWeights, readSafetensors, stream, hashmac.info];
TS
echo '{"compilerOptions":{"module":"nodenext","moduleResolution":"nodenext","strict":true,"noEmit":true,"skipLibCheck":false,"lib":["ES2022"],"types":["node"]},"files":["use.ts"]}' >tsconfig.json
PATH=$NOCC node node_modules/typescript/bin/tsc -p tsconfig.json || fail "the .d.ts do not type-check with TypeScript $TS_MIN"
echo "tsc $TS_MIN: ok"

say "no usable prebuild, no compiler: npm rebuild must succeed with one warning and the JS backend"
rm -rf node_modules/hashmac/prebuilds
PATH=$NOCC npm rebuild hashmac --foreground-scripts >"$WORK/rebuild.log" 2>&1 || { cat "$WORK/rebuild.log"; fail "npm rebuild without a compiler exited non-zero"; }
grep 'hashmac:' "$WORK/rebuild.log"
[ "$(grep -c 'hashmac: WARNING' "$WORK/rebuild.log")" = 1 ] || fail "expected exactly one install warning"
[ "$(backend)" = js ] || fail "backend after a failed compile: $(backend), expected js"
[ ! -e node_modules/hashmac/build ] || fail "a failed compile left node_modules/hashmac/build behind"
run_blocks js

say "passed: $(grep -c '^block' "$WORK/blocks.txt") blocks run, $(grep -c '^skip' "$WORK/blocks.txt") for a clone"
