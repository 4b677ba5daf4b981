#!/usr/bin/env bash
# TLS and authentication errors say what to try, against real Distribution
# registries (tests/registry/registryctl.sh): a certificate from an unknown
# CA names --ca-file; TLS spoken to a plain-HTTP registry names
# --plain-http HOST; a wrong password names the config file actually read
# ($REGISTRY_AUTH_FILE, $DOCKER_CONFIG or ~/.docker/config.json) and
# `dlimage login HOST`; no credentials at all says the same. Loopback
# registries need no flag to be spoken to in plain HTTP.
# No pipefail: `grep -q` closes its pipe early.
set -u
DL=${1:?usage: registry_errors_test.sh DLIMAGE}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/dlimage-regerr.XXXXXX)
cleanup() {
  "$ROOT/tests/registry/registryctl.sh" stop "$work/tls" >/dev/null 2>&1
  "$ROOT/tests/registry/registryctl.sh" stop "$work/plain" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "REGISTRY-ERRORS FAIL: $*" >&2; exit 1; }
unset DOCKER_CONFIG REGISTRY_AUTH_FILE
export HOME=$work/home
mkdir -p "$HOME"

eval "$("$ROOT/tests/registry/registryctl.sh" start htpasswd_tls "$work/tls" |
  grep -E '^(host|ca_file|docker_config)=')"
[ -n "${host:-}" ] || fail "TLS registry did not start"
tls=$host
eval "$("$ROOT/tests/registry/registryctl.sh" start plain "$work/plain" | grep -E '^(host)=')"
plain=$host

# Loopback, no flags: plain HTTP (the repository is simply not there yet).
out=$("$DL" tags "docker://$plain/none/here" 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "http://$plain/v2/none/here/tags/list: 404" || fail "loopback plain: $rc $out"

# An unknown CA: --ca-file, naming the host.
out=$(DOCKER_CONFIG=$docker_config "$DL" tags "docker://$tls/x/y" 2>&1); rc=$?
[ "$rc" = 1 ] || fail "unknown CA: exit $rc: $out"
echo "$out" | grep -qF "($tls's certificate is not trusted here: give its CA with --ca-file FILE" ||
  fail "unknown CA: no hint: $out"
out=$(DOCKER_CONFIG=$docker_config "$DL" tags "docker://$tls/x/y" --ca-file "$ca_file" 2>&1)
echo "$out" | grep -q "404 Not Found" || fail "with --ca-file: $out"

# TLS to a plain-HTTP registry: --plain-http HOST.
out=$("$DL" tags "docker://docker.io/x/y" --mirror "docker.io=https://$plain" 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -qF "does not speak TLS: if it is a plain-HTTP registry, add --plain-http ${plain%:*}" ||
  fail "TLS to plain HTTP: $rc $out"

# A wrong password: the file read, and what to do, in each place it can come from.
bad() { mkdir -p "$(dirname "$1")"; printf '{"auths":{"%s":{"auth":"%s"}}}' "$tls" "$(printf dltest:wrong | base64 -w0)" > "$1"; }
bad "$work/dc/config.json"
out=$(DOCKER_CONFIG=$work/dc "$DL" tags "docker://$tls/x/y" --ca-file "$ca_file" 2>&1); rc=$?
[ "$rc" = 1 ] || fail "wrong password: exit $rc: $out"
echo "$out" | grep -qF "401 Unauthorized" &&
  echo "$out" | grep -qF "the registry refused the auths entry for $tls in $work/dc/config.json (from \$DOCKER_CONFIG): check them, or run \`dlimage login $tls\`" ||
  fail "wrong password via DOCKER_CONFIG: $out"
bad "$work/auth.json"
out=$(REGISTRY_AUTH_FILE=$work/auth.json DOCKER_CONFIG=$docker_config "$DL" tags "docker://$tls/x/y" --ca-file "$ca_file" 2>&1)
echo "$out" | grep -qF "in $work/auth.json (from \$REGISTRY_AUTH_FILE)" || fail "wrong password via REGISTRY_AUTH_FILE: $out"
bad "$HOME/.docker/config.json"
out=$("$DL" tags "docker://$tls/x/y" --ca-file "$ca_file" 2>&1)
echo "$out" | grep -qF "in $HOME/.docker/config.json (the default)" || fail "wrong password via ~/.docker: $out"
out=$("$DL" tags "docker://$tls/x/y" --ca-file "$ca_file" --registry-config "$work/dc/config.json" 2>&1)
echo "$out" | grep -qF "in $work/dc/config.json (--registry-config)" || fail "wrong password via --registry-config: $out"
# The right password in REGISTRY_AUTH_FILE is used.
cp "$docker_config/config.json" "$work/good.json"
out=$(REGISTRY_AUTH_FILE=$work/good.json "$DL" tags "docker://$tls/x/y" --ca-file "$ca_file" 2>&1)
echo "$out" | grep -q "404 Not Found" || fail "REGISTRY_AUTH_FILE with the right password: $out"

# No credentials: login.
rm -rf "$HOME/.docker"
out=$("$DL" tags "docker://$tls/x/y" --ca-file "$ca_file" 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -qF "no entry for $tls in $HOME/.docker/config.json (the default)" &&
  echo "$out" | grep -qF "run \`dlimage login $tls\`" || fail "no credentials: $rc $out"
echo "REGISTRY-ERRORS OK"
