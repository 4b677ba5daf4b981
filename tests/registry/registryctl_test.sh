#!/usr/bin/env bash
# registryctl.sh end to end: every mode starts and answers /v2/ as documented,
# the proxy injects what its control file says, stop cleans up.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ctl=$here/registryctl.sh
# 77: ctest reports a skip (SKIP_RETURN_CODE), never a pass; ci/test.sh fails on it.
command -v docker-registry >/dev/null || { echo "SKIP: docker-registry not installed (Debian package docker-registry)"; exit 77; }
command -v curl >/dev/null || { echo "registryctl_test: curl not installed (Debian package curl)" >&2; exit 1; }
state=$(mktemp -d /tmp/dl-registryctl-test.XXXXXX)
passed=0 failed=0
cleanup() { "$ctl" stop "$state/plain" || true; "$ctl" stop "$state/tls" || true; "$ctl" stop "$state/token" || true; rm -rf "$state"; }
trap cleanup EXIT

check() {  # NAME EXPECTED ACTUAL
  if [[ $2 == "$3" ]]; then passed=$((passed + 1)); else echo "FAIL $1: expected '$2', got '$3'"; failed=$((failed + 1)); fi
}
get() { sed -n "s/^$1=//p" "$2"; }

"$ctl" start plain "$state/plain" >"$state/plain.out"
url=$(get url "$state/plain.out")
check "plain /v2/" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$url/v2/")"

"$ctl" start htpasswd_tls "$state/tls" >"$state/tls.out"
url=$(get url "$state/tls.out"); ca=$(get ca_file "$state/tls.out")
user=$(cat "$(get user_file "$state/tls.out")"); pass=$(cat "$(get password_file "$state/tls.out")")
check "tls /v2/ anonymous" 401 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" "$url/v2/")"
check "tls /v2/ with creds" 200 "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$ca" -u "$user:$pass" "$url/v2/")"
check "tls docker config" 1 "$(grep -c "$(get host "$state/tls.out")" "$(get docker_config "$state/tls.out")/config.json")"

"$ctl" start token "$state/token" >"$state/token.out"
url=$(get url "$state/token.out"); realm=$(get token_realm "$state/token.out"); service=$(get token_service "$state/token.out")
user=$(cat "$(get user_file "$state/token.out")"); pass=$(cat "$(get password_file "$state/token.out")")
check "token /v2/ anonymous" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$url/v2/")"
token=$(curl -s -u "$user:$pass" "$realm?service=$service" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
check "token /v2/ with bearer" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url/v2/")"

# The fault proxy with a control file edited while it runs.
"$ctl" proxy "$state/plain" >"$state/proxy.out"
purl=$(get proxy_url "$state/proxy.out"); rules=$(get rules_file "$state/proxy.out")
check "proxy no faults" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$purl/v2/")"
echo "status 503 path=^/v2/\$ retry-after=1" >"$rules"
check "proxy 503" 503 "$(curl -s -o /dev/null -w '%{http_code}' "$purl/v2/")"
check "proxy after 503" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$purl/v2/")"
check "fault log" 1 "$(grep -c '^fault .*action=status 503 GET /v2/' "$(get fault_log "$state/proxy.out")")"

plain_url=$(get url "$state/plain.out")
"$ctl" stop "$state/plain"
check "stopped" 000 "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$plain_url/v2/" || true)"
check "data removed" no "$([[ -e $state/plain/registry ]] && echo yes || echo no)"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
