"""FakeSpotify produces, on request, each misbehaviour the fidelity work handles, and the SDK meets it correctly.

One test per fault kind: the raw answer shows the misbehaviour (so users' own tests can rely on it), and the SDK's
answer shows it is handled (paging ends, positions are kept, cursors are rebuilt, error shapes are named, a 304 is
typed, dropped kept-alive connections are counted once).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import pytest
from fakehelpers import bearer, get_json

from spotify_async import Config, HTTPError, NotModified, RetryPolicy, Spotify, TransportError
from spotify_async.errors import InvalidInput
from spotify_async.testing import FakeSpotify

FAST_RETRY = RetryPolicy(max_retries=3, backoff_base=0.001, backoff_cap=0.002)


@asynccontextmanager
async def connect(fake: FakeSpotify) -> AsyncIterator[Spotify]:
    token = fake.issue_user_token()["access_token"]
    config = Config(retry=FAST_RETRY, mode="extended")
    async with Spotify(token, api_base=fake.api_base, accounts_base=fake.accounts_base, config=config) as sp:
        yield sp


def test_unknown_fault_parameters_are_refused() -> None:
    fake = FakeSpotify()
    with pytest.raises(ValueError, match="fault kind"):
        fake.inject("teapot")
    with pytest.raises(ValueError, match="legacy"):
        fake.inject("error_shape", value="xml")


def test_options_outside_their_literal_types_are_refused_with_the_choices() -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"mode": "production"}, "mode must be one of 'extended', 'development'; got 'production'"),
        ({"playlist_shape": "mixed"}, "playlist_shape must be one of 'both', 'new', 'old'; got 'mixed'"),
        ({"refresh_rotation": "rotating"}, "refresh_rotation must be one of 'none', 'rotate', 'single-use'"),
        ({"mode": None}, "mode must be one of .*; got None"),
    ]
    for options, message in cases:
        with pytest.raises(InvalidInput, match=message):
            FakeSpotify(**options)
    fake = FakeSpotify()
    with pytest.raises(InvalidInput, match=r"fault kind must be one of 'status', .*'spec_shape'; got 'teapot'"):
        fake.inject("teapot")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="value must be one of 'legacy', 'problem'; got 'xml'"):
        fake.inject("error_shape", value="xml")
    with pytest.raises(InvalidInput, match="a stall needs seconds="):
        fake.inject("stall")
    assert not fake._faults
    assert FakeSpotify(mode="development").playlist_shape == "new"


async def test_total_fault_claims_a_huge_total_and_paging_still_ends(
    fake: FakeSpotify, http: aiohttp.ClientSession
) -> None:
    album = fake.catalog.albums[0]
    fake.inject("total", times=None, path="/albums/")
    h = bearer(fake.issue_user_token()["access_token"])
    raw = await get_json(http, f"{fake.api_base}/albums/{album}/tracks", h, limit="2")
    assert raw["total"] == 30_000_000
    assert raw["next"] is not None
    async with connect(fake) as sp:
        before = fake.stats.api_requests
        started = time.monotonic()
        items = await sp.albums.tracks(album, limit=50).collect()
        fake.clear_faults()
        real = await sp.albums.tracks(album, limit=50).collect()
        assert [t.id for t in items] == [t.id for t in real]
        # the real pages, one empty one, and at most the prefetch window wasted
        assert fake.stats.api_requests - before - 1 <= 2 + Config().page_prefetch
        assert time.monotonic() - started < 10


async def test_next_null_and_empty_page_faults_end_paging(fake: FakeSpotify) -> None:
    pid = fake.catalog.big_playlist_id
    async with connect(fake) as sp:
        fake.inject("next_null", path=f"/playlists/{pid}/items")
        pages = [p async for p in sp.playlists.items(pid).pages()]
        assert len(pages) == 1
        assert pages[0].total > 50
        fake.inject("empty_page", path=f"/playlists/{pid}/items")
        first = await sp.playlists.items(pid)
        assert first.items == []
        assert first.total > 50


async def test_null_entry_fault_keeps_positions(fake: FakeSpotify) -> None:
    async with connect(fake) as sp:
        await sp.library.save_audiobooks(fake.catalog.audiobooks[:3])
        plain = await sp.library.saved_audiobooks()
        saved = len(plain.items)
        assert saved >= 3
        fake.inject("null_entry", path="/me/audiobooks", value=[1])
        page = await sp.library.saved_audiobooks()
        assert len(page.items) == saved
        assert page.items[1] is None
        assert page.items[0] == plain.items[0]
        assert page.items[2:] == plain.items[2:]
        assert page.total == saved
        fake.inject("null_entry", path="/me/audiobooks", value=[0, 2])
        assert len([a async for a in sp.library.saved_audiobooks()]) == saved - 2
        # a body without a page: the first list of objects gets the null ("images": [null] on old playlists)
        pid = fake.catalog.playlists[0]
        fake.inject("null_entry", path=f"/playlists/{pid}/images")
        images = await sp.playlists.cover_image(pid)
        assert images[0] is None


async def test_cursor_faults_are_met(fake: FakeSpotify) -> None:
    async with connect(fake) as sp:
        await sp.library.follow_artists(fake.catalog.artists[:7])
        artists = [a.id for a in await sp.users.followed_artists(limit=50).collect()]
        assert len(artists) > 6
        # `next` without type=artist: the fake answers 400 to such a request, so it must not be sent as it is
        fake.inject("next_drops_params", times=None, path="/me/following")
        found = await sp.users.followed_artists(limit=3).collect()
        assert [a.id for a in found] == artists
        fake.clear_faults()
        # a cursor that does not advance: paging stops instead of looping
        fake.inject("cursor_repeat", times=None, path="/me/following")
        before = fake.stats.api_requests
        found = await sp.users.followed_artists(limit=3).collect()
        # the first page, then the page its cursor named, whose `next` names that same cursor again
        assert [a.id for a in found] == artists[:6]
        assert fake.stats.api_requests - before == 2


@pytest.mark.parametrize(
    ("value", "content_type", "text"),
    [
        (None, "application/json", "legacy JSON error body: server_error: Bad request (a legacy error body)"),
        ("problem", "application/problem+json", "problem+json error body: Bad request: Bad request (a problem"),
    ],
)
async def test_error_shape_fault(
    fake: FakeSpotify, http: aiohttp.ClientSession, value: str | None, content_type: str, text: str
) -> None:
    track = fake.catalog.tracks[0]
    fake.inject("error_shape", status=400, value=value)
    async with http.get(f"{fake.api_base}/tracks/{track}", headers=bearer("x")) as r:
        assert r.status == 400
        assert r.headers["Content-Type"].startswith(content_type)
    fake.inject("error_shape", status=400, value=value)
    async with connect(fake) as sp:
        with pytest.raises(HTTPError) as caught:
            await sp.tracks.get(track)
        assert caught.value.message.startswith(text)


async def test_not_modified_fault(fake: FakeSpotify) -> None:
    fake.inject("not_modified", path="/tracks/")
    async with connect(fake) as sp:
        with pytest.raises(NotModified):
            await sp.tracks.get(fake.catalog.tracks[0])


async def test_reset_fault_is_counted_once_per_attempt(fake: FakeSpotify) -> None:
    track = fake.catalog.tracks[0]
    async with connect(fake) as sp:
        await sp.tracks.get(track)  # a kept-alive connection, then every later request dropped
        fake.inject("reset", times=None, path="/tracks/")
        before = fake.stats.api_requests
        with pytest.raises(TransportError) as caught:
            await sp.tracks.get(track)
        assert caught.value.attempts == 4
        assert fake.stats.api_requests - before == 4


async def test_spec_shape_fault_is_structured_like_the_live_shape(fake: FakeSpotify) -> None:
    book = fake.catalog.audiobooks[0]
    async with connect(fake) as sp:
        await sp.library.save_audiobooks([book])
        live = await sp.library.saved_audiobooks()
        live_chapter = (await sp.audiobooks.chapters(book)).items[0]
        fake.inject("spec_shape", times=None)
        wrapped = await sp.library.saved_audiobooks()
        chapters = await sp.audiobooks.chapters(book)
        fake.clear_faults()
    assert wrapped.items == live.items
    assert live_chapter is not None
    assert live_chapter.type == "chapter"
    spec_chapter = chapters.items[0]
    assert spec_chapter is not None
    assert spec_chapter.type == "episode"
    assert spec_chapter.id == live_chapter.id
