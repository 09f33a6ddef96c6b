#!/usr/bin/env bash
# Golden test of the nabla command line: runs one case directory and compares
# standard output, standard error and the exit status with the files there.
#   case/args     the arguments, one per line
#   case/stdin    standard input (optional; otherwise empty)
#   case/stdout   expected standard output
#   case/stderr   expected standard error
#   case/status   expected exit status
# The case runs in its own directory (scripts are named relatively), with
# NO_COLOR set and a private HOME.
# Usage: golden.sh path/to/nabla case-directory [--update]
set -u
nabla=$(realpath "$1")
dir=$(realpath "$2")
update=${3:-}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

args=()
[ -f "$dir/args" ] && mapfile -t args < "$dir/args"
input=/dev/null
[ -f "$dir/stdin" ] && input="$dir/stdin"
(cd "$dir" && env HOME="$work" NO_COLOR=1 "$nabla" "${args[@]}" < "$input" > "$work/stdout" 2> "$work/stderr")
echo $? > "$work/status"

if [ "$update" = "--update" ]; then
    cp "$work/stdout" "$work/stderr" "$work/status" "$dir/"
    exit 0
fi
failed=0
for f in stdout stderr status; do
    if ! diff -u "$dir/$f" "$work/$f" > "$work/diff"; then
        echo "$(basename "$dir"): $f differs (expected, actual):"
        cat "$work/diff"
        failed=1
    fi
done
exit $failed
