#!/usr/bin/env bash
# Verifies the CUDA backend on a GPU machine in one call: build, golden cases, differential tests (cuda
# vs js, and vs the native CPU addon), compute-sanitizer (memcheck, racecheck, initcheck, synccheck),
# then timings (CUDA events, warm-up, medians, pools larger than L2) against measured limits and the
# native backend, and the latency of one Mamba2 step at batch 1.
#   scripts/gpu-check.sh            (logs and bench.json go to $OUT, default ./gpu-check-out)
#   SKIP_BENCH=1 / SKIP_SANITIZER=1 skip those parts.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-check-out}
mkdir -p "$OUT"
failed=()
step() { printf '\n== %s\n' "$*"; }
check() { # check <label> <command...>: runs it, records a failure without stopping
  local label=$1; shift
  if "$@"; then echo "-- $label: ok"; else echo "-- $label: FAILED"; failed+=("$label"); fi
}

step "device"
nvidia-smi || echo "nvidia-smi not found"
SANITIZER=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)

step "install and build"
[ -d node_modules ] || npm ci || exit 1
[ -f build/Release/hashmac.node ] || npm run build:native || exit 1
if ! npm run build:cuda >"$OUT/build-cuda.log" 2>&1; then tail -50 "$OUT/build-cuda.log"; echo "CUDA build failed"; exit 1; fi
node --import tsx scripts/ptxas-report.ts "$OUT/build-cuda.log" | tee "$OUT/ptxas.txt"
# Tensor-core instructions in the sm_90 machine code (HMMA: 3xTF32 sign projection; BMMA/IMMA: b1 Hamming).
CUOBJDUMP=$(command -v cuobjdump || echo /usr/local/cuda/bin/cuobjdump)
[ -x "$CUOBJDUMP" ] && "$CUOBJDUMP" -sass -arch sm_90 build-cuda/Release/hashmac_cuda.node 2>/dev/null \
  | grep -oE '(HMMA|BMMA|IMMA|HGMMA)[.A-Z0-9]*' | sort | uniq -c | tee "$OUT/mma-sass.txt"
node --import tsx lib/cli.ts info | tee "$OUT/info.txt"

step "golden cases on js and cuda"
check golden node --import tsx lib/cli.ts golden --backend js,cuda

step "differential tests (cuda vs js; every test file includes its cuda cases when a device is present)"
check tests env HASHMAC_SKIP_CUDA_BUILD=1 node --import tsx --test test/*.test.ts
check "cuda vs native" node --import tsx scripts/gpu-sanitize.ts

if [ -z "${SKIP_SANITIZER:-}" ]; then
  step "compute-sanitizer"
  for tool in memcheck racecheck initcheck synccheck; do
    extra=()
    [ "$tool" = memcheck ] && extra=(--leak-check full)
    check "sanitizer $tool" "$SANITIZER" --tool "$tool" "${extra[@]}" --error-exitcode 1 node --import tsx scripts/gpu-sanitize.ts
  done
  # The property tests too (in-process: running the file directly avoids the runner's child processes).
  check "sanitizer memcheck (test/cuda.test.ts)" "$SANITIZER" --tool memcheck --error-exitcode 1 node --import tsx test/cuda.test.ts
fi

if [ -z "${SKIP_BENCH:-}" ]; then
  step "timings"
  check bench node --import tsx scripts/gpu-bench.ts --json "$OUT/bench.json"
fi

step "summary"
if [ ${#failed[@]} -eq 0 ]; then echo "all checks passed"; else printf 'FAILED: %s\n' "${failed[@]}"; exit 1; fi
