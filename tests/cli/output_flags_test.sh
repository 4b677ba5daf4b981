#!/usr/bin/env bash
# Every command, found by walking the CLI's own definitions (`--help` and
# its Subcommands: list, recursively, so a command added tomorrow is
# checked too), offers --json and -q/--quiet (README "Output for scripts").
# build, the command with long steps, offers --progress auto|tty|plain|none
# (its behaviour, TERM=dumb included, is checked in release_cli_test.sh).
# No pipefail: `grep -q` closes its pipe early.
set -u
DL=${1:?usage: output_flags_test.sh DLIMAGE}
fail=0
subcommands() {  # the Subcommands: section of `dlimage WORDS... --help`
  "$DL" "$@" --help 2>/dev/null | awk '/^Subcommands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{on=0}'
}
leaves=()
walk() {
  local subs
  subs=$(subcommands "$@")
  if [ -z "$subs" ]; then leaves+=("$*"); return; fi
  for s in $subs; do walk "$@" "$s"; done
}
walk
[ "${#leaves[@]}" -ge 20 ] || { echo "OUTPUT-FLAGS FAIL: only ${#leaves[@]} commands found: ${leaves[*]}" >&2; exit 1; }
for cmd in "${leaves[@]}"; do
  # shellcheck disable=SC2086
  help=$("$DL" $cmd --help 2>&1)
  echo "$help" | grep -qE '^  --json( |$)' || { echo "OUTPUT-FLAGS FAIL: 'dlimage $cmd' has no --json" >&2; fail=1; }
  echo "$help" | grep -qE '^  -q,--quiet( |$)' || { echo "OUTPUT-FLAGS FAIL: 'dlimage $cmd' has no -q,--quiet" >&2; fail=1; }
done
for cmd in build; do
  # shellcheck disable=SC2086
  "$DL" $cmd --help 2>&1 | grep -qE '^  --progress ' || { echo "OUTPUT-FLAGS FAIL: 'dlimage $cmd' has no --progress" >&2; fail=1; }
done
[ "$fail" = 0 ] || exit 1

# And they do what they say, on commands that need no network.
kind() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["schema"], d["kind"])'; }
bad() { echo "OUTPUT-FLAGS FAIL: $*" >&2; exit 1; }
work=$(mktemp -d /tmp/dlimage-outflags.XXXXXX)
trap 'rm -rf "$work"' EXIT
whl=$(ls /usr/share/python-wheels/wheel-*.whl)
[ "$("$DL" wheel inspect -q "$whl")" = "wheel $(basename "$whl" | cut -d- -f2)" ] || bad "wheel inspect -q"
[ "$("$DL" wheel verify --json "$whl" | kind)" = "1 dlimage.wheel.verify" ] || bad "wheel verify --json"
[ -z "$("$DL" wheel verify -q "$whl")" ] || bad "wheel verify -q printed"
[ "$("$DL" wheel tags --json --python 3.11 | kind)" = "1 dlimage.wheel.tags" ] || bad "wheel tags --json"
[ "$("$DL" wheel resolve -q --python 3.11 --wheels /usr/share/python-wheels --cache "$work/c" wheel)" = \
  "wheel==$(basename "$whl" | cut -d- -f2)" ] || bad "wheel resolve -q"
[ "$("$DL" wheel resolve --json --python 3.11 --wheels /usr/share/python-wheels --cache "$work/c" wheel | kind)" = \
  "1 dlimage.wheel.resolve" ] || bad "wheel resolve --json"
out=$("$DL" wheel install --json --python 3.11 --root "$work/root" "$whl")
[ "$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["kind"], d["installed"][0]["name"])')" = \
  "dlimage.wheel.install wheel" ] || bad "wheel install --json: $out"
[ -z "$("$DL" wheel install -q --python 3.11 --root "$work/root2" "$whl")" ] || bad "wheel install -q printed"
[ "$("$DL" completion bash --json | kind)" = "1 dlimage.completion" ] || bad "completion --json"
[ "$("$DL" man --json | kind)" = "1 dlimage.man" ] || bad "man --json"
out=$(printf 'pw\n' | DOCKER_CONFIG=$work/dc "$DL" login 127.0.0.1:5999 -u u --password-stdin --json)
[ "$(echo "$out" | kind)" = "1 dlimage.login" ] || bad "login --json: $out"
[ -z "$(DOCKER_CONFIG=$work/dc "$DL" logout 127.0.0.1:5999 -q)" ] || bad "logout -q printed"
echo "OUTPUT-FLAGS OK: ${#leaves[@]} commands: ${leaves[*]}"
