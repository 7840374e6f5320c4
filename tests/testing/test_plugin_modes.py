"""The ``fake_spotify`` fixture works in a user's project under pytest-asyncio's strict mode (its default) and auto
mode, with the set-up the README shows: nothing but ``pip install spotify_async[test]``-style dependencies, a
``pytest.ini`` and the test file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

USER_TEST = """
import pytest

from spotify_async import ClientCredentials, Spotify
from spotify_async.testing import FakeSpotify


@pytest.mark.asyncio  # needed in strict mode (pytest-asyncio's default); harmless in auto mode
async def test_an_album(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    auth = ClientCredentials(fake.client_id, fake.client_secret)
    async with Spotify(auth, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
        album = await sp.albums.get(fake.catalog.albums[0])
    assert album.id == fake.catalog.albums[0]


@pytest.mark.asyncio
@pytest.mark.fake_spotify(seed=3, mode="development")
async def test_the_marker_configures_the_fake(fake_spotify: FakeSpotify) -> None:
    assert (fake_spotify.seed, fake_spotify.mode) == (3, "development")
"""


@pytest.mark.parametrize("mode", ["strict", "auto"])
def test_the_fixture_works_in_a_user_project(tmp_path: Path, mode: str) -> None:
    (tmp_path / "pytest.ini").write_text(
        f"[pytest]\nasyncio_mode = {mode}\nasyncio_default_fixture_loop_scope = function\n", encoding="utf-8"
    )
    (tmp_path / "test_user.py").write_text(USER_TEST, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "error::pytest.PytestUnraisableExceptionWarning",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "2 passed" in run.stdout
