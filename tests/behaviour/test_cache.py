"""The cache, coalescing and snapshot-aware playlists end to end: against FakeSpotify, and against a small server in
the test that misbehaves as real servers do (429s answered faster than successes, dropped connections, odd headers,
a stalled answer whose callers leave)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp import web

from spotify_async import ClientCredentials, Config, RetryPolicy, Spotify
from spotify_async.config import HttpCache
from spotify_async.testing import FakeSpotify

from ..auth.support import user_token
from ..unit.helpers import TRACK_ID, track_json

FAST = RetryPolicy(backoff_base=0.01, backoff_cap=0.05)


def connect(fake: FakeSpotify, **config: Any) -> Spotify:
    return Spotify(
        ClientCredentials(fake.client_id, fake.client_secret),
        api_base=fake.api_base,
        accounts_base=fake.accounts_base,
        config=Config(retry=FAST, **config),
    )


# ---------------------------------------------------------------- against FakeSpotify


async def test_a_hundred_concurrent_identical_gets_are_one_request(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    fake.set_latency(0.05)
    track = fake.catalog.tracks[0]
    async with connect(fake) as sp:
        started = time.monotonic()
        results = await asyncio.gather(*(sp.tracks.get(track) for _ in range(100)))
        elapsed = time.monotonic() - started
    assert {t.id for t in results} == {track}
    assert fake.stats.answered["get-track"] == 1
    assert 0.05 <= elapsed < 2.0


async def test_search_is_kept_for_its_max_age_and_catalog_reads_are_not(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    track = fake.catalog.tracks[0]
    async with connect(fake) as sp:
        for _ in range(3):
            await sp.search("love", types=["track"], limit=5)
            await sp.tracks.get(track)
    assert fake.stats.answered["search"] == 1  # public, max-age=120
    assert fake.stats.answered["get-track"] == 3  # public, max-age=0 and no ETag


async def test_a_catalog_ttl_keeps_tracks_whatever_the_max_age(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    tracks = fake.catalog.tracks[:20]
    async with connect(fake, cache=HttpCache(catalog_ttl=600)) as sp:
        for _ in range(5):
            await asyncio.gather(*(sp.tracks.get(t) for t in tracks))
        assert sp.stats["cache_hits"] == 80
    assert fake.stats.answered["get-track"] == 20


async def test_playlists_are_revalidated_with_their_etag(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    user = fake.catalog.users[0]
    async with Spotify(user_token(fake, user), api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
        pid = (await sp.playlists.create("etags", public=False)).id
        mine = await sp.users.my_playlists().collect()
        first, r1 = await sp.playlists.get(pid).with_response()
        second, r2 = await sp.playlists.get(pid).with_response()
        again = await sp.users.my_playlists().collect()
    assert first.snapshot_id == second.snapshot_id
    assert [p.id for p in again] == [p.id for p in mine]
    assert (r1.revalidated, r2.revalidated, r2.from_cache) == (False, True, True)
    assert fake.stats.not_modified >= 2  # the playlist, and the list of playlists
    assert fake.stats.answered["get-playlist"] == 2


async def test_a_snapshot_read_again_unchanged_costs_one_small_request(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    user = fake.catalog.users[0]
    token = user_token(fake, user)
    async with Spotify(token, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
        created = await sp.playlists.create("snapshots", public=False)
        uris = [f"spotify:track:{t}" for t in fake.catalog.tracks[:120]]
        await sp.playlists.add_items(created.id, uris)
        first = await sp.playlists.snapshot(created.id)
        assert [e.item.id for e in first.items if e.item is not None] == fake.catalog.tracks[:120]
        pages = fake.stats.answered["get-playlists-items"]
        assert pages == 3  # 50 per page in development mode

        before = sum(fake.stats.answered.values())
        same = await sp.playlists.snapshot(created.id, known=first)
        assert same is first
        assert sum(fake.stats.answered.values()) - before == 1

        # the caller lost its copy: the probe is revalidated (304) and every page comes from the cache
        before = sum(fake.stats.answered.values())
        not_modified = fake.stats.not_modified
        again = await sp.playlists.snapshot(created.id)
        assert sum(fake.stats.answered.values()) - before == 1
        assert fake.stats.not_modified == not_modified + 1
        assert again == first

        await sp.playlists.add_items(created.id, [f"spotify:track:{fake.catalog.tracks[200]}"])
        changed = await sp.playlists.snapshot(created.id, known=first)
        assert changed.snapshot_id != first.snapshot_id
        assert len(changed.items) == 121
        assert fake.stats.answered["get-playlists-items"] == pages + 3


async def test_snapshot_refuses_a_wrong_known_before_sending(fake_spotify: FakeSpotify) -> None:
    from spotify_async import InvalidInput

    async with connect(fake_spotify) as sp:
        with pytest.raises(InvalidInput, match="PlaylistSnapshot"):
            await sp.playlists.snapshot("37i9dQZF1DXcBWIGoYBM5M", known="abc")  # type: ignore[arg-type]
    assert fake_spotify.stats.api_requests == 0


# ---------------------------------------------------------------- against a server that misbehaves


class Odd:
    """A small API server whose one track route runs ``behaviour`` (given the request number) for each request."""

    def __init__(self, behaviour: Callable[[int, web.Request], Awaitable[web.StreamResponse]]) -> None:
        self.behaviour = behaviour
        self.requests = 0
        self.finished = 0
        self.cancelled = 0
        self.gone = asyncio.Event()
        self.runner: web.AppRunner | None = None
        self.base = ""

    async def _track(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        try:
            resp = await self.behaviour(self.requests, request)
        except asyncio.CancelledError:
            self.cancelled += 1
            self.gone.set()
            raise
        self.finished += 1
        return resp

    async def __aenter__(self) -> Odd:
        app = web.Application()
        app.router.add_get("/v1/tracks/{id}", self._track)
        self.runner = web.AppRunner(app, handler_cancellation=True)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base = f"http://127.0.0.1:{port}/v1"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.runner is not None
        await self.runner.cleanup()


def ok(headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(track_json()), content_type="application/json", headers=headers)


@pytest.fixture
async def odd_client() -> AsyncIterator[Callable[[Odd], Spotify]]:
    made: list[Spotify] = []

    def make(server: Odd) -> Spotify:
        sp = Spotify("fixed-token", api_base=server.base, config=Config(retry=FAST))
        made.append(sp)
        return sp

    yield make
    for sp in made:
        await sp.close()


async def test_a_fast_429_then_a_slow_success_reaches_every_coalesced_caller(odd_client: Any) -> None:
    async def behaviour(n: int, request: web.Request) -> web.StreamResponse:
        if n == 1:
            return web.json_response(
                {"error": {"status": 429, "message": "slow down"}}, status=429, headers={"Retry-After": "0"}
            )
        await asyncio.sleep(0.1)
        return ok()

    async with Odd(behaviour) as server:
        sp = odd_client(server)
        started = time.monotonic()
        results = await asyncio.gather(*(sp.tracks.get(TRACK_ID) for _ in range(50)))
        elapsed = time.monotonic() - started
    assert {t.id for t in results} == {TRACK_ID}
    assert server.requests == 2
    assert 0.1 <= elapsed < 3.0


async def test_a_dropped_connection_is_retried_once_for_every_coalesced_caller(odd_client: Any) -> None:
    async def behaviour(n: int, request: web.Request) -> web.StreamResponse:
        if n == 1:
            assert request.transport is not None
            request.transport.close()  # drop the connection mid-request
            await asyncio.sleep(1)
        return ok({"Cache-Control": "max-age=abc, , MAX-AGE=30, garbage=", "ETag": "unquoted"})

    async with Odd(behaviour) as server:
        sp = odd_client(server)
        started = time.monotonic()
        results = await asyncio.gather(*(sp.tracks.get(TRACK_ID) for _ in range(20)))
        assert {t.id for t in results} == {TRACK_ID}
        assert time.monotonic() - started < 3.0
        assert server.requests == 2
        await sp.tracks.get(TRACK_ID)  # the odd header still said max-age=30 last: kept
        assert server.requests == 2


async def test_an_etag_answered_200_with_a_new_body_replaces_the_kept_one(odd_client: Any) -> None:
    names = iter(["first", "second", "third"])

    async def behaviour(n: int, request: web.Request) -> web.StreamResponse:
        body = orjson.dumps(track_json(name=next(names)))
        # a server that ignores If-None-Match and changes its ETag every time
        return web.Response(body=body, content_type="application/json", headers={"ETag": f'"v{n}"'})

    async with Odd(behaviour) as server:
        sp = odd_client(server)
        assert (await sp.tracks.get(TRACK_ID)).name == "first"
        second, response = await sp.tracks.get(TRACK_ID).with_response()
        assert (second.name, response.revalidated, response.from_cache) == ("second", False, False)
        assert (await sp.tracks.get(TRACK_ID)).name == "third"
        assert server.requests == 3


async def test_one_caller_leaving_does_not_cancel_the_request_and_the_last_one_does(odd_client: Any) -> None:
    release = asyncio.Event()

    async def behaviour(n: int, request: web.Request) -> web.StreamResponse:
        if n == 1:
            await asyncio.wait_for(release.wait(), 5)
            return ok()
        await asyncio.sleep(30)  # stalls: its callers leave
        return ok()

    async with Odd(behaviour) as server:
        sp = odd_client(server)
        waiters = [asyncio.ensure_future(sp.tracks.get(TRACK_ID)) for _ in range(3)]
        await asyncio.sleep(0.1)
        waiters[0].cancel()  # the one that started the request leaves
        await asyncio.sleep(0.05)
        release.set()
        started = time.monotonic()
        results = await asyncio.gather(*waiters[1:])
        assert time.monotonic() - started < 2.0
        assert {t.id for t in results} == {TRACK_ID}
        assert server.requests == 1
        assert server.finished == 1

        stalled = [asyncio.ensure_future(sp.tracks.get(TRACK_ID)) for _ in range(2)]
        await asyncio.sleep(0.1)
        assert server.requests == 2
        for task in stalled:
            task.cancel()
        await asyncio.gather(*stalled, return_exceptions=True)
        assert len(sp.pipeline.coalescer) == 0
        started = time.monotonic()
        await asyncio.wait_for(server.gone.wait(), 2.0)
        assert time.monotonic() - started < 2.0
        assert server.cancelled == 1  # the last caller leaving closed the connection: the server saw it go
