"""Helpers for the model tests: where the recorded Spotify responses live, and how to load one.

The folder is found by :func:`tests.resources.shared_fixtures`; when it is missing, :func:`fixture_files` returns one
placeholder name, so the parametrised tests collect and then skip (or fail under CI) with the reason.
"""

from pathlib import Path
from typing import Any

import orjson

from tests.resources import find_shared_fixtures, shared_fixtures

REPO_ROOT = Path(__file__).resolve().parents[2]
#: the name :func:`fixture_files` returns when the recordings are missing (loading it skips the test)
MISSING = "<recorded responses not found>"


def fixture_files() -> list[str]:
    """Names of every recorded body, read at collection time (``[MISSING]`` when the folder is absent)."""
    found = find_shared_fixtures()
    if found is None:
        return [MISSING]
    return sorted(p.name for p in (found / "real").glob("*.json"))


def load_fixture(name: str) -> Any:
    """The parsed body of a recording; skips the test (fails it under CI) when the recordings are missing."""
    return orjson.loads((shared_fixtures() / "real" / name).read_bytes())
