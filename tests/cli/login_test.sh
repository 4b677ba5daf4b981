#!/usr/bin/env bash
# dlimage login/logout as crane auth login: the docker config written with
# auths[KEY] = base64(user:password), mode 0600, every other key kept, by
# temp+rename; a configured credential helper gets `store`/`erase` instead
# and the file is left alone; the password comes only from stdin and is
# never printed; the written file authenticates against a real
# htpasswd+TLS Distribution registry (dlimage and skopeo both read it).
# No pipefail: `grep -q` closes its pipe early.
set -u
DL=${1:?usage: login_test.sh DLIMAGE}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/dlimage-login.XXXXXX)
cleanup() { "$ROOT/tests/registry/registryctl.sh" stop "$work/reg" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "LOGIN FAIL: $*" >&2; exit 1; }
export DOCKER_CONFIG=$work/docker
cfg=$DOCKER_CONFIG/config.json
field() { python3 -c "import json,sys; print(eval(sys.argv[2], {'d': json.load(open(sys.argv[1]))}))" "$@"; }

out=$(printf 's3cret-pw\n' | "$DL" login 127.0.0.1:5000 -u alice --password-stdin 2>&1); rc=$?
[ "$rc" = 0 ] || fail "login exit $rc: $out"
echo "$out" | grep -qx "Login Succeeded: 127.0.0.1:5000 in $cfg" || fail "login output: $out"
echo "$out" | grep -q "s3cret" && fail "the password reached the output"
[ "$(stat -c %a "$cfg")" = 600 ] || fail "config mode $(stat -c %a "$cfg")"
[ "$(field "$cfg" "d['auths']['127.0.0.1:5000']['auth']")" = "$(printf 'alice:s3cret-pw' | base64 -w0)" ] \
  || fail "auth entry: $(cat "$cfg")"
ls -a "$DOCKER_CONFIG" | grep -q tmp && fail "a temp file was left: $(ls -a "$DOCKER_CONFIG")"

# Other keys survive; Docker Hub's key is the v1 URL; one entry per host.
python3 - "$cfg" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["proxies"] = {"default": {"httpProxy": "http://proxy.invalid:3128"}}
d["auths"]["docker.io"] = {"auth": "b2xkOm9sZA=="}
json.dump(d, open(sys.argv[1], "w"))
PY
printf 'hubtoken' | "$DL" login docker.io -u bob --password-stdin > /dev/null || fail "login docker.io"
[ "$(field "$cfg" "sorted(d['auths'])")" = "['127.0.0.1:5000', 'https://index.docker.io/v1/']" ] \
  || fail "auths keys: $(field "$cfg" "sorted(d['auths'])")"
[ "$(field "$cfg" "d['proxies']['default']['httpProxy']")" = "http://proxy.invalid:3128" ] || fail "proxies lost"

# Refusals: no --password-stdin (usage), empty password, a malformed config
# (left as it was).
out=$("$DL" login h:1 -u x 2>&1 < /dev/null); rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q "expected --password-stdin" || fail "no --password-stdin: $rc $out"
out=$(printf '\n' | "$DL" login h:1 -u x --password-stdin 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "password from --password-stdin is empty" || fail "empty password: $rc $out"
echo '{"auths": [' > "$work/bad.json"
out=$(printf 'pw' | "$DL" login h:1 -u x --password-stdin --registry-config "$work/bad.json" 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "bad.json: not a JSON object" || fail "malformed config: $rc $out"
[ "$(cat "$work/bad.json")" = '{"auths": [' ] || fail "malformed config was rewritten"

# logout removes the entry; a second logout says there is none.
out=$("$DL" logout 127.0.0.1:5000 2>&1) || fail "logout: $out"
[ "$(field "$cfg" "sorted(d['auths'])")" = "['https://index.docker.io/v1/']" ] || fail "logout left: $(cat "$cfg")"
out=$("$DL" logout 127.0.0.1:5000 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "not logged in to 127.0.0.1:5000" || fail "second logout: $rc $out"

# A credential helper for the host: store/erase go to it, the file stays.
mkdir -p "$work/bin"
cat > "$work/bin/docker-credential-dltest" <<SH
#!/bin/sh
case "\$1" in
  store) cat > "$work/helper.store" ;;
  erase) cat > "$work/helper.erase" ;;
  get) echo '{"Username":"","Secret":""}' ;;
esac
SH
chmod +x "$work/bin/docker-credential-dltest"
python3 -c "import json,sys; d=json.load(open(sys.argv[1])); d['credHelpers']={'helped.example:5000':'dltest'}; json.dump(d, open(sys.argv[1],'w'))" "$cfg"
before=$(sha256sum < "$cfg")
out=$(printf 'helperpw' | PATH="$work/bin:$PATH" "$DL" login helped.example:5000 -u carol --password-stdin 2>&1) || fail "helper login: $out"
echo "$out" | grep -q "docker-credential-dltest" || fail "helper login output: $out"
[ "$(field "$work/helper.store" "d['ServerURL'], d['Username'], d['Secret']")" = "('helped.example:5000', 'carol', 'helperpw')" ] \
  || fail "helper got: $(cat "$work/helper.store")"
[ "$(sha256sum < "$cfg")" = "$before" ] || fail "the config changed though a helper stored the credentials"
PATH="$work/bin:$PATH" "$DL" logout helped.example:5000 > /dev/null || fail "helper logout"
[ "$(cat "$work/helper.erase")" = "helped.example:5000" ] || fail "helper erase got: $(cat "$work/helper.erase")"

# The file authenticates: a real htpasswd+TLS registry, read by dlimage and skopeo.
eval "$("$ROOT/tests/registry/registryctl.sh" start htpasswd_tls "$work/reg" | grep -E '^(host|user|password_file|ca_file)=')"
[ -n "${host:-}" ] || fail "registry did not start"
export DOCKER_CONFIG=$work/real && cfg=$DOCKER_CONFIG/config.json
(cd "$work" && umoci init --layout img && umoci new --image img:v1) >/dev/null || fail "umoci"
out=$("$DL" copy --ca-file "$ca_file" "oci:$work/img:v1" "docker://$host/team/x:v1" 2>&1) && fail "pushed without login: $out"
"$DL" login "$host" -u "$user" --password-stdin < "$password_file" > /dev/null || fail "login to $host"
"$DL" copy --ca-file "$ca_file" "oci:$work/img:v1" "docker://$host/team/x:v1" > /dev/null || fail "push after login"
[ "$("$DL" tags --ca-file "$ca_file" "docker://$host/team/x")" = v1 ] || fail "tags after login"
skopeo inspect --authfile "$cfg" --cert-dir "$(dirname "$ca_file")" "docker://$host/team/x:v1" > /dev/null 2>&1 \
  || skopeo inspect --authfile "$cfg" --tls-verify=false "docker://$host/team/x:v1" > /dev/null || fail "skopeo with the written config"
echo "LOGIN OK"
