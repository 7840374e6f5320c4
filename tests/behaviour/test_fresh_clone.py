"""A fresh clone passes its test command: tests that need ``shared/`` skip with the reason (fail under ``CI=true``),
and FakeSpotify's request validation says what it needs when the spec or its libraries are missing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from spotify_async.testing import FakeSpotify
from spotify_async.testing._spec import _cache, find_spec
from tests.resources import REPO_ROOT

#: one test file per resource: the spec (coverage) and the recorded responses (models)
NEEDS_SHARED = ["tests/endpoints/test_coverage.py", "tests/models/test_models_fixtures.py"]


def _pytest_elsewhere(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.pop("SPOTIFY_OPENAPI_SPEC", None)
    env.pop("CI", None)
    env["SPOTIFY_OPENAPI"] = str(tmp_path / "nowhere" / "openapi.yml")
    env["SPOTIFY_FIXTURES"] = str(tmp_path / "nowhere")
    if ci is not None:
        env["CI"] = ci
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", *NEEDS_SHARED],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_missing_shared_resources_skip_with_the_reason(tmp_path: Path) -> None:
    run = _pytest_elsewhere(tmp_path, ci=None)
    assert run.returncode == 0, run.stdout + run.stderr
    last = run.stdout.strip().splitlines()[-1]
    assert "skipped" in last, last
    assert "failed" not in last, last
    assert "error" not in last, last
    assert "SKIPPED" in run.stdout
    assert "Spotify's OpenAPI description not found" in run.stdout
    assert "SPOTIFY_OPENAPI=" in run.stdout
    assert "recorded Spotify responses not found" in run.stdout
    assert "SPOTIFY_FIXTURES=" in run.stdout
    # and a note before the summary says what was missing, in one place
    assert "not found: openapi.yml (set SPOTIFY_OPENAPI); recorded responses (set SPOTIFY_FIXTURES)" in run.stdout


def test_missing_shared_resources_fail_under_ci(tmp_path: Path) -> None:
    run = _pytest_elsewhere(tmp_path, ci="true")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "CI=true: a missing resource fails rather than skips" in run.stdout
    assert "skipped" not in run.stdout.strip().splitlines()[-1]


def test_find_spec_reads_the_new_and_the_old_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spec = tmp_path / "openapi.yml"
    spec.write_text("openapi: 3.0.0\n", encoding="utf-8")
    monkeypatch.delenv("SPOTIFY_OPENAPI", raising=False)
    monkeypatch.setenv("SPOTIFY_OPENAPI_SPEC", str(spec))
    assert find_spec() == spec
    monkeypatch.delenv("SPOTIFY_OPENAPI_SPEC")
    monkeypatch.setenv("SPOTIFY_OPENAPI", str(spec))
    assert find_spec() == spec
    assert find_spec(str(spec)) == spec


async def test_validation_names_the_missing_spec(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SPOTIFY_OPENAPI", str(tmp_path / "absent.yml"))
    with pytest.raises(FileNotFoundError, match=r"SPOTIFY_OPENAPI=.*absent\.yml.*spec_path="):
        async with FakeSpotify(validate_requests=True):
            pass


async def test_validation_names_the_extra_when_its_libraries_are_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = tmp_path / "openapi.yml"
    spec.write_text("openapi: 3.0.0\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "yaml", None)  # import yaml now raises ModuleNotFoundError, as without PyYAML
    monkeypatch.delitem(_cache, str(spec.resolve()), raising=False)
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'spotify_async\[validation\]'"):
        async with FakeSpotify(validate_requests=True, spec_path=str(spec)):
            pass
