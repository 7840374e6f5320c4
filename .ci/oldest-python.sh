#!/usr/bin/env bash
# The suite on the oldest Python the package supports (requires-python in pyproject.toml: 3.10), after .ci/run's own
# run on the machine's python3. It looks for python3.10 on PATH, then under pyenv; it installs into a virtualenv of its
# own in a temporary folder (removed afterwards) and runs the same pytest as the README's test command. A machine
# without Python 3.10 gets one line saying so, and this step passes: the interpreter is not ours to install.
set -euo pipefail
cd "$(dirname "$0")/.."

oldest="$(command -v python3.10 || true)"
if [ -z "$oldest" ]; then
  for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10.*/bin/python3.10; do
    if [ -x "$candidate" ]; then
      oldest="$candidate"
    fi
  done
fi
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
