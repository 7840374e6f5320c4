"""What the wheel carries: the licence the metadata names, classifiers for every Python the project supports, and
every non-Python file of the package (``py.typed``, ``SPEC_DIVERGENCES.md``, which the README points to)."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = REPO_ROOT / "spotify_async"


def _pyproject() -> dict[str, Any]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    data: dict[str, Any] = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data


def test_the_license_file_is_the_one_the_metadata_names() -> None:
    project = _pyproject()["project"]
    assert project["license"] == {"text": "MIT"}
    assert (REPO_ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert _pyproject()["tool"]["setuptools"]["license-files"] == ["LICENSE"]
    assert "License :: OSI Approved :: MIT License" in project["classifiers"]


def test_classifiers_name_every_supported_python() -> None:
    project = _pyproject()["project"]
    lowest = re.fullmatch(r">=3\.(\d+)", project["requires-python"])
    assert lowest
    minors = {
        int(m) for c in project["classifiers"] for m in re.findall(r"^Programming Language :: Python :: 3\.(\d+)$", c)
    }
    assert minors == set(range(int(lowest.group(1)), 14)), sorted(minors)
    assert project["urls"], "project URLs"


def test_every_data_file_of_the_package_is_in_package_data() -> None:
    patterns: list[str] = _pyproject()["tool"]["setuptools"]["package-data"]["spotify_async"]
    data_files = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert "testing/SPEC_DIVERGENCES.md" in data_files
    left_out = [f for f in data_files if not any(fnmatch.fnmatch(f, pattern) for pattern in patterns)]
    assert not left_out, f"files the wheel would leave out: {left_out}"
