#!/bin/sh
# What the test suite needs that pip cannot install: Debian's chromium and chromium-driver, which
# the browser test (tests/test_explore_browser.py) drives. Installs them with apt-get when
# missing, and says so; does nothing when they are there. Needs root (or sudo).
set -eu
chromium=${W2V_CHROMIUM:-/usr/bin/chromium}
driver=${W2V_CHROMEDRIVER:-/usr/bin/chromedriver}
if [ -x "$chromium" ] && [ -x "$driver" ]; then
    exit 0
fi
echo "tests/setup.sh: $chromium or $driver is missing; installing Debian's chromium and" \
     "chromium-driver with apt-get" >&2
as_root=""
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "tests/setup.sh: not root and no sudo; as root run:" \
             "apt-get update && apt-get install -y chromium chromium-driver" >&2
        exit 1
    fi
    as_root="sudo"
fi
$as_root apt-get update
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver
