#!/usr/bin/env bash
# Verifies the CUDA backend on a GPU machine in one offline call of at most $GPU_CHECK_BUDGET seconds
# (default 480): golden cases on cuda, the differential tests (cuda vs js in every test file, cuda vs the
# native CPU addon in scripts/gpu-sanitize.ts), timings (CUDA events, warm-up, medians, pools larger than
# L2) against limits measured in the same run, the sign projection's GEMM through PyTorch, the hashed
# ResNet-20 on the CIFAR-10 fixture (cuda vs native), and compute-sanitizer memcheck/racecheck/initcheck/
# synccheck on a short driver. Each step runs under its own timeout, cut to what is left of the budget,
# so one hang cannot eat the rest; the steps are ordered so the figures come before the slow sanitizers.
# The rest of the test suite runs too (its backend-generic files have cuda cases); the files that need npm
# and the registry are left to CI.
#   scripts/gpu-check.sh [--no-gpu]
# Runs from the bundle that scripts/gpu-bundle.sh builds (bash .gpu-bundle/bootstrap.sh unpacks it and
# calls this; nothing is built and no network is used), or from a repository checkout, which it builds
# first. Without a usable GPU (or with --no-gpu) the GPU steps are skipped and everything else runs:
# the rehearsal. Writes to $OUT (default ./gpu-check-out), at most 8 files as the device tool returns:
#   summary.txt   one line per step (ok / FAILED / TIMEOUT / skipped, seconds), then each step's key lines
#   check.log     everything printed;  logs.tar.gz  every step's full log;  bench.json, torch-gemm.json
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/gpu-check-out}
BUDGET=${GPU_CHECK_BUDGET:-480}
START=$(date +%s)
mkdir -p "$OUT"
LOGS=$(mktemp -d)/logs
mkdir -p "$LOGS"
exec > >(tee "$OUT/check.log") 2>&1

GPU=auto
for arg in "$@"; do
  case $arg in
    --no-gpu) GPU=0 ;;
    *) echo "unknown argument: $arg (expected --no-gpu)"; exit 2 ;;
  esac
done

tool() { command -v "$1" || { [ -x "/usr/local/cuda/bin/$1" ] && echo "/usr/local/cuda/bin/$1"; }; }
SANITIZER=$(tool compute-sanitizer)
CUOBJDUMP=$(tool cuobjdump)
TS=(node --import tsx)
if [ -f BUNDLE ]; then
  MODE="bundle of $(cat BUNDLE)"
  GOLDEN=fixtures/golden
  CIFAR=fixtures/cifar10
else
  MODE="checkout at $(git rev-parse HEAD 2>/dev/null)"
  GOLDEN=../shared/golden
  # The CLI reads cifar10:<dir> as cifar-10-batches-bin; the shared fixture's 500 images become test_batch.bin.
  CIFAR=$(mktemp -d)
  ln -s "$PWD/../shared/fixtures/cifar10/"* "$CIFAR/" 2>/dev/null
  ln -s "$PWD/../shared/fixtures/cifar10/test_batch_first500.bin" "$CIFAR/test_batch.bin" 2>/dev/null
fi

declare -a TABLE=() FAILED=()
# step <name> <requires> <limit s> <tail lines> <command string>: requires is "-" or a comma list of
# "gpu" and tool names. Exit status 99 from the command means "skipped" (it says why on its last line).
step() {
  local name=$1 requires=$2 limit=$3 keep=$4 cmd=$5 need why='' left status
  for need in ${requires//,/ }; do
    [ "$need" = - ] && continue
    [ -n "$why" ] && break
    if [ "$need" = gpu ]; then [ "$GPU" = 1 ] || why='no GPU'
    elif [ -z "$(tool "$need")" ]; then why="no $need here"; fi
  done
  left=$((START + BUDGET - 15 - $(date +%s)))
  [ -z "$why" ] && [ "$left" -lt 10 ] && why='budget spent'
  if [ -n "$why" ]; then
    printf '\n== %s: skipped (%s)\n' "$name" "$why"
    TABLE+=("$(printf '%-26s %-8s %6s  %s' "$name" skipped - "$why")")
    return
  fi
  [ "$limit" -gt "$left" ] && limit=$left
  printf '\n== %s (limit %ss): %s\n' "$name" "$limit" "$cmd"
  local t0=$SECONDS rc
  timeout -k 5 "$limit" bash -c "$cmd" >"$LOGS/$name.log" 2>&1
  rc=$?
  case $rc in
    0) status=ok ;;
    99) status=skipped ;;
    124 | 137) status=TIMEOUT; FAILED+=("$name") ;;
    *) status=FAILED; FAILED+=("$name") ;;
  esac
  tail -n "$keep" "$LOGS/$name.log" | tee "$LOGS/$name.keep"
  echo "-- $name: $status (rc $rc, $((SECONDS - t0)) s)"
  TABLE+=("$(printf '%-26s %-8s %6s  %s' "$name" "$status" "$((SECONDS - t0))" "$([ $status = skipped ] && tail -n 1 "$LOGS/$name.log")")")
}

environment() {
  date -u
  echo "mode: $MODE; GPU steps: $GPU; budget ${BUDGET}s"
  uname -srm
  echo "$(getconf GNU_LIBC_VERSION 2>/dev/null); $(nproc) CPUs"
  echo "node $(command -v node) $(node --version)"
  nvidia-smi 2>&1 || echo "nvidia-smi: not available"
  nvcc --version 2>&1 | tail -2 || true
  [ -n "$SANITIZER" ] && "$SANITIZER" --version | head -2
  python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.cuda.is_available())' 2>&1 | tail -1
}

# Tensor-core instructions in the sm_90 machine code (HMMA: 3xTF32 sign projection; BMMA/IMMA: b1 Hamming).
sass_census() {
  "$CUOBJDUMP" --list-elf build-cuda/Release/hashmac_cuda.node
  "$CUOBJDUMP" --list-ptx build-cuda/Release/hashmac_cuda.node
  "$CUOBJDUMP" -sass build-cuda/Release/hashmac_cuda.node | grep -oE '(HMMA|BMMA|IMMA|HGMMA)[.A-Z0-9]*' | sort | uniq -c
}

# The hashed ResNet-20 (CIFAR-10 checkpoint, the scaffold's hashed configuration) on the fixture's 500
# test images: native, then cuda when there is a GPU, wall time per backend and the speed-up.
cifar_resnet() {
  local b t0 t1 backends=native
  [ "$GPU" = 1 ] && backends='native cuda'
  [ -f "$CIFAR/test_batch.bin" ] || { echo "no CIFAR-10 fixture in $CIFAR"; return 99; }
  # The fixture's projection matrices when they travelled, else seeded ones in the same per-layer config.
  local hashing=(--config "$CIFAR/hashed-config.json" --seed 1) projections=("$CIFAR"/resnet20-hashed-*.safetensors)
  [ -f "${projections[0]}" ] && hashing=(--projections "${projections[0]}")
  for b in $backends; do
    t0=$(date +%s%N)
    node dist/cli.js score --weights "$CIFAR"/resnet20-*.th "${hashing[@]}" \
      --data "cifar10:$CIFAR" --limit 500 --backend "$b" --json >"$LOGS/cifar-$b.json" || { cat "$LOGS/cifar-$b.json"; return 1; }
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000)) >"$LOGS/cifar-$b.ms"
    echo "$b: $(cat "$LOGS/cifar-$b.ms") ms wall for 500 images (process start and model load included)"
    head -c 1500 "$LOGS/cifar-$b.json"; echo
  done
  [ "$GPU" = 1 ] && awk -v n="$(cat "$LOGS/cifar-native.ms")" -v c="$(cat "$LOGS/cifar-cuda.ms")" 'BEGIN { printf "cuda vs native: %.2fx\n", n / c }'
  return 0
}

sanitize() { # sanitize <tool>: the short driver that runs every kernel on awkward shapes
  local extra=''
  [ "$1" = memcheck ] && extra='--leak-check full'
  "$SANITIZER" --tool "$1" $extra --error-exitcode 1 "${TS[@]}" scripts/gpu-sanitize.ts
}

# The test files with cuda cases under memcheck, in-process (running a file directly avoids the test
# runner's child processes).
sanitize_tests() {
  local f rc=0
  for f in "$@"; do
    echo "-- $f"
    "$SANITIZER" --tool memcheck --error-exitcode 1 "${TS[@]}" "$f" || rc=1
  done
  return $rc
}
export -f sanitize sanitize_tests cifar_resnet sass_census environment tool
export SANITIZER CUOBJDUMP CIFAR LOGS MODE GPU BUDGET OUT
export TS_CMD="${TS[*]}"

step environment - 30 40 environment
if [ ! -f BUNDLE ]; then
  step install - 300 20 '[ -d node_modules ] || npm ci'
  step build-native - 300 20 '[ -f prebuilds/linux-x64/hashmac.glibc.node ] || [ -f build/Release/hashmac.node ] || npm run build:native'
  step build-ts - 120 20 'npm run build:ts'
  step build-cuda nvcc 400 20 "mkdir -p build-cuda; npm run build:cuda -- '--CDHASHMAC_CUDA_ARCHS=90-real;90-virtual' >build-cuda/build.log 2>&1; rc=\$?; tail -20 build-cuda/build.log; exit \$rc"
  step ptxas - 30 60 "$TS_CMD scripts/ptxas-report.ts build-cuda/build.log"
else
  cp build-cuda/ptxas.txt "$LOGS/ptxas.txt"
fi
[ "$GPU" = auto ] && { node -e "process.exit(require('./dist/cuda/addon.js').loadCuda().addon ? 0 : 1)" && GPU=1 || GPU=0; }
export GPU
step info - 30 40 'node dist/cli.js info'
step sass cuobjdump 30 20 sass_census
# The differential tests: every test file runs its cuda cases (against the JS reference) when a device is
# present. Files that run npm (pack and install from the registry) are CI's: there is no npm or network there.
TEST_CMD="HASHMAC_SKIP_CUDA_BUILD=1 $TS_CMD --test --test-reporter=spec --test-concurrency=$(nproc)"
mapfile -t TESTS < <(grep -L "'npm'" test/*.test.ts)
# The files with cuda cases, by content so that renamed or merged files are found: for memcheck.
mapfile -t CUDA_TESTS < <(grep -lE "\bcuda\b|compiledBackends" test/*.test.ts | grep -v cuda-build)
BACKENDS=js,native
[ "$GPU" = 1 ] && BACKENDS=js,native,cuda
step golden - 120 10 "node dist/cli.js golden $GOLDEN --backend $BACKENDS"
step cuda-vs-native gpu 90 20 "$TS_CMD scripts/gpu-sanitize.ts"
step tests - 240 12 "$TEST_CMD ${TESTS[*]}"
step memcheck gpu,compute-sanitizer 90 15 'sanitize memcheck'
step bench gpu 200 40 "$TS_CMD scripts/gpu-bench.ts --json \$OUT/bench.json"
step torch-gemm gpu,python3 60 10 "python3 scripts/gpu-torch-gemm.py --json \$OUT/torch-gemm.json"
step cifar-resnet20 - 150 30 cifar_resnet
for t in racecheck initcheck synccheck; do step "$t" gpu,compute-sanitizer 90 15 "sanitize $t"; done
step memcheck-tests gpu,compute-sanitizer 120 15 "sanitize_tests ${CUDA_TESTS[*]}"

{
  echo "hashmac GPU check, $MODE, $(date -u), $((SECONDS))s of ${BUDGET}s"
  [ "$GPU" = 1 ] && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null
  printf '%-26s %-8s %6s  %s\n' step status seconds note
  printf '%s\n' "${TABLE[@]}"
  if [ ${#FAILED[@]} -eq 0 ]; then echo "no step failed"; else echo "FAILED: ${FAILED[*]}"; fi
  for f in "$LOGS"/*.keep; do printf '\n--- %s\n' "$(basename "$f" .keep)"; cat "$f"; done
} >"$OUT/summary.txt"
tar -czf "$OUT/logs.tar.gz" -C "$(dirname "$LOGS")" logs
printf '\n'
sed -n '1,/^no step failed\|^FAILED/p' "$OUT/summary.txt"
[ ${#FAILED[@]} -eq 0 ]
