#!/bin/sh
# Builds the parser's libFuzzer target with clang++ (ASan + UBSan) in its own
# build directory and fuzzes it for about a minute from the seed corpus in
# tests/fuzz/corpus. Fails on any crash, hang (10 s per input), leak or
# sanitizer report. Needs the Debian packages clang and libclang-rt-dev
# (libFuzzer), plus the project's usual build dependencies.
#
# Environment: FUZZ_SECONDS (default 60), FUZZ_BUILD_DIR (default build-fuzz),
# FUZZ_JOBS (build parallelism, default 2).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$root/build-fuzz}
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}

command -v clang++ >/dev/null 2>&1 || { echo "fuzz-run: clang++ not found (apt-get install clang libclang-rt-dev)" >&2; exit 2; }

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DNABLA_FUZZ=ON -DNABLA_SANITIZE=ON -DNABLA_TESTS=OFF -DNABLA_BENCH=OFF \
  -DNABLA_EXAMPLES=OFF -DNABLA_CLI=OFF >/dev/null
cmake --build "$build" -j"$jobs" --target nabla_parse_fuzz

# New inputs go to a scratch directory; the seed corpus in the repository
# is only read.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/corpus" "$work/artifacts"

set +e
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$build/tests/fuzz/nabla_parse_fuzz" "$work/corpus" "$root/tests/fuzz/corpus" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=4096 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1
status=$?
set -e
if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
  echo "fuzz-run: FAILED (exit $status); reproducers:" >&2
  for f in "$work/artifacts"/*; do
    [ -e "$f" ] || continue
    mkdir -p "$root/build-fuzz-artifacts"
    cp "$f" "$root/build-fuzz-artifacts/"
    echo "  build-fuzz-artifacts/$(basename "$f")" >&2
  done
  exit 1
fi
echo "fuzz-run: ok (${seconds}s, no crash, hang or sanitizer report)"
