#!/bin/sh
# Install the Debian packages the test suite needs, when missing and when we are root.
set -e
need=""
for pkg in $TASKMASTER_TEST_DEBS; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
if [ -n "$need" ]; then
    if [ "$(id -u)" = 0 ]; then
        echo "installing Debian packages:$need" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null
    else
        echo "missing Debian packages:$need (run as root to install; dependent tests skip)" >&2
    fi
fi
