#!/usr/bin/env bash
# The test command (README): install missing packages, check formatting,
# build, clang-tidy, make the Debian base image, run the test suite, then the
# unit tests again under ASan+UBSan and every fuzz target for a bounded time
# (docs/DEVELOPING.md). Benchmarks (label bench) are not part of it: run
# `ctest --test-dir build -L bench` for those.
# Each extra step has a switch: DL_FORMAT_CHECK, DL_TIDY, DL_SANITIZE, DL_FUZZ
# (1 = run, 0 = skip). Formatting is checked by default; .ci/run turns on the
# clang-tidy, sanitizer and fuzz steps.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
step() { echo "ci/test.sh: $1 at $(( $(date +%s) - start ))s"; }
# ci/deps.sh installed every tool the tests need, so a skip means a check did
# not run: that is a failure, not a pass.
no_skips() {
  if grep -q "(Skipped)\|(Disabled)\|(Not Run)" "$1"; then
    echo "ci/test.sh: tests were skipped or disabled; each must run in CI:" >&2
    grep "(Skipped)\|(Disabled)\|(Not Run)" "$1" >&2
    exit 1
  fi
}
ci/deps.sh
# Formatting is checked first: it takes seconds.
if [ "${DL_FORMAT_CHECK:-1}" = 1 ]; then ci/format.sh --check; fi
# The release workflow is linted by actionlint (installed by ci/deps.sh): seconds.
ci/lint-workflows.sh
# ccache when the machine has it (a developer's; CI machines start cold).
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDLIMAGE_DEV=ON "${launcher[@]}"
cmake --build build -j"$(nproc)"
if [ "${DL_TIDY:-0}" = 1 ]; then step "clang-tidy"; ci/tidy.sh; fi
eval "$(ci/make-base.sh build/cache | grep '^DL_')"
export DL_BASE_ROOTFS_TAR DL_BASE_OCI
step "built and prepared"
# Label network (the real-Debian-archive oracle tests, apt-get -s against the
# machine's mirror) runs with everything else: their fixture serialises its
# shared apt state with a flock (tests/apt/archive_test.cc).
ctest --test-dir build --output-on-failure -LE bench -j2 --timeout 900 | tee build/ctest.log
no_skips build/ctest.log

# The unit tests again, under AddressSanitizer + UndefinedBehaviorSanitizer.
# -O1 -g1 keeps the build and the stack traces cheap. DLIMAGE_DEV=OFF: GCC's
# flow warnings (-Wmaybe-uninitialized) misfire on ASan-instrumented code,
# and the build above is the warnings gate.
if [ "${DL_SANITIZE:-0}" = 1 ]; then
  step "sanitizer build"
  cmake -S . -B build-asan -G Ninja -DDLIMAGE_SANITIZE=ON -DDLIMAGE_DEV=OFF "${launcher[@]}" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"
  cmake --build build-asan -j"$(nproc)"
  step "unit tests under ASan+UBSan"
  ctest --test-dir build-asan --output-on-failure -L unit -j2 --timeout 900 | tee build-asan/ctest.log
  no_skips build-asan/ctest.log
fi

# Every parser of outside input under libFuzzer (fuzz/), from the checked-in
# seeds, DLIMAGE_FUZZ_SECONDS (10) each. Only the libraries the targets link
# are built. DLIMAGE_DEV=OFF: the GCC build is the warnings gate.
if [ "${DL_FUZZ:-0}" = 1 ]; then
  step "fuzz build"
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DDLIMAGE_FUZZ=ON -DDLIMAGE_DEV=OFF \
    "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"
  cmake --build build-fuzz -j"$(nproc)" --target fuzz
  step "fuzzing"
  ctest --test-dir build-fuzz --output-on-failure -L fuzz -j2 | tee build-fuzz/ctest.log
  no_skips build-fuzz/ctest.log
fi
step "done"
