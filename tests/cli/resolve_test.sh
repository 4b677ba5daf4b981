#!/usr/bin/env bash
# CLI behaviour of `dlimage resolve`: the user guide's CPU table, driver
# cutoffs, --explain wording and one-line errors, run from a directory that
# has no data/ (the YAML tables are compiled in).
# usage: resolve_test.sh path/to/dlimage path/to/source-dir
set -u
DLIMAGE=$(realpath "$1")
[[ -x "$DLIMAGE" ]] || { echo "resolve_cli: $1 is not built"; exit 1; }
SRC=$(realpath "$2")
MATRIX=$SRC/matrix.yaml
FIX=$SRC/tests/fixtures/cpuinfo
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
pass=0 fail=0

check() {  # name expected actual
  if [[ "$2" == "$3" ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    printf 'FAIL %s\n--- expected\n%s\n--- actual\n%s\n' "$1" "$2" "$3"
  fi
}
contains() {  # name needle haystack
  if [[ "$3" == *"$2"* ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    printf 'FAIL %s: %q not in\n%s\n' "$1" "$2" "$3"
  fi
}

dl_tags() { "$DLIMAGE" resolve -m "$MATRIX" --repo qingcloud/deeplearning --version 1.1 --format tags "$@" 2>&1; }

# The user guide's table "入门版镜像与 CPU 微架构适配表", CPU-only hosts.
R=qingcloud/deeplearning
check westmere "$R:1.1-cpu" "$(dl_tags --cpu Westmere)"
for cpu in SandyBridge IvyBridge; do
  check "$cpu" "$R:1.1-cpu-avx
$R:1.1-cpu" "$(dl_tags --cpu $cpu)"
done
for cpu in Haswell Broadwell Skylake; do
  check "$cpu" "$R:1.1-cpu-avx2-mkldnn
$R:1.1-cpu-avx
$R:1.1-cpu" "$(dl_tags --cpu $cpu)"
done

# The product's GPU hosts: driver 387.26 runs the CUDA 9.1 image, first.
check gpu-host-387.26 "$R:1.1-cu91-cudnn7.1
$R:1.1-cpu-avx2-mkldnn
$R:1.1-cpu-avx
$R:1.1-cpu" "$(dl_tags --cpu haswell --nvidia-driver 387.26)"
check driver-367.47 "$R:1.1-cpu-avx2-mkldnn
$R:1.1-cpu-avx
$R:1.1-cpu" "$(dl_tags --cpu haswell --nvidia-driver 367.47)"
check rocm "$R:1.1-rocm26
$R:1.1-cpu" "$(dl_tags --cpu westmere --rocm 2.6.22)"
# A VM that reports a Haswell but hides avx2 gets the AVX image.
check masked-vm "$R:1.1-cpu-avx
$R:1.1-cpu" "$(dl_tags --cpuinfo "$FIX/vm-haswell-avx2-masked-xeon-e5-2680v3")"
check cpu-flags "$R:1.1-cpu-avx
$R:1.1-cpu" "$(dl_tags --cpu-flags 'sse4_2 avx')"

# --explain says why each tag is out.
out=$("$DLIMAGE" resolve -m "$MATRIX" --repo qingcloud/deeplearning --version 1.1 --cpu sandybridge \
  --nvidia-driver 387.26 --explain 2>&1)
contains explain-machine "machine: cpu sandybridge (--cpu sandybridge); NVIDIA driver 387.26; ROCm none" "$out"
contains explain-isa "$R:1.1-cpu-avx2-mkldnn: needs avx avx2 fma, machine lacks avx2 fma" "$out"
contains explain-rocm "$R:1.1-rocm26: ROCm build, no --rocm given" "$out"

# A CUDA 10.0 image and an older driver (a matrix written for this test).
cat > cuda10.yaml <<'YAML'
schema: 1
bases:
  cuda10.0: {ref: "nvidia/cuda:10.0-cudnn7-devel-ubuntu16.04", glibc: "2.23", pythons: {"3.6": {abi: cp36m, interpreter: /usr/bin/python3.6, site_packages: usr/local/lib/python3.6/dist-packages}}}
  cuda9.1: {ref: "nvidia/cuda:9.1-cudnn7-devel-ubuntu16.04", glibc: "2.23", pythons: {"3.6": {abi: cp36m, interpreter: /usr/bin/python3.6, site_packages: usr/local/lib/python3.6/dist-packages}}}
pythons:
  "3.6": {tag: "-py36"}
accelerators:
  cu100: {kind: cuda, cuda: "10.0", cudnn: "7.4", tag: cu100, base: cuda10.0}
  cu91: {kind: cuda, cuda: "9.1", cudnn: "7.1", tag: cu91, base: cuda9.1}
isa:
  generic: {rank: 0, features: [], tag: ""}
images:
  - name: tf
    repo: example/tf
    framework: tensorflow
    axes: {version: ["1.12"], python: ["3.6"], accelerator: [cu100, cu91], isa: [generic]}
    tags: ["{version}{python.tag}-{accelerator.tag}"]
YAML
out=$("$DLIMAGE" resolve -m cuda10.yaml --cpu haswell --nvidia-driver 387.26 --explain 2>&1)
contains explain-driver "example/tf:1.12-py36-cu100: needs NVIDIA driver >= 410.48 for CUDA 10.0, have 387.26" "$out"
check newest-cuda-first "example/tf:1.12-py36-cu100
example/tf:1.12-py36-cu91" "$("$DLIMAGE" resolve -m cuda10.yaml --cpu haswell --nvidia-driver 410.48 --format tags 2>&1)"
check driver-384.81 "" "$("$DLIMAGE" resolve -m cuda10.yaml --cpu haswell --nvidia-driver 384.81 --format tags 2>/dev/null)"

# --drivers / --cpu-model replace the built-in tables.
sed '/^overrides:/,/^rocm:/{/^rocm:/!d}' "$SRC/data/cuda_drivers.yaml" > no-override.yaml
check drivers-override "$R:1.1-cpu" "$(dl_tags --cpu westmere --nvidia-driver 387.26 --drivers no-override.yaml)"
printf 'microarchitectures:\n  old:\n    vendor: generic\n    from: [nobody]\n    features: []\n' > bad-model.yaml
err=$("$DLIMAGE" resolve -m "$MATRIX" --cpu old --cpu-model bad-model.yaml 2>&1 >/dev/null)
check cpu-model-error "dlimage: error: bad-model.yaml:4:12: unknown parent 'nobody' of 'old'" "$err"

# ARM questions: a named arm64 CPU is offered no amd64 image, wherever it is
# asked from, and --arch alone assumes that architecture's baseline.
out=$("$DLIMAGE" resolve -m "$MATRIX" --cpu graviton2 --explain 2>&1); rc=$?
check arm64-cpu-rc 1 "$rc"
contains arm64-cpu-none "(no compatible image)" "$out"
contains arm64-cpu-why "image is linux/amd64 (x86_64), machine is arm64 (aarch64)" "$out"
out=$("$DLIMAGE" resolve -m "$MATRIX" --cpu neoverse-n1 --format tags 2>/dev/null)
check arm64-spelling "" "$out"
out=$("$DLIMAGE" resolve -m "$MATRIX" --arch arm64 2>&1)
contains arm64-arch-baseline "machine: cpu aarch64 (generic for --arch arm64" "$out"
err=$("$DLIMAGE" resolve -m "$MATRIX" --cpu haswell --arch arm64 2>&1 >/dev/null); rc=$?
check arch-contradiction "dlimage: error: --cpu haswell describes an amd64 machine, but --arch says arm64 (drop --arch, or name a CPU of that architecture)" "$err"
check arch-contradiction-rc 1 "$rc"
# A value --arch can never take is a usage error (exit 2), as every bad flag value.
err=$("$DLIMAGE" resolve -m "$MATRIX" --arch sparc 2>&1 >/dev/null); rc=$?
check bad-arch-rc 2 "$rc"
contains bad-arch-line "--arch 'sparc': expected amd64 (x86_64), arm64 (aarch64) or 386" "$err"

# Wrong input: one line on stderr, non-zero exit.
err=$("$DLIMAGE" resolve -m "$MATRIX" --cpu haswel 2>&1 >/dev/null); rc=$?
check unknown-cpu-line "dlimage: error: unknown microarchitecture 'haswel' (did you mean 'haswell'?)" "$err"
check unknown-cpu-rc 1 "$rc"
err=$("$DLIMAGE" resolve -m "$MATRIX" --cpu haswell --nvidia-driver 387.x 2>&1 >/dev/null); rc=$?
# A malformed flag value is a usage error (README "Exit codes"): the reason, then the --help hint.
contains bad-driver "dlimage: usage: --nvidia-driver: malformed NVIDIA driver version '387.x'" "$err"
check bad-driver-lines 2 "$(printf '%s\n' "$err" | wc -l)"
check bad-driver-rc 2 "$rc"
err=$("$DLIMAGE" resolve -m "$MATRIX" --cpu haswell --cpu-flags avx 2>&1 >/dev/null)
check two-cpu-sources "dlimage: error: give only one of --cpu, --cpuinfo and --cpu-flags" "$err"

# JSON carries the machine, the compatible tags and the exclusions.
out=$("$DLIMAGE" resolve -m "$MATRIX" --repo qingcloud/deeplearning --version 1.1 --cpu ivybridge --format json)
contains json-first '"ref": "qingcloud/deeplearning:1.1-cpu-avx"' "$out"
contains json-excluded '"needs avx avx2 fma, machine lacks avx2 fma"' "$out"

# This host: whatever it is, the plain image runs and the table names a CPU.
out=$("$DLIMAGE" resolve -m "$MATRIX" --repo qingcloud/deeplearning --version 1.1 --gpu host 2>&1)
contains host-generic "$R:1.1-cpu " "$out"
contains host-machine "machine: cpu " "$out"

echo "resolve_cli: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
