#!/usr/bin/env bash
# The test command (README): install missing packages, build, make the
# Debian base image, run the test suite. Benchmarks (label bench) are not
# part of it: run `ctest --test-dir build -L bench` for those.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
ci/deps.sh
# Formatting is checked first: it takes seconds. DL_FORMAT_CHECK=1 turns it on;
# it defaults to 0 until the one-time `ci/format.sh` over the whole tree lands.
if [ "${DL_FORMAT_CHECK:-0}" = 1 ]; then ci/format.sh --check; fi
# The release workflow is linted by actionlint (installed by ci/deps.sh): seconds.
ci/lint-workflows.sh
# ccache when the machine has it (a developer's; CI machines start cold).
launcher=()
if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDLIMAGE_DEV=ON "${launcher[@]}"
cmake --build build -j"$(nproc)"
eval "$(ci/make-base.sh build/cache | grep '^DL_')"
export DL_BASE_ROOTFS_TAR DL_BASE_OCI
echo "ci/test.sh: built and prepared in $(( $(date +%s) - start ))s"
# Label network (the real-Debian-archive oracle tests, apt-get -s against the
# machine's mirror) runs with everything else: their fixture serialises its
# shared apt state with a flock (tests/apt/archive_test.cc).
ctest --test-dir build --output-on-failure -LE bench -j2 --timeout 900 | tee build/ctest.log
# ci/deps.sh installed every tool the tests need, so a skip here means a
# check did not run: that is a failure, not a pass.
if grep -q "(Skipped)\|(Disabled)\|(Not Run)" build/ctest.log; then
  echo "ci/test.sh: tests were skipped or disabled; each must run in CI:" >&2
  grep "(Skipped)\|(Disabled)\|(Not Run)" build/ctest.log >&2
  exit 1
fi
echo "ci/test.sh: done in $(( $(date +%s) - start ))s"
