"""Search against FakeSpotify: several types at once, iterating one type, the 1000-result ceiling, the page-size
maxima of each mode, and argument checks before sending."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from catalog_support import MODES, client, nothing_sent, params_of, spy_requests

from spotify_async.config import Mode
from spotify_async.errors import InvalidInput
from spotify_async.models import Artist, SearchResults, SimplifiedAlbum, Track

#: matches every catalog item that has a release year (far more than 1000 tracks)
EVERYTHING = "year:1900-2100"


@pytest.mark.parametrize("mode", MODES)
async def test_search_several_types_one_page_each(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        term = fake.catalog.search_terms[0]
        sent = spy_requests(sp)
        results = await sp.search(term, types=["track", "album", "artist"], market="se", limit=7, offset=2)
        assert isinstance(results, SearchResults)
        assert results.playlists is None
        assert results.shows is None
        for page, model in ((results.tracks, Track), (results.albums, SimplifiedAlbum), (results.artists, Artist)):
            assert page is not None
            assert (page.limit, page.offset) == (7, 2)
            assert len(page.items) <= 7
            assert all(isinstance(item, model) for item in page.items)
        assert params_of(sent[0]) == {
            "q": term,
            "type": "track,album,artist",
            "market": "SE",
            "limit": "7",
            "offset": "2",
        }


@pytest.mark.parametrize("mode", MODES)
async def test_search_iterates_one_type(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        album = fake.catalog.album_by_id[fake.catalog.albums[0]]
        artist_name = fake.catalog.artist_by_id[album.artist_ids[0]].name
        found = await sp.search.albums(f"artist:{artist_name}", limit=2).collect()
        assert album.id in {a.id for a in found}
        first = await sp.search.albums(f"artist:{artist_name}", limit=2)
        assert len(found) == first.total
        assert len({a.id for a in found}) == len(found)


async def test_search_iteration_stops_at_spotifys_1000_result_ceiling() -> None:
    async with client("extended") as (fake, sp):
        first = await sp.search.tracks(EVERYTHING)
        assert first.total > 1000, "the fake catalog should hold more than 1000 tracks for this test"
        sent = spy_requests(sp)
        tracks = await sp.search.tracks(EVERYTHING).collect()
        assert len(tracks) == 1000
        offsets = sorted(int(params_of(r)["offset"]) for r in sent)
        assert offsets == list(range(0, 1000, 10))
        assert fake.stats.by_status.get(400, 0) == 0

        sent.clear()
        tail = await sp.search.tracks(EVERYTHING, offset=995).collect()
        assert len(tail) == 5
        assert [params_of(r)["offset"] for r in sent] == ["995"]


async def test_search_page_size_per_mode() -> None:
    async with client("development") as (fake, sp):
        sent = spy_requests(sp)
        page = await sp.search.tracks(EVERYTHING)
        assert len(page.items) == 10
        assert params_of(sent[0])["limit"] == "10"
        with nothing_sent(fake), pytest.raises(InvalidInput, match="between 1 and 10"):
            sp.search.tracks(EVERYTHING, limit=11)
    # the spec caps search pages at 10 for every app since February 2026, extended ones included
    async with client("extended") as (fake, sp):
        page = await sp.search.tracks(EVERYTHING)
        assert len(page.items) == 10
        with nothing_sent(fake), pytest.raises(InvalidInput, match="between 1 and 10"):
            sp.search.tracks(EVERYTHING, limit=11)


@pytest.mark.parametrize("mode", MODES)
async def test_search_every_type(mode: Mode) -> None:
    async with client(mode) as (_fake, sp):
        results = await sp.search(
            EVERYTHING, types=("album", "artist", "playlist", "track", "show", "episode", "audiobook"), limit=3
        )
        for name in ("albums", "artists", "playlists", "tracks", "shows", "episodes", "audiobooks"):
            page = getattr(results, name)
            assert page is not None, name
            assert page.limit == 3
        assert results.tracks is not None
        assert len(results.tracks.items) == 3
        for method in (sp.search.playlists, sp.search.shows, sp.search.episodes, sp.search.audiobooks):
            page = await method(EVERYTHING, limit=2)
            assert page.limit == 2


@pytest.mark.parametrize("mode", MODES)
async def test_search_arguments_checked_before_sending(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        bad_calls: list[Callable[[], object]] = [
            lambda: sp.search("", types=["track"]),
            lambda: sp.search("   "),
            lambda: sp.search("x", types=[]),
            lambda: sp.search("x", types=["track", "podcast"]),
            lambda: sp.search("x", types="song"),
            lambda: sp.search("x", include_external="video"),
            lambda: sp.search("x", market="Sverige"),
            lambda: sp.search("x", offset=1001),
            lambda: sp.search("x", offset=-1),
            lambda: sp.search("x", limit=0),
            lambda: sp.search.tracks("x", offset=1000),
            lambda: sp.search.artists("x", max_items=0),
            lambda: sp.search.albums("x", market="123"),
        ]
        with nothing_sent(fake):
            for make in bad_calls:
                with pytest.raises(InvalidInput):
                    make()
        # the edge values themselves are accepted
        page = await sp.search("x", types="track,album", offset=1000, limit=1, include_external="audio")
        assert page.tracks is not None
