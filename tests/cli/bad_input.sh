#!/usr/bin/env bash
# The nabla program on hostile standard input: a 10 MB line, a megabyte of
# random bytes, and a thousand random garbage lines. Each must end in clear
# errors and exit status 1, never a crash, and later statements still run.
# Usage: bad_input.sh path/to/nabla
set -u
nabla=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export NO_COLOR=1 HOME="$work"
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# A 10 MB line between two good statements.
{ echo 'keep = 7'; head -c 10485760 /dev/zero | tr '\0' 'x'; echo; echo 'keep + 1'; } > "$work/long"
"$nabla" -k - < "$work/long" > "$work/out" 2> "$work/err"
status=$?
[ $status -eq 1 ] || fail "10 MB line: exit status $status, expected 1"
grep -q 'input too long (10485761 bytes\|input too long (10485760 bytes' "$work/err" || fail "10 MB line: no 'input too long' error: $(head -c 300 "$work/err")"
[ "$(tail -n 1 "$work/out")" = "8" ] || fail "10 MB line: the next statement did not run"

# A megabyte of random bytes.
head -c 1048576 /dev/urandom > "$work/random"
"$nabla" -k - < "$work/random" > /dev/null 2> "$work/err"
status=$?
[ $status -eq 1 ] || fail "random bytes: exit status $status, expected 1 (a crash is 128 or more)"
grep -q 'error' "$work/err" || fail "random bytes: no error message"

# A thousand lines of printable garbage built from the notation, then a check
# that the variable defined first is intact. Its value is in w, a letter no
# token has: garbage may assign x (x=at is x = a·t), and a variable shows
# the values assigned since (keep would read 2a·t + 1).
{
    echo 'keep = 2w + 1'
    tokens=(x y 2 + - '*' / '^' '(' ')' '[' ']' , = sin log '√' '∂' '∇' '²' '·' at "'" '|' grad eval diff 1e999 ':hlep' ':vars' '#')
    # The same garbage every run: RANDOM is read here, not in a $(…)
    # subshell, which bash reseeds.
    RANDOM=42
    for _ in $(seq 1000); do
        line=""
        count=$((RANDOM % 8))
        for ((k = 0; k < count; ++k)); do line+="${tokens[RANDOM % ${#tokens[@]}]}"; done
        echo "$line"
    done
    echo ''  # ends a statement the garbage left open
    echo 'keep'
} > "$work/garbage"
"$nabla" -k - < "$work/garbage" > "$work/out" 2> /dev/null
status=$?
[ $status -eq 1 ] || fail "garbage lines: exit status $status, expected 1"
[ "$(tail -n 1 "$work/out")" = "2w + 1" ] || fail "garbage lines: 'keep' changed or was lost: $(tail -n 1 "$work/out")"

[ $failures -eq 0 ] && echo "bad_input: all checks passed"
exit $((failures > 0))
