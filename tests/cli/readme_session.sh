#!/usr/bin/env bash
# The README's "A first session" is a transcript: each `> ` line is typed and
# the lines under it are what nabla answers. This runs the typed lines as one
# session and compares the answers, so the README cannot drift from the program.
# Usage: readme_session.sh path/to/nabla path/to/README.md
set -u
nabla=$1
readme=$2
block=$(awk '/^## A first session/ {in_section = 1} in_section && /^```text/ {in_block = 1; next}
             in_block && /^```/ {exit} in_block {print}' "$readme")
if [ -z "$block" ]; then
    echo "no transcript under '## A first session' in $readme"
    exit 1
fi
# The first line starts the program (`$ bash tools/dev.sh run`); the rest alternate.
args=()
while IFS= read -r line; do
    case "$line" in
    '> '*) args+=(-e "${line#> }") ;;
    esac
done <<< "$block"
expected=$(printf '%s\n' "$block" | grep -v '^\$ ' | grep -v '^> ')
actual=$(env NO_COLOR=1 HOME="$(mktemp -d)" "$nabla" -k "${args[@]}" 2>&1)
if [ "$expected" != "$actual" ]; then
    echo "the README's first session differs from what nabla prints (expected, actual):"
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$actual")
    exit 1
fi
