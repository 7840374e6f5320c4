"""Helpers for the model tests: where the recorded Spotify responses live, and how to load one."""

from pathlib import Path
from typing import Any

import orjson

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "real"


def fixture_files() -> list[str]:
    """Names of every recorded body; an absent folder is a hard error, never a skip."""
    if not FIXTURES.is_dir():
        raise RuntimeError(
            f"recorded Spotify responses not found at {FIXTURES}: the model tests need ../shared/fixtures/real/ "
            "next to the repository (it is always present in CI)"
        )
    return sorted(p.name for p in FIXTURES.glob("*.json"))


def load_fixture(name: str) -> Any:
    return orjson.loads((FIXTURES / name).read_bytes())
