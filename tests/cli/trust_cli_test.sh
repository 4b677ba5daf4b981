#!/usr/bin/env bash
# The CLI's trust behaviour end to end against a real htpasswd+TLS registry:
# --tls-verify=false works and prints exactly one warning line naming the
# host; without it the self-signed certificate is refused; the password never
# appears in any output.
set -euo pipefail
DL=${1:?usage: trust_cli_test.sh path/to/dlimage}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/dlimage-trust.XXXXXX)
cleanup() { "$ROOT/tests/registry/registryctl.sh" stop "$work/tls" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "TRUST-CLI FAIL: $*" >&2; exit 1; }

eval "$("$ROOT/tests/registry/registryctl.sh" start htpasswd_tls "$work/tls" | grep -E '^(host|docker_config|password_file)=')"
password=$(cat "$password_file")

# Nothing pushed yet: the repository has no tags, so tags fails with NAME_UNKNOWN
# or prints nothing; either way the TLS handshake was made without checks.
"$DL" tags --tls-verify=false --registry-config "$docker_config/config.json" "docker://$host/team/none" \
  > "$work/out" 2> "$work/err" || true
warnings=$(grep -c "warning" "$work/err" || true)
[ "$warnings" -eq 1 ] || { cat "$work/err" >&2; fail "expected one warning line, got $warnings"; }
grep "warning" "$work/err" | grep -q "$host" || fail "the warning does not name $host"
grep -q "tls-verify" "$work/err" || fail "the warning does not say why"
! grep -q "$password" "$work/out" "$work/err" || fail "the password reached the output"

# With verification (the default), the throwaway CA is not trusted.
if "$DL" tags --registry-config "$docker_config/config.json" "docker://$host/team/none" > "$work/out2" 2> "$work/err2"; then
  fail "an untrusted certificate was accepted"
fi
! grep -q "warning" "$work/err2" || fail "a warning without --tls-verify=false"
! grep -q "$password" "$work/out2" "$work/err2" || fail "the password reached the output"
echo "TRUST-CLI OK"
