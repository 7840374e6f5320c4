"""``.ci/run`` runs the README's test command verbatim, checks ``../shared`` before anything else, and starts from one
fresh virtualenv with one install."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

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
