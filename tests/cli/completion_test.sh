#!/usr/bin/env bash
# Completion scripts and the man page come from the CLI definitions: each
# must parse in its shell, complete real commands and flags, and the man page
# must render without warnings and list the exit codes.
# No pipefail: `grep -q` stops reading at the first match, and the writer's
# SIGPIPE would then fail a check that passed.
set -u
DL=${1:?usage: completion_test.sh DLIMAGE}
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

"$DL" completion bash > "$tmp/dlimage.bash" || fail "completion bash"
bash -n "$tmp/dlimage.bash" || fail "bash script does not parse"
complete_words() {  # complete_words WORD... -> COMPREPLY, one per line
  bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); _dlimage; printf "%s\n" "${COMPREPLY[@]}"' \
    _ "$tmp/dlimage.bash" "$@"
}
complete_words dlimage bui | grep -qx build || fail "bash: 'bui' does not complete to build"
complete_words dlimage build --pu | grep -qx -- --push || fail "bash: 'build --pu' does not complete to --push"
got=$(complete_words dlimage wheel ins); echo "$got" | grep -qx install || fail "bash: 'wheel ins' does not complete to install: $got"
complete_words dlimage matrix --for | grep -qx -- --format || fail "bash: 'matrix --for'"
complete_words dlimage matrix --for | grep -qx -- --push && fail "bash: matrix offers build's --push"

"$DL" completion zsh > "$tmp/_dlimage" || fail "completion zsh"
zsh -n "$tmp/_dlimage" || fail "zsh script does not parse"
grep -q "'--push\[" "$tmp/_dlimage" || fail "zsh: no --push"

"$DL" completion fish > "$tmp/dlimage.fish" || fail "completion fish"
fish --no-execute "$tmp/dlimage.fish" || fail "fish script does not parse"
fish -c "source $tmp/dlimage.fish; complete -C 'dlimage build --pu'" | grep -q -- "--push" || fail "fish: build --pu"

"$DL" completion tcsh > /dev/null 2>&1 && fail "unknown shell accepted"

"$DL" man > "$tmp/dlimage.1" || fail "man"
warnings=$(groff -man -Tutf8 -ww -z "$tmp/dlimage.1" 2>&1)
[ -z "$warnings" ] || fail "groff warnings: $warnings"
text=$(MANWIDTH=100 man -l "$tmp/dlimage.1" 2>/dev/null | col -b)
echo "$text" | grep -q "EXIT STATUS" || fail "man: no EXIT STATUS"
echo "$text" | grep -q "dlimage build" || fail "man: no build section"
echo "$text" | grep -q -- "--push" || fail "man: no --push"
echo "completion and man OK"
