#!/usr/bin/env bash
# The suite on the oldest Python the package supports (requires-python in pyproject.toml: 3.10), after .ci/run's own
# run on the machine's python3. It looks for python3.10 on PATH, then under pyenv; it installs into a virtualenv of its
# own in a temporary folder (removed afterwards) and runs the same pytest as the README's test command. A machine
# without Python 3.10 gets one line saying so, and this step passes: the interpreter is not ours to install.
set -euo pipefail
cd "$(dirname "$0")/.."

# a candidate counts only if it runs and is 3.10: a pyenv shim on PATH exists for every installed version, but answers
# "command not found" for one that is not selected
is_310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }
oldest=""
for candidate in "$(command -v python3.10 || true)" "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10.*/bin/python3.10; do
  if [ -n "$candidate" ] && [ -x "$candidate" ] && is_310 "$candidate"; then
    oldest="$candidate"
    break
  fi
done
if [ -z "$oldest" ]; then
  echo "== no Python 3.10 on this machine: the suite ran on $(python3 --version) only"
  exit 0
fi

echo "== the suite on the oldest supported Python: $("$oldest" --version) ($oldest)"
venv="$(mktemp -d)"
trap 'rm -rf "$venv"' EXIT
"$oldest" -m venv "$venv"
"$venv/bin/pip" install -q -e '.[test]'
"$venv/bin/python" -m pytest
