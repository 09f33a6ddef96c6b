#!/usr/bin/env bash
# End-to-end test of the interactive REPL in a real terminal (tmux): type,
# complete with Tab, make a mistake and recover, use the history, continue a
# line, cancel a line and a long computation with Ctrl-C, leave with Ctrl-D.
# Usage: repl_tmux.sh path/to/nabla
set -u
nabla=$(realpath "$1")
command -v tmux >/dev/null || { echo "tmux is not installed"; exit 1; }

work=$(mktemp -d)
socket="nabla-test-$$"
export LC_ALL=C.UTF-8 LANG=C.UTF-8
tmux_() { tmux -L "$socket" -f /dev/null "$@"; }
cleanup() { tmux_ kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

failures=0
target=repl
pane() { tmux_ capture-pane -p -J -t "$target" -S -200; }

# Waits until the pane matches an extended regex (in its last `lines` lines).
expect() {
    local pattern=$1 what=$2 lines=${3:-200}
    for _ in $(seq 1 100); do
        if pane | grep -v '^$' | tail -n "$lines" | grep -Eq -- "$pattern"; then return 0; fi
        sleep 0.05
    done
    echo "FAIL: $what (no match for /$pattern/); the screen was:"
    pane | grep -v '^$' | sed 's/^/    | /'
    failures=$((failures + 1))
    return 1
}
type_line() { tmux_ send-keys -t "$target" -l -- "$1"; tmux_ send-keys -t "$target" Enter; }
# The number of pane lines that are exactly $1.
count_lines() { pane | grep -cxF -- "$1"; }

tmux_ new-session -d -s repl -x 120 -y 50 \
    "env HOME='$work' NO_COLOR=1 TERM=xterm '$nabla'; echo '[nabla exited '\$?']'; sleep 30"

expect '^> $' "the prompt appears" 3

type_line 'z = 2x²y'
expect '^z = 2x²y$' "an assignment echoes in Unicode"
type_line '∂z/∂x'
expect '^4xy$' "∂z/∂x answers 4xy"

# Tab completes a variable and a command.
type_line 'speed = 3'
expect '^speed = 3$' "a second assignment"
tmux_ send-keys -t "$target" -l 'spe'; tmux_ send-keys -t "$target" Tab; tmux_ send-keys -t "$target" -l ' + 1'
tmux_ send-keys -t "$target" Enter
expect '^> speed \+ 1$' "Tab completes 'spe' to 'speed'"
expect '^4$' "speed + 1 is 4"
tmux_ send-keys -t "$target" -l ':he'; tmux_ send-keys -t "$target" Tab; tmux_ send-keys -t "$target" -l 'grad'
tmux_ send-keys -t "$target" Enter
expect '^grad\(e\[, x, y, …\]\)$' "Tab completes ':he' to ':help ' and the help shows"

# A mistake: a caret diagnostic, and the session goes on unharmed.
type_line '2x^^2'
expect '\^' "a parse error shows a caret"
expect 'error' "a parse error says error"
type_line ':hlep'
expect 'did you mean :help\?' "a misspelled command gets a suggestion"
type_line 'z'
expect '^2x²y$' "z survives the errors"

# History: Up recalls the last statement.
before=$(count_lines '2x²y')
tmux_ send-keys -t "$target" Up; tmux_ send-keys -t "$target" Enter
for _ in $(seq 1 40); do [ "$(count_lines '2x²y')" -gt "$before" ] && break; sleep 0.05; done
[ "$(count_lines '2x²y')" -gt "$before" ] || { echo "FAIL: Up did not recall 'z'"; failures=$((failures + 1)); }

# An open parenthesis continues on the next line.
type_line '(x +'
expect '^… $' "an open parenthesis gives the continuation prompt" 2
type_line '1)'
expect '^x \+ 1$' "the continued statement runs"

# Ctrl-C drops the line being typed and stays.
tmux_ send-keys -t "$target" -l 'this line is dropped'; tmux_ send-keys -t "$target" C-c
expect '\^C' "Ctrl-C shows ^C"
type_line '1 + 1'
expect '^2$' "the REPL goes on after Ctrl-C on a line"

# Ctrl-C stops a long computation (seconds here) and the REPL goes on
# with its state.
type_line 'eval(diff(tan(x) atan(x) log(x) erf(x), x, 40), x=1)'
sleep 0.5
tmux_ send-keys -t "$target" C-c
expect 'interrupted' "Ctrl-C interrupts a long computation"
type_line 'speed'
expect '^3$' "the variables survive an interrupted computation" 3

# Ctrl-D leaves with status 0 and the history is kept.
tmux_ send-keys -t "$target" C-d
expect '^\[nabla exited 0\]$' "Ctrl-D leaves with status 0"
grep -q 'speed' "$work/.nabla_history" || { echo "FAIL: ~/.nabla_history was not written"; failures=$((failures + 1)); }

# The history file is read by the next session. (The old tmux session
# goes after the new one exists, or the tmux server would leave with it.)
tmux_ new-session -d -s again -x 120 -y 50 \
    "env HOME='$work' NO_COLOR=1 TERM=xterm '$nabla'; echo '[nabla exited '\$?']'; sleep 30"
tmux_ kill-session -t repl
target=again
expect '^> $' "the prompt appears again" 3
tmux_ send-keys -t "$target" Up
expect '^> speed$' "history from the last session" 3

if [ "$failures" -eq 0 ]; then echo "repl_tmux: all checks passed"; fi
exit $((failures > 0))
