#!/usr/bin/env bash
# The release engineer's CLI against a real loopback Distribution registry,
# on a two-image matrix over a tiny umoci-made base (tests/cli/release/):
#   - `build --push --json` prints a schema-1 results document with full
#     digests and the references as pushed (a CI shard's artifact);
#   - `verify --results` checks those tags without rebuilding (no --output,
#     no layout): 0 when they match, 3 when a tag was moved, 1 for a file
#     that is not a results document;
#   - -q prints digests only; --no-trunc prints full digests in the table;
#     --progress plain|none and TERM=dumb never draw a live line.
# No pipefail: `grep -q` closes its pipe early.
set -u
DL=${1:?usage: release_cli_test.sh DLIMAGE}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/dlimage-release.XXXXXX)
cleanup() { "$ROOT/tests/registry/registryctl.sh" stop "$work/reg" >/dev/null 2>&1; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "RELEASE-CLI FAIL: $*" >&2; exit 1; }
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# The tiny base: one file, the interpreter the matrix declares.
(cd "$work" && umoci init --layout base && umoci new --image base:base &&
  umoci unpack --rootless --image base:base b >/dev/null && mkdir -p b/rootfs/usr/bin &&
  printf '#!/bin/sh\necho stand-in\n' > b/rootfs/usr/bin/python3.11 && chmod 755 b/rootfs/usr/bin/python3.11 &&
  umoci repack --image base:base b >/dev/null) || fail "could not make the tiny base"
eval "$("$ROOT/tests/registry/registryctl.sh" start plain "$work/reg" | grep -E '^(host)=')"
[ -n "${host:-}" ] || fail "registry did not start"
inputs=(-m "$ROOT/tests/cli/release/matrix.yaml" --base "oci:$work/base" --no-catalog --cache "$work/cache"
        --output "oci:$work/out" --registry "$host")

"$DL" build "${inputs[@]}" --push --json > "$work/results.json" 2> "$work/err" || { cat "$work/err"; fail "build --push"; }
[ "$(json "$work/results.json" "d['schema']")" = 1 ] || fail "no schema 1 in the results"
[ "$(json "$work/results.json" "len(d['images'])")" = 2 ] || fail "expected 2 images"
[ "$(json "$work/results.json" "all(len(i['digest']) == 71 for i in d['images'])")" = True ] || fail "digests not full"
[ "$(json "$work/results.json" "d['images'][0]['pushed_tags'][0].startswith('$host/team/tool:')")" = True ] \
  || fail "pushed_tags do not name $host: $(cat "$work/results.json")"
[ ! -s "$work/err" ] || fail "--json wrote progress to stderr: $(cat "$work/err")"

# plan: nothing to do right after the push; then each kind of change is
# named, against the registry, without building (no layout is written).
plan() { "$DL" plan -m "$work/m/matrix.yaml" --base "oci:$work/base" --registry "$host" "$@"; }
cp -r "$ROOT/tests/cli/release" "$work/m"
out=$(plan 2>&1); rc=$?
[ "$rc" = 0 ] || fail "plan exit $rc: $out"
echo "$out" | grep -qx "0 of 2 images would be built and pushed; nothing was built" || fail "plan after push: $out"
sed -i 's/LANG: C.UTF-8/LANG: C.UTF-8\n  EXTRA: "1"/' "$work/m/recipes/tool.yaml"
out=$(plan)
echo "$out" | grep -q "build+push  $host/team/tool:1.0-py311-cpu: recipe changed (tool)" || fail "plan recipe: $out"
echo "$out" | grep -qx "2 of 2 images would be built and pushed; nothing was built" || fail "plan recipe count: $out"
cp "$ROOT/tests/cli/release/recipes/tool.yaml" "$work/m/recipes/tool.yaml"
sed -i 's/isa: \[generic, avx\]/isa: [generic, avx, avx2]/; s/^  avx:     {rank: 1, features: \[avx\], tag: "-avx"}/&\n  avx2:    {rank: 2, features: [avx, avx2], tag: "-avx2"}/' "$work/m/matrix.yaml"
out=$(plan)
echo "$out" | grep -q "build+push  $host/team/tool:1.0-py311-cpu-avx2: not published" || fail "plan new cell: $out"
echo "$out" | grep -q "up to date  $host/team/tool:1.0-py311-cpu$" || fail "plan unchanged cell: $out"
[ "$(plan -q)" = "$host/team/tool:1.0-py311-cpu-avx2" ] || fail "plan -q: $(plan -q)"
[ "$(plan --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["schema"], d["to_build"])')" = "1 1" ] \
  || fail "plan --json"
# A recipe typo is found before any registry is asked (port 9: nobody listens).
cp -r "$work/m" "$work/typo"
sed -i 's/^name: tool$/name: tool\nwheelz: []/' "$work/typo/recipes/tool.yaml"
out=$("$DL" plan -m "$work/typo/matrix.yaml" --base "oci:$work/base" --registry 127.0.0.1:9 2>&1); rc=$?
[ "$rc" != 0 ] && echo "$out" | grep -q "recipes/tool.yaml:[0-9]*:[0-9]*: unknown key 'wheelz' in recipe" \
  || fail "plan with a recipe typo: exit $rc: $out"
cp -r "$work/base" "$work/base2"
(cd "$work" && umoci unpack --rootless --image base2:base b2 >/dev/null && echo changed > b2/rootfs/etc-marker &&
  umoci repack --image base2:base b2 >/dev/null) || fail "could not change the base"
out=$("$DL" plan -m "$ROOT/tests/cli/release/matrix.yaml" --base "oci:$work/base2" --registry "$host")
echo "$out" | grep -q "1.0-py311-cpu: base digest changed (tiny:base: sha256:" || fail "plan base: $out"
[ ! -e "$work/m/out" ] || fail "plan wrote a layout"

# The lock pins the base by digest: `lock` records it, a build on a base
# that moved fails in one line naming both digests and the fix, `plan`
# says so, and --upgrade-base re-pins it.
"$DL" lock -m "$ROOT/tests/cli/release/matrix.yaml" --base "oci:$work/base" --no-catalog --cache "$work/cache" \
  --lock "$work/pin.lock" > "$work/lock.out" 2>&1 || fail "lock: $(cat "$work/lock.out")"
grep -q "pinned: base tiny:base" "$work/lock.out" || fail "lock pinned nothing: $(cat "$work/lock.out")"
pinned=$(json "$work/pin.lock" "d['bases']['tiny:base']['digest']")
[ "${#pinned}" = 71 ] && [ "$(json "$work/pin.lock" "d['bases']['tiny:base']['platform']")" = linux/amd64 ] \
  || fail "lock bases: $(cat "$work/pin.lock")"
out=$("$DL" plan -m "$ROOT/tests/cli/release/matrix.yaml" --base "oci:$work/base2" --registry "$host" \
  --lock "$work/pin.lock")
echo "$out" | grep -q "1.0-py311-cpu: the build would fail: base tiny:base: the lock pins $pinned but oci:" \
  || fail "plan with a moved pinned base: $out"
out=$("$DL" build -m "$ROOT/tests/cli/release/matrix.yaml" --base "oci:$work/base2" --no-catalog --cache "$work/cache" \
  --output "oci:$work/moved" --lock "$work/pin.lock" -q 2>&1); rc=$?
[ "$rc" = 1 ] || fail "build on a moved base: exit $rc: $out"
[ "$(echo "$out" | wc -l)" = 1 ] && echo "$out" | grep -q "base tiny:base: the lock pins $pinned but oci:$work/base2 has sha256:[0-9a-f]\{64\}; run \`dlimage lock --upgrade-base tiny:base\` to re-pin it" \
  || fail "build on a moved base: $out"
out=$("$DL" lock -m "$ROOT/tests/cli/release/matrix.yaml" --base "oci:$work/base2" --no-catalog --cache "$work/cache" \
  --lock "$work/pin.lock" --upgrade-base tiny:bsae 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "did you mean tiny:base?" || fail "--upgrade-base typo: exit $rc: $out"
"$DL" lock -m "$ROOT/tests/cli/release/matrix.yaml" --base "oci:$work/base2" --no-catalog --cache "$work/cache" \
  --lock "$work/pin.lock" --upgrade-base tiny:base > /dev/null || fail "lock --upgrade-base"
[ "$(json "$work/pin.lock" "d['bases']['tiny:base']['digest']")" != "$pinned" ] || fail "--upgrade-base kept the pin"

# diff: two layouts (the recipe change above, built), two locks.
"$DL" build -m "$work/m/matrix.yaml" --base "oci:$work/base" --no-catalog --cache "$work/cache" \
  --output "oci:$work/out2" --filter isa=generic -q > /dev/null || fail "build out2"
out=$("$DL" diff "oci:$work/out" "oci:$work/out" 2>&1); rc=$?
[ "$rc" = 0 ] && echo "$out" | grep -qx "0 tags differ, 2 the same" || fail "diff same layout: $rc $out"
sed -i 's/LANG: C.UTF-8/LANG: C.UTF-8\n  EXTRA: "1"/' "$work/m/recipes/tool.yaml"
"$DL" build -m "$work/m/matrix.yaml" --base "oci:$work/base" --no-catalog --cache "$work/cache" \
  --output "oci:$work/out3" --filter isa=generic -q > /dev/null || fail "build out3"
out=$("$DL" diff "oci:$work/out2" "oci:$work/out3"); rc=$?
[ "$rc" = 1 ] || fail "diff layouts exit $rc: $out"
echo "$out" | grep -qx "~ team/tool:1.0-py311-cpu" && echo "$out" | grep -qx "    recipe changed" || fail "diff layouts: $out"
echo "$out" | grep -qx "1 tag differs, 0 the same" || fail "diff layouts count: $out"
# The same reasons as plan's (pipeline/changes.h): a base that moved.
"$DL" build -m "$work/m/matrix.yaml" --base "oci:$work/base2" --no-catalog --cache "$work/cache" \
  --output "oci:$work/out4" --filter isa=generic -q > /dev/null || fail "build out4"
out=$("$DL" diff "oci:$work/out3" "oci:$work/out4")
echo "$out" | grep -q "^    base digest changed (tiny:base: sha256:[0-9a-f]\{12\} -> sha256:[0-9a-f]\{12\})$" \
  || fail "diff layouts base: $out"
# dlimage's own repo:tag names address images in its layouts (copy, inspect).
"$DL" inspect "oci:$work/out4:team/tool:1.0-py311-cpu" -q > /dev/null || fail "inspect oci:DIR:repo:tag"
python3 - "$work" <<'PY'
import json, sys
def lock(six, extra):
    w = [{"name": "six", "version": six, "filename": f"six-{six}-py2.py3-none-any.whl",
          "url": f"https://files.invalid/six-{six}.whl", "sha256": "a" * 64, "size": 1}]
    env = {"cell": "team/tool:1.0-py311-cpu", "python": "3.11", "abi": "cp311", "glibc": "2.36",
           "requirements": ["six"], "wheels": w}
    envs = {"team/tool:1.0-py311-cpu python3.11": env}
    if extra:
        envs["team/tool:1.0-py311-cpu-avx python3.11"] = dict(env, cell="team/tool:1.0-py311-cpu-avx")
    base = {"digest": "sha256:" + ("b" if extra else "a") * 64, "platform": "linux/amd64"}
    return {"version": 2, "environments": envs, "bases": {"tiny:base": base}}
json.dump(lock("1.15.0", False), open(sys.argv[1] + "/a.lock", "w"))
json.dump(lock("1.16.0", True), open(sys.argv[1] + "/b.lock", "w"))
PY
out=$("$DL" diff "$work/a.lock" "$work/b.lock"); rc=$?
[ "$rc" = 1 ] || fail "diff locks exit $rc"
echo "$out" | grep -qx "~ team/tool:1.0-py311-cpu python3.11" && echo "$out" | grep -qx "    six 1.15.0 -> 1.16.0" &&
  echo "$out" | grep -qx "+ team/tool:1.0-py311-cpu-avx python3.11" &&
  echo "$out" | grep -qx "~ base tiny:base" && echo "$out" | grep -qx "    sha256:a\{64\} -> sha256:b\{64\}" &&
  echo "$out" | grep -qx "3 lock entries differ, 0 the same" || fail "diff locks: $out"
out=$("$DL" diff "oci:$work/out" "$work/a.lock" 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "expected two layouts (oci:DIR) or two lock files" || fail "diff mixed: $out"

# promote: team/ -> prod/ on the same registry by digest (blobs mounted, no
# rebuild); verify --results --namespace prod then finds the same digests.
promote() { "$DL" promote -m "$ROOT/tests/cli/release/matrix.yaml" --from-registry "$host" --registry "$host" "$@"; }
out=$(promote --namespace prod --dry-run); rc=$?
[ "$rc" = 0 ] && echo "$out" | grep -q "^would copy 2 of 2 tags" || fail "promote --dry-run: $rc $out"
[ -z "$("$DL" tags "docker://$host/prod/tool" 2>/dev/null)" ] || fail "promote --dry-run copied"
out=$(promote --namespace prod); rc=$?
[ "$rc" = 0 ] || fail "promote exit $rc: $out"
echo "$out" | grep -q "copied      $host/team/tool:1.0-py311-cpu -> $host/prod/tool:1.0-py311-cpu  sha256:" \
  || fail "promote lines: $out"
echo "$out" | grep -q "^promoted 2 of 2 tags (0 blobs copied, [1-9][0-9]* mounted" || fail "promote did not mount: $out"
out=$("$DL" verify --results "$work/results.json" --namespace prod 2>&1); rc=$?
[ "$rc" = 0 ] && echo "$out" | grep -qx "2/2 tags verified" || fail "verify promoted: $rc $out"
out=$(promote --namespace prod --json)
[ "$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["schema"], all(t["already"] for t in d["tags"]))')" = "1 True" ] \
  || fail "promote again is not a no-op: $out"
out=$(promote 2>&1); rc=$?
[ "$rc" = 1 ] && echo "$out" | grep -q "source and destination are the same repository" || fail "promote onto itself: $rc $out"
out=$(promote --namespace Prod 2>&1); rc=$?
[ "$rc" = 2 ] && echo "$out" | grep -q "namespace 'Prod'" || fail "bad namespace: $rc $out"
# build --push --namespace: the same digests under another namespace.
"$DL" build "${inputs[@]}" --push --namespace fork -q > "$work/fork.out" || fail "build --push --namespace"
out=$("$DL" verify --results "$work/results.json" --namespace fork 2>&1)
echo "$out" | grep -qx "2/2 tags verified" || fail "verify fork: $out"

# verify --results: no rebuild (no --output, no matrix, no base layout).
mv "$work/out" "$work/out.kept"
out=$(cd "$work" && "$DL" verify --results results.json 2>&1); rc=$?
[ "$rc" = 0 ] || fail "verify --results exit $rc: $out"
echo "$out" | grep -qx "2/2 tags verified" || fail "verify --results: $out"
[ ! -e "$work/out" ] || fail "verify --results wrote a layout"
out=$("$DL" verify --results "$work/results.json" --json); rc=$?
[ "$rc" = 0 ] && [ "$(echo "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["schema"], d["verified"])')" = "1 2" ] \
  || fail "verify --json: $out"
mv "$work/out.kept" "$work/out"

# A tag moved to another image: exit 3, naming the tag and both digests.
d0=$(json "$work/results.json" "d['images'][0]['digest']")
d1=$(json "$work/results.json" "d['images'][1]['digest']")
t0=$(json "$work/results.json" "d['images'][0]['pushed_tags'][0]")
# --all: the tag is an index (image + attestations); a single-image copy would change its digest.
skopeo copy --all --quiet --dest-tls-verify=false "oci:$work/out:$(json "$work/results.json" "d['images'][1]['tags'][0]")" \
  "docker://$t0" || fail "skopeo could not move $t0"
out=$("$DL" verify --results "$work/results.json" 2>&1); rc=$?
[ "$rc" = 3 ] || fail "moved tag: exit $rc (expected 3): $out"
echo "$out" | grep -q "$t0: points at $d1, expected $d0" || fail "moved tag message: $out"
echo "$out" | grep -qx "1/2 tags verified" || fail "moved tag count: $out"

# Not a results file: one line naming it, exit 1.
echo '{"images": []}' > "$work/bad.json"
out=$("$DL" verify --results "$work/bad.json" 2>&1); rc=$?
[ "$rc" = 1 ] || fail "bad results exit $rc: $out"
echo "$out" | grep -qx "dlimage: error: $work/bad.json: no \"schema\" field; expected the output of \`dlimage build --json\`" \
  || fail "bad results message: $out"
echo '{"schema": 9, "images": []}' > "$work/bad.json"
out=$("$DL" verify --results "$work/bad.json" 2>&1)
echo "$out" | grep -q "schema 9 is not supported" || fail "future schema: $out"
out=$("$DL" verify 2>&1); rc=$?
[ "$rc" = 2 ] || fail "verify without --output or --results: exit $rc: $out"

# -q: one "DIGEST  REF" line per image, nothing on stderr.
"$DL" build "${inputs[@]}" -q > "$work/q.out" 2> "$work/q.err" || fail "build -q"
[ "$(wc -l < "$work/q.out")" = 2 ] && grep -q "^$d0  team/tool:1.0-py311-cpu$" "$work/q.out" || fail "build -q: $(cat "$work/q.out")"
[ ! -s "$work/q.err" ] || fail "build -q wrote to stderr: $(cat "$work/q.err")"
# The table cuts digests unless --no-trunc.
out=$("$DL" build "${inputs[@]}" --progress none)
echo "$out" | grep -q "$d0" && fail "digest not truncated by default: $out"
out=$("$DL" build "${inputs[@]}" --progress none --no-trunc)
echo "$out" | grep -q "$d0" || fail "--no-trunc: $out"
# Progress: plain lines with --progress plain and with TERM=dumb on a
# terminal-less stderr; never a carriage return; none with --progress none.
"$DL" build "${inputs[@]}" --progress plain > /dev/null 2> "$work/p.err" || fail "--progress plain"
grep -q "^\[1/2\] build-images" "$work/p.err" || fail "--progress plain printed no step lines: $(cat "$work/p.err")"
grep -q $'\r' "$work/p.err" && fail "--progress plain drew a live line"
TERM=dumb script -qec "$DL build ${inputs[*]} --progress auto" /dev/null > "$work/dumb.out" 2>&1 || fail "TERM=dumb build"
grep -q $'\033\[K' "$work/dumb.out" && fail "TERM=dumb on a terminal drew a live line"
grep -q "build-images" "$work/dumb.out" || fail "TERM=dumb printed no progress lines: $(cat "$work/dumb.out")"
"$DL" build "${inputs[@]}" --progress none > /dev/null 2> "$work/n.err" || fail "--progress none"
[ ! -s "$work/n.err" ] || fail "--progress none printed: $(cat "$work/n.err")"
out=$("$DL" build "${inputs[@]}" --progress fancy 2>&1); rc=$?
[ "$rc" = 2 ] || fail "--progress fancy exit $rc"

# --json on the other commands: a "schema" field and full digests; -q gives
# what a script captures.
schema() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["schema"], d["kind"])'; }
[ "$("$DL" matrix -m "$ROOT/tests/cli/release/matrix.yaml" --json | schema)" = "1 dlimage.matrix" ] || fail "matrix --json"
[ "$("$DL" matrix -m "$ROOT/tests/cli/release/matrix.yaml" -q | wc -l)" = 2 ] || fail "matrix -q"
[ "$("$DL" tags "docker://$host/team/tool" --json | schema)" = "1 dlimage.tags" ] || fail "tags --json"
j=$("$DL" inspect "docker://$t0" --json)
[ "$(echo "$j" | schema)" = "1 dlimage.inspect" ] && echo "$j" | grep -q "\"$d1\"" || fail "inspect --json: $j"
[ "$("$DL" inspect "docker://$t0" -q)" = "$d1" ] || fail "inspect -q"
j=$("$DL" copy "docker://$t0" "oci:$work/copied:x" --json)
[ "$(echo "$j" | schema)" = "1 dlimage.copy" ] && echo "$j" | grep -q "\"$d1\"" || fail "copy --json: $j"
[ "$("$DL" copy -q "docker://$t0" "oci:$work/copied:y")" = "$d1" ] || fail "copy -q"
[ "$("$DL" resolve -m "$ROOT/tests/cli/release/matrix.yaml" --cpu haswell --json | schema)" = "1 dlimage.resolve" ] \
  || fail "resolve --json"
[ "$("$DL" resolve -m "$ROOT/tests/cli/release/matrix.yaml" --cpu haswell -q)" = "team/tool:1.0-py311-cpu-avx" ] \
  || fail "resolve -q: $("$DL" resolve -m "$ROOT/tests/cli/release/matrix.yaml" --cpu haswell -q)"
echo "RELEASE-CLI OK"
