#!/usr/bin/env bash
# The first step on the GPU machine, copied into the bundle as bootstrap.sh by scripts/gpu-bundle.sh:
# unpacks the bundled node and checks, before anything else runs, that this machine's glibc is new
# enough for it and the addons; then unpacks the app and runs scripts/gpu-check.sh in it (its arguments
# pass through, e.g. --no-gpu). Needs only bash, tar and xz or python3 (for its lzma module).
#   bash .gpu-bundle/bootstrap.sh [--no-gpu]        (logs to $OUT, default ./gpu-check-out)
set -uo pipefail
BUNDLE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:-$PWD/gpu-check-out}
WORK=${GPU_CHECK_WORK:-$(mktemp -d /tmp/hashmac-gpu.XXXXXX)}
mkdir -p "$OUT" "$WORK/bin"
export OUT

unxz_to_stdout() {
  if command -v xz >/dev/null; then xz -dc "$1"
  else python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"; fi
}

echo "== bootstrap: node and glibc"
unxz_to_stdout "$BUNDLE/node.xz" >"$WORK/bin/node" && chmod +x "$WORK/bin/node" || { echo "could not unpack node.xz"; exit 2; }
need=$(cat "$BUNDLE/glibc-need")
have=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
[ -n "$have" ] || have=$(ldd --version 2>/dev/null | head -1 | grep -oE '[0-9]+\.[0-9]+$')
echo "glibc here: ${have:-unknown}; the bundle needs >= $need"
if [ -z "$have" ] || [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" != "$need" ]; then
  echo "this machine's glibc is older than the bundled node and addons need; nothing was run"
  exit 2
fi
"$WORK/bin/node" --version || { echo "the bundled node does not start here"; exit 2; }

echo "== bootstrap: unpacking the app into $WORK"
unxz_to_stdout "$BUNDLE/app.tar.xz" | tar -x -C "$WORK" || { echo "could not unpack app.tar.xz"; exit 2; }
export PATH="$WORK/bin:$PATH"
exec bash "$WORK/hashmac/scripts/gpu-check.sh" "$@"
