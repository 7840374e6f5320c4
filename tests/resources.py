"""Where the test suite finds what is not ours to ship: Spotify's OpenAPI description and the recorded responses.

Both live in the ``shared/`` folder beside the repository (CI and developers have it; a fresh clone does not), and the
repository must never hold a copy. A test that needs one of them asks here:

* :func:`openapi_spec` gives the path of ``openapi.yml``: ``$SPOTIFY_OPENAPI``, then ``$SPOTIFY_OPENAPI_SPEC`` (the
  older name, which FakeSpotify also reads), then ``../shared/spotify-web-api/openapi.yml``;
* :func:`shared_fixtures` gives the folder of recorded bodies: ``$SPOTIFY_FIXTURES``, then ``../shared/fixtures``;
* :func:`endpoints_tsv` gives ``../shared/spotify-web-api/endpoints.tsv`` (or ``$SPOTIFY_ENDPOINTS_TSV``).

When the resource is missing the test is **skipped** with one reason naming what is missing and how to provide it (the
suite's summary lists it: ``-rs`` is in the pytest options), so a fresh clone passes its test command. Under CI
(``CI=true``) the same call **fails** the test instead: CI always has ``shared/``, and a check that silently skipped
there would prove nothing. The pytest header says up front which resources were found.

Tests can import this module as ``tests.resources`` (the suite runs from the repository root).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest

__all__ = [
    "REPO_ROOT",
    "SHARED",
    "endpoints_tsv",
    "find_endpoints_tsv",
    "find_openapi",
    "find_shared_fixtures",
    "in_ci",
    "missing",
    "openapi_spec",
    "shared_fixtures",
]

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared"


#: ``SPOTIFY_ASYNC_EAGER_TASKS=1``: every async test runs on a loop with ``asyncio.eager_task_factory`` (Python 3.12
#: and newer; ``tests/conftest.py``), where a task's first step runs inside ``create_task``
EAGER_TASKS = os.environ.get("SPOTIFY_ASYNC_EAGER_TASKS", "") == "1"
#: why a test that needs calls to overlap over aioresponses skips under eager tasks
MOCK_NEVER_SUSPENDS = (
    "aioresponses' mocked requests never suspend: under eager task start, concurrent calls run one after another "
    "and never overlap (FakeSpotify-based tests cover coalescing there)"
)


def in_ci() -> bool:
    """``CI`` is set to a true value (``true``, ``1``, ``yes``), as CI services do."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(what: str, hint: str) -> NoReturn:
    """Skip the calling test (fail it under CI) because ``what`` is not available; ``hint`` says how to provide it."""
    message = f"{what} not found: {hint}"
    if in_ci():
        pytest.fail(message + " [CI=true: a missing resource fails rather than skips]", pytrace=False)
    pytest.skip(message)


def _env_path(*names: str) -> Path | None:
    for name in names:
        value = os.environ.get(name)
        if value:
            return Path(value).expanduser()
    return None


def find_openapi() -> Path | None:
    """The OpenAPI description's path, or ``None`` when none of the places holds a file."""
    candidate = _env_path("SPOTIFY_OPENAPI", "SPOTIFY_OPENAPI_SPEC") or SHARED / "spotify-web-api" / "openapi.yml"
    return candidate if candidate.is_file() else None


def find_shared_fixtures() -> Path | None:
    """The recorded-responses folder (holding ``real/``), or ``None`` when absent."""
    candidate = _env_path("SPOTIFY_FIXTURES") or SHARED / "fixtures"
    return candidate if (candidate / "real").is_dir() else None


def find_endpoints_tsv() -> Path | None:
    candidate = _env_path("SPOTIFY_ENDPOINTS_TSV") or SHARED / "spotify-web-api" / "endpoints.tsv"
    return candidate if candidate.is_file() else None


def openapi_spec() -> Path:
    """The path of Spotify's ``openapi.yml``; skips the test (fails it under CI) when it cannot be found.

    It also points FakeSpotify's request validation at the same file, so ``FakeSpotify(validate_requests=True)`` in
    the calling test finds what the test found.
    """
    found = find_openapi()
    if found is None:
        where = _env_path("SPOTIFY_OPENAPI", "SPOTIFY_OPENAPI_SPEC")
        looked = f"{where} (from the environment)" if where else f"{SHARED / 'spotify-web-api' / 'openapi.yml'}"
        missing(
            "Spotify's OpenAPI description",
            f"looked at {looked}; put shared/ beside the repository or set SPOTIFY_OPENAPI=/path/to/openapi.yml",
        )
    os.environ.setdefault("SPOTIFY_OPENAPI", str(found))
    return found


def shared_fixtures() -> Path:
    """The folder of recorded Spotify responses (``real/`` inside it); skips (fails under CI) when absent."""
    found = find_shared_fixtures()
    if found is None:
        where = _env_path("SPOTIFY_FIXTURES") or SHARED / "fixtures"
        missing(
            "the recorded Spotify responses",
            f"looked for {where / 'real'}; put shared/ beside the repository or set SPOTIFY_FIXTURES=/path/to/fixtures",
        )
    return found


def endpoints_tsv() -> Path:
    """The path of ``endpoints.tsv``; skips (fails under CI) when absent."""
    found = find_endpoints_tsv()
    if found is None:
        missing(
            "endpoints.tsv",
            "put shared/ beside the repository or set SPOTIFY_ENDPOINTS_TSV=/path/to/endpoints.tsv",
        )
    return found
