#!/usr/bin/env bash
# Sanitizer proof of the C++ kernels, without Node: every kernel built with AddressSanitizer +
# UndefinedBehaviorSanitizer, one libFuzzer harness per family (test/native/fuzz_<family>.cc) that
# checks every SIMD path and thread count against the scalar path, and the thread pool under
# ThreadSanitizer (test/native/parallel_stress.cc).
#
#   scripts/fuzz-native.sh              # short run: 10 s per harness (CI uses FUZZ_SECONDS=5)
#   FUZZ_SECONDS=3600 scripts/fuzz-native.sh lsh   # a long run of one family
#
# Corpora persist in build-asan/corpus/<family> between runs; a crash leaves its input in build-asan/
# (rerun it with build-asan/fuzz_<family> <file>).
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_HARNESS=${FUZZ_SECONDS:-10}
OUT=build-asan
families=("$@")

if ! command -v clang++ >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "fuzz-native: installing clang (libFuzzer and the sanitizers ship with it)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null
  else
    echo "fuzz-native: clang++ is required (apt-get install clang)" >&2
    exit 2
  fi
fi

mkdir -p "$OUT/obj"
SAN=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -g -O1 -std=c++17)
declare -A ISA_FLAGS=(
  [0]=""
  [1]="-mavx2 -mfma -mpopcnt -mbmi2"
  [2]="-mavx512f -mavx512bw -mavx512dq -mavx512vl -mavx512vpopcntdq -mfma -mpopcnt -mbmi2 -mprefer-vector-width=512"
)

# The kernels, as binding.gyp builds them: drivers once, *_simd.cc once per ISA.
objs=()
for src in native/kernels/*.cc; do
  base=$(basename "$src" .cc)
  if [[ $base == *_simd ]]; then
    for id in 0 1 2; do
      obj="$OUT/obj/${base}.$id.o"
      # shellcheck disable=SC2086
      clang++ "${SAN[@]}" -fsanitize=fuzzer-no-link -DHASHMAC_TARGET_ID=$id ${ISA_FLAGS[$id]} -c "$src" -o "$obj"
      objs+=("$obj")
    done
  else
    obj="$OUT/obj/${base}.o"
    clang++ "${SAN[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
    objs+=("$obj")
  fi
done

status=0
for harness in test/native/fuzz_*.cc; do
  family=$(basename "$harness" .cc)
  family=${family#fuzz_}
  if [ ${#families[@]} -gt 0 ] && [[ ! " ${families[*]} " =~ " $family " ]]; then continue; fi
  bin="$OUT/fuzz_$family"
  clang++ "${SAN[@]}" -fsanitize=fuzzer "$harness" "${objs[@]}" -pthread -o "$bin"
  mkdir -p "$OUT/corpus/$family"
  echo "fuzz-native: $family for ${SECONDS_PER_HARNESS}s (ASan + UBSan, every ISA against scalar)"
  if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$bin" -max_total_time="$SECONDS_PER_HARNESS" -max_len=16384 -print_final_stats=1 \
      -artifact_prefix="$OUT/" "$OUT/corpus/$family" 2>"$OUT/fuzz_$family.log"; then
    echo "fuzz-native: $family FAILED (see $OUT/fuzz_$family.log)" >&2
    tail -30 "$OUT/fuzz_$family.log" >&2
    status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$OUT/fuzz_$family.log" | sed "s/^/  $family /"
done

# The thread pool under ThreadSanitizer: concurrent and nested parallel_for calls.
if [ ${#families[@]} -eq 0 ]; then
  clang++ -fsanitize=thread -g -O1 -std=c++17 test/native/parallel_stress.cc native/kernels/parallel.cc -pthread -o "$OUT/parallel_stress"
  if ! TSAN_OPTIONS=halt_on_error=1 "$OUT/parallel_stress" "${TSAN_ROUNDS:-300}"; then
    echo "fuzz-native: ThreadSanitizer found a problem in parallel.cc" >&2
    status=1
  fi
fi
exit $status
