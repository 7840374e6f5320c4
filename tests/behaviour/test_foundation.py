"""The foundation end to end against FakeSpotify on 127.0.0.1: tokens, the 429 gate, retries, paging, chunking."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from spotify_async import (
    ClientCredentials,
    Config,
    InvalidInput,
    NotFound,
    RetryPolicy,
    Spotify,
    Timeouts,
)
from spotify_async.errors import EndpointUnavailable, ModelError
from spotify_async.testing import FakeClock, FakeSpotify

FAST_RETRY = RetryPolicy(backoff_base=0.01, backoff_cap=0.05)


def connect(fake: FakeSpotify, **kwargs: Any) -> Spotify:
    kwargs.setdefault("config", Config(retry=FAST_RETRY))
    return Spotify(
        ClientCredentials(fake.client_id, fake.client_secret),
        api_base=fake.api_base,
        accounts_base=fake.accounts_base,
        **kwargs,
    )


@pytest.fixture
async def fake() -> AsyncIterator[FakeSpotify]:
    async with FakeSpotify(seed=1) as server:
        yield server


async def test_a_concurrent_crawl_makes_one_token_request(fake: FakeSpotify) -> None:
    async with connect(fake) as sp:
        tracks = await asyncio.gather(*(sp.tracks.get(t) for t in fake.catalog.tracks[:300]))
    assert [t.id for t in tracks] == fake.catalog.tracks[:300]
    assert fake.stats.token_requests == 1


async def test_an_expired_token_is_refreshed_once_for_everyone() -> None:
    # the token's life passes on the session's clock (no real sleep): stale 60 s before its hour is up
    clock = FakeClock()
    started = time.monotonic()
    async with FakeSpotify(seed=1) as fake, connect(fake, clock=clock) as sp:
        await sp.tracks.get(fake.catalog.tracks[0])
        clock.advance(3530)
        await sp.tracks.get(fake.catalog.tracks[1])
        assert fake.stats.token_requests == 1  # not before the margin
        clock.advance(20)
        await asyncio.gather(*(sp.tracks.get(t) for t in fake.catalog.tracks[:100]))
        assert fake.stats.token_requests == 2
        assert fake.stats.by_status.get(401, 0) == 0  # refreshed before expiry, not after a 401
    assert time.monotonic() - started < 10


async def test_a_429_pauses_every_call_and_nothing_is_sent_during_the_pause(fake: FakeSpotify) -> None:
    fake.inject("status", status=429, headers={"Retry-After": "1"}, times=1, path="/tracks/")
    async with connect(fake) as sp:
        started = time.monotonic()
        tracks = await asyncio.gather(*(sp.tracks.get(t) for t in fake.catalog.tracks[:50]))
        elapsed = time.monotonic() - started
    assert len(tracks) == 50
    # the pause, then the rest at full pace: one Retry-After of 1 s costs about 1 s (it once cost 30)
    assert 0.95 <= elapsed <= 3.0
    assert sp.scheduler.limiter.current_limit is None  # no pace learned from one 429
    arrivals = sorted(fake.stats.arrivals)
    first = arrivals[0]
    # everything sent before the 429 came back arrived within a few ms of the first; then silence until the gate opens
    quiet = [t for t in arrivals if first + 0.2 < t < first + 0.95]
    assert quiet == []
    assert sp.stats["rate_limited"] >= 1


async def test_a_quota_429_with_an_hours_long_retry_after_fails_fast(fake: FakeSpotify) -> None:
    from spotify_async import RateLimited

    fake.inject(
        "status", status=429, headers={"Retry-After": "86400"}, reason="QUOTA_EXCEEDED", times=None, path="/tracks/"
    )
    async with connect(fake) as sp:
        started = time.monotonic()
        with pytest.raises(RateLimited) as info:
            await sp.tracks.get(fake.catalog.tracks[0])
    assert time.monotonic() - started < 1
    assert info.value.reason == "QUOTA_EXCEEDED"


async def test_503_502_then_success(fake: FakeSpotify) -> None:
    fake.inject("status", status=503, times=1, path="/tracks/")
    fake.inject("status", status=502, times=1, path="/tracks/")
    async with connect(fake) as sp:
        track, response = await sp.tracks.get(fake.catalog.tracks[0]).with_response()
    assert track.id == fake.catalog.tracks[0]
    assert response.attempts == 3


async def test_resets_and_stalls_are_retried_for_reads(fake: FakeSpotify) -> None:
    fake.inject("reset", times=1, path="/tracks/")
    fake.inject("stall", seconds=2, times=1, path="/tracks/")
    config = Config(retry=FAST_RETRY, timeouts=Timeouts(total=0.5, read=0.5))
    async with connect(fake, config=config) as sp:
        _, response = await sp.tracks.get(fake.catalog.tracks[0]).with_response()
    # aiohttp itself resends once when a reused keep-alive connection turns out dead, so the reset may not cost us
    # an attempt; the stall always does (the 0.5 s timeout fires, then we retry)
    assert response.attempts >= 2
    assert fake.stats.faults_applied == 2


async def test_a_malformed_body_is_a_model_error_not_a_crash(fake: FakeSpotify) -> None:
    fake.inject("malformed", times=1, path="/tracks/")
    async with connect(fake) as sp:
        with pytest.raises(ModelError, match="not JSON"):
            await sp.tracks.get(fake.catalog.tracks[0])


async def test_unknown_and_malformed_ids(fake: FakeSpotify) -> None:
    async with connect(fake) as sp:
        with pytest.raises(NotFound):
            await sp.albums.get("0" * 22)
        before = fake.stats.api_requests
        with pytest.raises(InvalidInput, match="invalid album id"):
            sp.albums.get("not-an-id")
        with pytest.raises(InvalidInput, match="limit must be between 1 and 10"):
            sp.search.tracks("love", limit=11)
        with pytest.raises(InvalidInput, match="limit must be between 1 and 10"):
            sp.artists.albums(fake.catalog.artists[0], limit=20)
        with pytest.raises(InvalidInput, match="limit must be between 1 and 50"):
            sp.albums.tracks(fake.catalog.albums[0], limit=51)
        with pytest.raises(InvalidInput):
            await sp.tracks.get_several([fake.catalog.tracks[0], "spotify:album:" + fake.catalog.albums[0]])
        assert fake.stats.api_requests == before


async def test_every_item_of_the_big_playlist_in_order() -> None:
    async with FakeSpotify(seed=1, big_playlist_size=2_000) as fake, connect(fake) as sp:
        playlist_id = fake.catalog.big_playlist_id
        expected = [f"spotify:{e.kind}:{e.item_id}" for e in fake.catalog.playlist_by_id[playlist_id].entries]
        seen = [entry.item.uri async for entry in sp.playlists.items(playlist_id) if entry.item is not None]
        assert seen == expected
        assert fake.stats.by_operation["get-playlists-items"] == 2_000 // 50


async def test_pages_are_fetched_concurrently_with_a_bound() -> None:
    async with FakeSpotify(seed=1, big_playlist_size=1_000, latency=0.1, playlist_shape="new") as fake:
        async with connect(fake, config=Config(retry=FAST_RETRY, page_prefetch=4)) as sp:
            started = time.monotonic()
            count = 0
            async for _ in sp.playlists.items(fake.catalog.big_playlist_id):
                count += 1
            elapsed = time.monotonic() - started
        arrivals = sorted(fake.stats.arrivals)
    assert count == 1_000
    # 20 pages at 100 ms each: at most 1 + page_prefetch = 5 in flight needs at least 4 round trips; one after the
    # other would take 2 s (the upper bound only catches a hang: the arrivals below are what shows concurrency,
    # however loaded the machine)
    assert 0.4 <= elapsed < 10.0
    # requests went out together (several within a few ms, where one at a time spaces them by the latency), and
    # never more than 1 + page_prefetch of them: no burst larger than that within half a latency
    bursts = [sum(1 for t in arrivals if a <= t < a + 0.05) for a in arrivals]
    assert 2 <= max(bursts) <= 5
    assert sum(1 for a, b in itertools.pairwise(arrivals) if b - a < 0.05) >= 10


async def test_max_items_and_early_exit_stop_fetching() -> None:
    async with FakeSpotify(seed=1, big_playlist_size=1_000) as fake, connect(fake) as sp:
        items = await sp.playlists.items(fake.catalog.big_playlist_id, max_items=120).collect()
        assert len(items) == 120
        assert fake.stats.by_operation["get-playlists-items"] == 3
        async for _ in sp.playlists.items(fake.catalog.big_playlist_id, limit=10):
            break
        await asyncio.sleep(0.05)
        # the first page and at most page_prefetch more were requested, then cancelled
        assert fake.stats.by_operation["get-playlists-items"] <= 3 + 1 + sp.config.page_prefetch


async def test_awaiting_a_paged_call_gives_the_first_page(fake: FakeSpotify) -> None:
    async with connect(fake) as sp:
        album_id = fake.catalog.albums[0]
        page = await sp.albums.tracks(album_id, limit=2)
        assert page.limit == 2
        assert page.offset == 0
        assert page.total == len(fake.catalog.album_by_id[album_id].track_ids)
        pages = [p async for p in sp.albums.tracks(album_id, limit=2).pages()]
        assert sum(len(p.items) for p in pages) == page.total


async def test_get_several_in_both_modes_keeps_order_and_none() -> None:
    unknown = "0" * 22
    async with FakeSpotify(seed=1) as fake:
        wanted = [*fake.catalog.tracks[:120], unknown]
        async with connect(fake) as dev:
            tracks = await dev.tracks.get_several(wanted)
        assert [t.id if t else None for t in tracks] == [*fake.catalog.tracks[:120], None]
        assert fake.stats.by_operation["get-track"] == 121
        async with connect(fake, mode="extended") as ext:
            tracks = await ext.tracks.get_several(wanted)
        assert [t.id if t else None for t in tracks] == [*fake.catalog.tracks[:120], None]
        assert fake.stats.by_operation["get-several-tracks"] == 3


async def test_removed_endpoints_are_refused_before_sending_in_development_mode(fake: FakeSpotify) -> None:
    async with connect(fake) as sp:
        before = fake.stats.api_requests
        with pytest.raises(EndpointUnavailable, match="get-an-artists-top-tracks"):
            await sp.artists.top_tracks(fake.catalog.artists[0])
        assert fake.stats.api_requests == before
    async with connect(fake, mode="extended") as sp:
        top = await sp.artists.top_tracks(fake.catalog.artists[0])
        assert top


async def test_search_returns_typed_pages(fake: FakeSpotify) -> None:
    async with connect(fake) as sp:
        term = fake.catalog.search_terms[0]
        results = await sp.search(term, types=("artist", "track"))
        assert results.tracks is not None
        assert results.artists is not None
        assert results.albums is None
        assert results.tracks.limit == 10
        found = await sp.search.tracks(term, max_items=25).collect()
        assert 0 < len(found) <= 25


async def test_a_callers_session_is_used_and_left_open(fake: FakeSpotify) -> None:
    import aiohttp

    async with aiohttp.ClientSession() as http:
        async with connect(fake, session=http) as sp:
            await sp.tracks.get(fake.catalog.tracks[0])
        assert not http.closed


async def test_large_pages_pause_the_collector_only_while_structuring() -> None:
    import gc

    async with FakeSpotify(seed=1, big_playlist_size=300) as fake, connect(fake, mode="extended") as sp:
        assert gc.isenabled()
        page = await sp.playlists.items(fake.catalog.big_playlist_id, limit=100, legacy_tracks_endpoint=True)
        assert len(page.items) == 100
        assert gc.isenabled()
        gc.disable()
        try:
            await sp.playlists.items(fake.catalog.big_playlist_id, limit=100, legacy_tracks_endpoint=True)
            assert not gc.isenabled()  # a caller's choice is left alone
        finally:
            gc.enable()


# one of the calls is cancelled before its task starts: it was never awaited, and says so (nothing was sent)
@pytest.mark.filterwarnings("ignore:sp.tracks.get\\(\\.\\.\\.\\) was never awaited:RuntimeWarning")
async def test_a_cancelled_call_gives_back_its_slot_and_its_connection(fake: FakeSpotify) -> None:
    fake.inject("stall", seconds=1.0, times=1, path="/tracks/")
    async with connect(fake, config=Config(retry=FAST_RETRY, max_concurrency=2)) as sp:
        await sp.tracks.get(fake.catalog.tracks[1])  # a warm keep-alive connection in the pool
        call = asyncio.ensure_future(sp.tracks.get(fake.catalog.tracks[0]))
        while fake.stats.faults_applied == 0:  # noqa: ASYNC110 - polling the fake's counter
            await asyncio.sleep(0.005)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        connector = sp._core.http().connector
        assert connector is not None
        await asyncio.sleep(0)
        assert sp.scheduler._slots.in_use == 0
        assert not connector._acquired  # the stalled connection was closed, not leaked
        # and both slots serve new calls at once
        tracks = await asyncio.wait_for(
            asyncio.gather(*(sp.tracks.get(t) for t in fake.catalog.tracks[2:6])), timeout=3
        )
        assert len(tracks) == 4
