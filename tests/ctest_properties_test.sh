#!/usr/bin/env bash
# Every property a CMakeLists gives a discovered gtest must reach ctest.
# gtest_discover_tests flattens a list value: `PROPERTIES LABELS "a;b"
# TIMEOUT 900` became LABELS=a, network=TIMEOUT, 900=RESOURCE_LOCK, so the
# apt archive tests had no `network` label, no timeout and no resource lock,
# silently. This reads the generated *_tests.cmake files and fails on any
# property name ctest does not know, then checks the labels the suite relies on.
set -euo pipefail
build=${1:?usage: ctest_properties_test.sh BUILD_DIR}
python3 - "$build" <<'PY'
import pathlib, re, shlex, sys
known = {"WORKING_DIRECTORY", "SKIP_REGULAR_EXPRESSION", "LABELS", "TIMEOUT", "RESOURCE_LOCK",
         "ENVIRONMENT", "DISABLED", "RUN_SERIAL", "PROCESSORS", "FIXTURES_REQUIRED",
         "FIXTURES_SETUP", "FIXTURES_CLEANUP", "COST", "DEPENDS", "WILL_FAIL"}
bad = []
files = list(pathlib.Path(sys.argv[1]).rglob("*_tests.cmake"))
if not files:
    sys.exit("no *_tests.cmake under " + sys.argv[1] + ": nothing was discovered")
for f in files:
    for line in f.read_text().splitlines():
        if not line.startswith("set_tests_properties("):
            continue
        # Bracket arguments ([==[...]==]) hold spaces; make them one word.
        line = re.sub(r"\[(=*)\[(.*?)\]\1\]", lambda m: shlex.quote(m.group(2)), line)
        words = shlex.split(line[len("set_tests_properties("):line.rindex(")")])
        props = words[words.index("PROPERTIES") + 1:]
        if len(props) % 2:
            bad.append(f"{f.name}: {words[0]}: odd property list {props}")
            continue
        for name in props[0::2]:
            if name not in known:
                bad.append(f"{f.name}: {words[0]}: unknown property '{name}' (a flattened list value?)")
for b in bad[:20]:
    print(b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY
# The labels ci/test.sh and the README select by.
n=$(ctest --test-dir "$build" -N -L network | grep -c "Test *#.*Archive\." || true)
[ "$n" -ge 8 ] || { echo "ctest -L network lists $n Archive tests, want >= 8" >&2; exit 1; }
n=$(ctest --test-dir "$build" -N -L unit | grep -c "Test *#.*LocalRepo\." || true)
[ "$n" -ge 1 ] || { echo "ctest -L unit lists no LocalRepo tests" >&2; exit 1; }
echo "ctest properties: ok"
