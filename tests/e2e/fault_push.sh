#!/usr/bin/env bash
# The whole shipped matrix (54 images and the 2 deeplearning auto indexes, stand-in wheels, the Debian base standing
# in for the Ubuntu/CUDA/ROCm bases) pushed through the fault proxy: random
# 503/500/429 answers, cut request and response bodies, dropped connections.
# The push must succeed, every tag must verify against the registry directly,
# and the proxy's log must show the faults really happened. Then a slice is
# pushed to htpasswd+TLS and token-auth registries and read back by skopeo.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${DL_BUILD_DIR:-$ROOT/build}
DL=$BUILD/dlimage
: "${DL_BASE_OCI:?run ci/make-base.sh first (ci/test.sh does)}"
work=$(mktemp -d /tmp/dlimage-faults.XXXXXX)
# Every registry (and the fault proxy) this script starts is stopped on every
# way out: the state dirs are the ones the starts below use.
cleanup() {
  for r in reg htpasswd token; do "$ROOT/tests/registry/registryctl.sh" stop "$work/$r" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
fail() { echo "FAULT-PUSH FAIL: $*" >&2; exit 1; }
export DL_BUILD_DIR=$BUILD

# A private copy of the base layout with the shipped matrix's base tags
# pointing at the Debian image plus stand-in interpreters.
"$ROOT/tests/support/stand_in_bases.sh" "$DL_BASE_OCI" "$work/bases"
python3 "$ROOT/tests/fixtures/wheels/make_stand_ins.py" "$work/wheels" --payload-kb 32
# The shipped matrix without its xenial apt: sections (Ubuntu's archive and
# the operator's Python 3.6 repository are not reachable here).
python3 "$ROOT/tests/support/offline_matrix.py" "$ROOT/matrix.yaml" "$work/matrix.yaml"
inputs=(-m "$work/matrix.yaml" --recipes "$ROOT/recipes" --base "oci:$work/bases" --wheels /usr/share/python-wheels --wheels "$work/wheels"
        --artifacts "$work/wheels" --cache "$work/cache" --lock "$work/wheels.lock" --no-catalog
        --output "oci:$work/out")

eval "$("$ROOT/tests/registry/registryctl.sh" start plain "$work/reg" | grep -E '^host=')"
eval "$("$ROOT/tests/registry/registryctl.sh" proxy "$work/reg" | grep -E '^(proxy_host|fault_log|rules_file)=')"
cat > "$rules_file" <<'RULES'
status 503 rate=0.03 seed=11
status 429 retry-after=1 rate=0.01 seed=12
status 500 method=PUT path=/manifests/ nth=2
drop-request 30000 method=PATCH|PUT path=/blobs/uploads/ rate=0.05 seed=13
drop-response 2000 method=GET rate=0.05 seed=14
close rate=0.01 seed=15
RULES
sleep 1  # the proxy picks up its rules file on change

echo "== full matrix through the fault proxy"
"$DL" build "${inputs[@]}" --push --registry "$proxy_host" --plain-http "$proxy_host" --json > "$work/push.json"
python3 - "$work/push.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
# 54 images plus the deeplearning auto indexes (1.1-cpu-auto, 1.0-py27-cpu-auto).
assert len(d["images"]) == 56, len(d["images"])
assert d["push"]["manifests_put"] == 56, d["push"]
print("pushed:", d["push"], "\ndedup:", d["dedup"])
PY
faults=$(grep -c '^fault' "$fault_log" || true)
echo "faults injected: $faults"; sort "$fault_log" | awk '{print $4, $5}' | sort | uniq -c | head
[ "$faults" -ge 5 ] || fail "the proxy injected only $faults faults"
"$DL" verify "${inputs[@]}" --registry "$host" --plain-http "$host" | tail -1 | grep -q "^56/56 tags verified" \
  || fail "verify after the faulty push"

echo "== htpasswd+TLS and token auth"
for mode in htpasswd_tls token; do
  dir=$work/${mode%%_*}
  eval "$("$ROOT/tests/registry/registryctl.sh" start "$mode" "$dir" | grep -E '^(host|ca_file|docker_config|user|password_file)=')"
  extra=(--registry "$host" --registry-config "$docker_config/config.json")
  [ "$mode" = htpasswd_tls ] && extra+=(--ca-file "$ca_file") || extra+=(--plain-http "$host")
  "$DL" build "${inputs[@]}" --filter repo=qingcloud/keras --push "${extra[@]}" --json > "$work/$mode.json"
  skopeo_tls=(--tls-verify=false --creds "$user:$(cat "$password_file")")
  skopeo inspect "${skopeo_tls[@]}" "docker://$host/qingcloud/keras:2.2-tf1.12-cpu" | grep -q io.qingcloud.dlimage.cell \
    || fail "skopeo cannot read the $mode push"
  skopeo copy --quiet --src-tls-verify=false --src-creds "$user:$(cat "$password_file")" \
    "docker://$host/qingcloud/keras:2.2-tf1.8-py36-cpu" "oci:$work/$mode-copy:img"
  umoci unpack --image "$work/$mode-copy:img" "$work/$mode-bundle" >/dev/null
  [ -f "$work/$mode-bundle/rootfs/etc/dlimage/image.env" ] || fail "umoci: files layer missing ($mode)"
  echo "$mode: ok"
done
# Nothing this script started may outlive it: stop everything, then check.
pids=$(cat "$work"/{reg,htpasswd,token}/{server,proxy}.pid 2>/dev/null || true)
pids+=" $(sed -n 's/^registry_pid=//p' "$work"/{reg,htpasswd,token}/env 2>/dev/null || true)"
for r in reg htpasswd token; do "$ROOT/tests/registry/registryctl.sh" stop "$work/$r" >/dev/null 2>&1 || true; done
for p in $pids; do
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
  ! kill -0 "$p" 2>/dev/null || fail "process $p (a registry or proxy) still running after stop"
done
echo "FAULT-PUSH OK"
