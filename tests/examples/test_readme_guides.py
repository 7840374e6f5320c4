"""The README's FastAPI and discord.py guides run as written: each block is executed with ``cid`` and ``secret``
from FakeSpotify (and the SDK's default addresses pointed at it), then driven as its framework would drive it."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from spotify_async import Spotify, SpotifyError
from spotify_async.testing import FakeSpotify

from .support import StandInInteraction

README = Path(__file__).resolve().parents[2] / "README.md"


def block_after(heading: str) -> str:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(heading) :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, f"no python block under {heading!r}"
    return match.group(1)


@pytest.fixture
def namespace(fake_spotify: FakeSpotify, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the README's blocks take from their surroundings: credentials, and Spotify's address (the fake's)."""
    defaults = Spotify.__init__.__kwdefaults__
    assert defaults is not None
    monkeypatch.setitem(defaults, "api_base", fake_spotify.api_base)
    monkeypatch.setitem(defaults, "accounts_base", fake_spotify.accounts_base)
    return {"cid": fake_spotify.client_id, "secret": fake_spotify.client_secret, "__name__": "readme_guide"}


async def test_the_fastapi_guide_runs(namespace: dict[str, Any], fake_spotify: FakeSpotify) -> None:
    exec(compile(block_after("### FastAPI: the session in the lifespan"), "README.md", "exec"), namespace)
    app = namespace["app"]
    track_id = fake_spotify.catalog.tracks[0]
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1") as client,
    ):
        sp = app.state.sp
        ok = await client.get(f"/tracks/{track_id}")
        assert ok.status_code == 200
        assert ok.json()["id"] == track_id
        fake_spotify.inject("status", status=429, headers={"Retry-After": "30"}, path="/tracks")
        started = time.monotonic()
        limited = await client.get(f"/tracks/{track_id}")
        assert 0 <= time.monotonic() - started < 2.0  # past max_wait: answered at once
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "30"
    with pytest.raises(SpotifyError, match="closed"):
        await sp.tracks.get(track_id)


async def test_the_discord_guide_runs(namespace: dict[str, Any], fake_spotify: FakeSpotify) -> None:
    exec(compile(block_after("### discord.py: one client for the bot"), "README.md", "exec"), namespace)
    bot = namespace["Bot"]()
    await bot.setup_hook()
    sp = bot.sp
    interaction = StandInInteraction(bot, 1)
    await namespace["track"].callback(interaction, query="island")
    assert [s.kind for s in interaction.said] == ["defer", "followup"]
    assert "Island" in interaction.said[1].text
    fake_spotify.inject("status", status=429, headers={"Retry-After": "30"}, path="/search")
    interaction = StandInInteraction(bot, 1)
    # another query: search answers carry max-age=120, so "island" again would come from the HTTP cache
    await namespace["track"].callback(interaction, query="stone")
    assert "try again in 30 s" in interaction.said[1].text
    assert interaction.said[1].at < 2.0
    await bot.close()
    with pytest.raises(SpotifyError, match="closed"):
        await sp.tracks.get(fake_spotify.catalog.tracks[0])
    await namespace["Bot"]().close()  # a bot closed before setup_hook ran closes cleanly too
