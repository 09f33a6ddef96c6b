#!/usr/bin/env bash
# The project's two set-up commands (README, first section) and CI's entry:
#
#   bash tools/dev.sh run              install what is missing, build (Release), start the REPL
#   bash tools/dev.sh test             install what is missing, build everything, run the whole test suite
#   bash tools/dev.sh test --sanitize  the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   bash tools/dev.sh fuzz             a one-minute libFuzzer run of the parser (clang)
#
# Packages are Debian's; each is installed only when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# Why each package is here: README.md, "Dependencies".
packages=(g++ cmake make pkg-config libboost1.81-dev libfmt-dev catch2 libedit-dev tmux python3)

install_missing() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if ((${#missing[@]})); then
        echo "installing: ${missing[*]}" >&2
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo=sudo
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    fi
}

jobs=${NABLA_JOBS:-2}
mode=${1:-}
shift || true

case "$mode" in
run)
    install_missing "${packages[@]}"
    cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DNABLA_CLI=ON >/dev/null
    cmake --build build -j"$jobs" --target nabla_cli
    exec build/nabla "$@"
    ;;
test)
    install_missing "${packages[@]}"
    dir=build
    # Every switch explicit: `run` may have configured this build with tests off.
    flags=(-DCMAKE_BUILD_TYPE=Release -DNABLA_TESTS=ON -DNABLA_CLI=ON -DNABLA_EXAMPLES=ON -DNABLA_BENCH=ON)
    if [ "${1:-}" = "--sanitize" ]; then
        dir=build-sanitize
        flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DNABLA_SANITIZE=ON -DNABLA_TESTS=ON -DNABLA_CLI=ON
               -DNABLA_EXAMPLES=ON -DNABLA_BENCH=OFF)
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
        export LSAN_OPTIONS=suppressions=$PWD/tools/lsan.supp
    fi
    cmake -S . -B "$dir" "${flags[@]}" >/dev/null
    cmake --build "$dir" -j"$jobs"
    ctest --test-dir "$dir" --output-on-failure -j"$jobs"
    ;;
fuzz)
    install_missing "${packages[@]}" clang libclang-rt-14-dev
    exec bash tools/fuzz-run.sh
    ;;
*)
    echo "usage: bash tools/dev.sh run | test [--sanitize] | fuzz" >&2
    exit 2
    ;;
esac
