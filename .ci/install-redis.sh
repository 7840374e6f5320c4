#!/usr/bin/env bash
# Install redis-server when it is missing, so the distributed tests (which start their own server) run in CI instead
# of skipping. Quiet; needs root or sudo on a Debian/Ubuntu image.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

echo "== installing redis-server"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends redis-server >/dev/null

# the package's service may start a server on 6379; the tests never use it (they bind free ports), so leave it be
command -v redis-server >/dev/null 2>&1 || { echo "redis-server still not found after apt-get install" >&2; exit 1; }
echo "== $(redis-server --version)"
