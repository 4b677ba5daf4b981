#!/usr/bin/env python3
"""The shipped matrix for a machine that cannot reach its bases' apt
repositories: every base's `apt:` section removed, nothing else changed.

The shipped xenial bases install Python and the frameworks' libraries from
Ubuntu's archive and from an operator's Python 3.6 repository (README
"Python on the Ubuntu 16.04 bases"). Offline, tests/support/stand_in_bases.sh
gives the stand-in bases their interpreters instead, so these cells build
without OS packages; OS packages in a build are tested by
tests/apt/build_os_test.cc and tests/e2e/e2e.sh.

usage: offline_matrix.py IN.yaml OUT.yaml
"""
import sys

import yaml

if len(sys.argv) != 3:
    sys.exit(__doc__.strip().splitlines()[-1])
with open(sys.argv[1]) as f:
    matrix = yaml.safe_load(f)
for base in matrix["bases"].values():
    base.pop("apt", None)
with open(sys.argv[2], "w") as f:
    yaml.safe_dump(matrix, f, sort_keys=False)
