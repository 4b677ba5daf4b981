#!/usr/bin/env bash
# dlimage hub describe against a local server that follows Docker Hub's
# documented API (tests/fixtures/hub/hub_server.py): the PAT is exchanged
# at /v2/auth/token, then PATCH /v2/repositories/NS/REPO/ carries the
# matrix's hub: files; --namespace moves the page; the limits (100
# characters, 25,000 bytes) are refused before anything is sent; a wrong
# token and an unknown repository are one clear line each; the token never
# reaches the output.
# No pipefail: `grep -q` closes its pipe early.
set -u
DL=${1:?usage: hub_test.sh DLIMAGE}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/dlimage-hub.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "HUB FAIL: $*" >&2; exit 1; }

python3 "$ROOT/tests/fixtures/hub/hub_server.py" "$work/patches.log" hubuser pat-secret-123 team/tool fork/tool \
  > "$work/port" 2> "$work/server.err" &
pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -1 "$work/port")
[ -n "$port" ] || fail "hub server did not start: $(cat "$work/server.err")"
cp -r "$ROOT/tests/cli/release" "$work/m"
hub() { "$DL" hub describe -m "$work/m/matrix.yaml" --hub-url "http://127.0.0.1:$port" -u hubuser "$@"; }
field() { python3 -c "import json,sys; d=[json.loads(l) for l in open(sys.argv[1])]; print(eval(sys.argv[2]))" "$@"; }

out=$(printf 'pat-secret-123\n' | hub --token-stdin 2>&1); rc=$?
[ "$rc" = 0 ] || fail "describe exit $rc: $out"
echo "$out" | grep -qx 'described team/tool: "A tiny test image: one file on a stand-in Python base.", README [0-9]* bytes' \
  || fail "describe output: $out"
echo "$out" | grep -q "pat-secret" && fail "the token reached the output"
[ "$(field "$work/patches.log" "d[0]['repository'], d[0]['description']")" = \
  "('team/tool', 'A tiny test image: one file on a stand-in Python base.')" ] || fail "patch: $(cat "$work/patches.log")"
[ "$(field "$work/patches.log" "d[0]['full_description'] == open('$work/m/hub/tool.md').read()")" = True ] \
  || fail "README not sent as written"

# --namespace describes the fork's page; the token may come from the environment.
DOCKERHUB_TOKEN=pat-secret-123 hub --namespace fork > /dev/null || fail "describe --namespace fork"
[ "$(field "$work/patches.log" "d[-1]['repository']")" = fork/tool ] || fail "namespace not applied"

# Wrong token; unknown repository: one line, exit 1.
out=$(printf 'wrong' | hub --token-stdin 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "refused the token for 'hubuser'" || fail "wrong token: $rc $out"
out=$(DOCKERHUB_TOKEN=pat-secret-123 hub --namespace nobody 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "nobody/tool: no such repository on Docker Hub" || fail "unknown repo: $rc $out"
out=$(hub 2>&1 < /dev/null); rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q "personal access token" || fail "no token: $rc $out"

# Limits, checked before sending: nothing new reaches the server.
sent=$(wc -l < "$work/patches.log")
python3 -c "print('x' * 101)" > "$work/m/hub/tool.txt"
out=$(DOCKERHUB_TOKEN=pat-secret-123 hub 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "tool.txt: 101 characters; Docker Hub's short description holds at most 100" \
  || fail "long description: $rc $out"
python3 -c "print('é' * 100)" > "$work/m/hub/tool.txt"   # 100 characters, 200 bytes: fits
python3 -c "print('y' * 25001)" > "$work/m/hub/tool.md"
out=$(DOCKERHUB_TOKEN=pat-secret-123 hub 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "tool.md: 25002 bytes; Docker Hub's README holds at most 25000" || fail "long README: $rc $out"
[ "$(wc -l < "$work/patches.log")" = "$sent" ] || fail "an over-limit page was sent"
python3 -c "print('y' * 24999)" > "$work/m/hub/tool.md"
out=$(hub --dry-run --json 2>&1) || fail "dry run: $out"
echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["schema"] == 1 and d["dry_run"] and d["repositories"][0]["readme_bytes"] == 25000' \
  || fail "dry run json: $out"
[ "$(wc -l < "$work/patches.log")" = "$sent" ] || fail "--dry-run sent"
# A plain-http Hub URL that is not this machine is refused (the token is a secret).
out=$(DOCKERHUB_TOKEN=pat-secret-123 "$DL" hub describe -m "$work/m/matrix.yaml" --hub-url http://hub.invalid -u hubuser 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "expected an https:// URL" || fail "plain http hub: $rc $out"
# The matrix schema stays strict under hub:.
sed -i 's/hub: {description:/hub: {descripton:/' "$work/m/matrix.yaml"
out=$("$DL" matrix -m "$work/m/matrix.yaml" 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "descripton" || fail "hub key typo: $rc $out"
echo "HUB OK"
