"""``.ci/run`` runs the README's test command verbatim, checks ``../shared`` before anything else, starts from one
fresh virtualenv with one install, and then runs the suite on the oldest supported Python when the machine has it."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CI_RUN = REPO_ROOT / ".ci" / "run"


def _readme_test_command() -> str:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("Run the tests") :]
    match = re.search(r"```sh\n(.*?)\n```", section, re.S)
    assert match
    return match.group(1).strip()


def _commands() -> list[str]:
    return [
        line.strip()
        for line in CI_RUN.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_ci_runs_the_readmes_test_command_verbatim() -> None:
    command = _readme_test_command()
    assert command in _commands()


def test_ci_installs_once_into_a_fresh_virtualenv() -> None:
    lines = _commands()
    installs = [line for line in lines if "pip install" in line]
    assert len(installs) == 1, installs
    assert sum(line.count("-m venv") for line in lines) == 1
    assert lines.index("rm -rf .venv") < lines.index(_readme_test_command())
    assert any("mkdocs build --strict" in line for line in lines)


def test_ci_checks_shared_first_with_a_clear_message(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "SPOTIFY_OPENAPI": str(tmp_path / "missing.yml"),
        "SPOTIFY_FIXTURES": str(tmp_path / "missing"),
    }
    run = subprocess.run(["bash", str(CI_RUN)], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "Spotify's reference material is missing" in run.stderr
    assert str(tmp_path / "missing.yml") in run.stderr
    # nothing else ran: no redis install, no virtualenv, no ruff
    assert "== shared" not in run.stdout
    assert "virtualenv" not in run.stdout


def test_ci_runs_the_suite_on_the_oldest_supported_python_when_the_machine_has_it() -> None:
    assert "bash .ci/oldest-python.sh" in _commands()
    script = (REPO_ROOT / ".ci" / "oldest-python.sh").read_text(encoding="utf-8")
    pyproject = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    oldest = re.search(r'requires-python = ">=(3\.\d+)"', pyproject)
    assert oldest, "requires-python names the oldest supported Python"
    assert f"python{oldest.group(1)}" in script  # the leg follows requires-python
    assert "install -q -e '.[test]'" in script
    assert "-m pytest" in script


def test_the_oldest_python_leg_says_so_and_passes_when_there_is_none(tmp_path: Path) -> None:
    # a python3.10 on PATH that does not run: what a pyenv shim answers for a version that is not selected
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / "python3.10"
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.10: command not found' >&2\nexit 127\n", encoding="ascii")
    shim.chmod(0o755)
    env = {"PATH": f"{shims}:/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "pyenv")}
    if any((Path(d) / "python3.10").exists() for d in ("/usr/bin", "/bin")):
        pytest.skip("this machine has python3.10 in /usr/bin: the no-interpreter branch cannot be reached")
    run = subprocess.run(
        ["bash", str(REPO_ROOT / ".ci" / "oldest-python.sh")], env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert "no Python 3.10 on this machine" in run.stdout
