#!/usr/bin/env bash
# Leak check of the native addon: every kernel called many times, sync and async (and rejected calls).
#  1. RSS and external memory over a long run (young generation pinned so V8's own growth stays out of
#     the figures): both must stay flat after warm-up.
#  2. The same loop, shorter, under valgrind memcheck: no definite leak and no invalid access anywhere
#     (V8's conservative stack scan reads uninitialised stack by design, so undefined-value errors are
#     off; addon memory errors are invalid reads/writes, which stay on).
#
#   scripts/leak-check.sh                 # ITERATIONS=20000, VALGRIND_ITERATIONS=60
#   SKIP_VALGRIND=1 scripts/leak-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ITERATIONS=${ITERATIONS:-20000}
VALGRIND_ITERATIONS=${VALGRIND_ITERATIONS:-60}
loop=(--expose-gc --max-semi-space-size=1 --import tsx test/helpers/leak-loop.ts)

echo "leak-check: $ITERATIONS iterations x 9 calls (RSS / external memory)"
result=$(node "${loop[@]}" "$ITERATIONS" | tail -1)
echo "  $result"
node -e '
const r = JSON.parse(process.argv[1]);
const bad = [];
if (r.externalDelta > 1 << 20) bad.push(`external memory grew ${r.externalDelta} B`);
if (r.rssSecondHalf > 4 << 20) bad.push(`RSS grew ${r.rssSecondHalf} B after warm-up`);
if (bad.length) { console.error("leak-check: " + bad.join(", ")); process.exit(1); }
' "$result"

if [ -n "${SKIP_VALGRIND:-}" ]; then exit 0; fi
if ! command -v valgrind >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
  else
    echo "leak-check: valgrind not installed; skipping the memcheck run" >&2
    exit 0
  fi
fi
log=$(mktemp)
echo "leak-check: valgrind memcheck, $VALGRIND_ITERATIONS iterations (a few minutes)"
valgrind --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite --undef-value-errors=no \
  --num-callers=30 --error-exitcode=3 node "${loop[@]}" "$VALGRIND_ITERATIONS" >/dev/null 2>"$log" || status=$?
grep -E "ERROR SUMMARY|definitely lost|indirectly lost|possibly lost" "$log" | sed 's/^==[0-9]*== /  /'
if [ "${status:-0}" != 0 ]; then
  echo "leak-check: valgrind reported errors (log: $log)" >&2
  grep -B2 -A20 -E "Invalid (read|write)|definitely lost in" "$log" | head -80 >&2
  exit 1
fi
rm -f "$log"
