#!/bin/sh
# The README's test command: installs the system packages the tests need (tests/setup.sh), then
# runs pytest in a private network namespace with only loopback, so no test can reach the
# network. Arguments go to pytest: sh tests/run.sh -m "not slow" tests/test_training.py
set -eu
sh "$(dirname "$0")/setup.sh"
exec unshare -rn sh -c 'ip link set lo up && exec python -m pytest -q "$@"' sh "$@"
