"""RedisCacheStore against a real redis-server: entries and expiry, tags and invalidation, two sessions sharing one
cache, a foreign app's keys kept apart, and the local fallback when Redis goes away."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from spotify_async import ClientCredentials, Config, HttpCache, Spotify
from spotify_async.distributed import RedisCacheStore
from spotify_async.errors import CoordinationError
from spotify_async.http.store import CacheStore
from spotify_async.testing import FakeSpotify

from .conftest import RedisServer

StoreFactory = Callable[..., RedisCacheStore]


@pytest.fixture
async def stores(redis_server: RedisServer, namespace: str) -> AsyncIterator[StoreFactory]:
    made: list[RedisCacheStore] = []

    def make(client_id: str = "app1", **kwargs: object) -> RedisCacheStore:
        store = RedisCacheStore(redis_server.url, client_id=client_id, namespace=namespace, **kwargs)  # type: ignore[arg-type]
        made.append(store)
        return store

    yield make
    for store in made:
        await store.aclose()


async def test_entries_expire_and_tags_invalidate_across_processes(stores: StoreFactory) -> None:
    one, two = stores(), stores()
    assert isinstance(one, CacheStore)
    await one.set("app /tracks/a", b"A" * 10, 60, ["playlist:p1"])
    await one.set("app /tracks/b", b"B", 0.2, [])
    await one.set("app /tracks/c", b"C", 60, ["playlist:p1", "library:u1"])
    assert await two.get("app /tracks/a") == b"A" * 10
    assert await two.get("app /tracks/b") == b"B"
    assert await two.get("absent") is None
    started = time.monotonic()
    while await two.get("app /tracks/b") is not None:  # Redis forgets it when its time is up (its own clock)
        assert time.monotonic() - started < 2.0
        await asyncio.sleep(0.02)
    assert 0.05 <= time.monotonic() - started < 2.0
    assert await two.invalidate(["playlist:p1"]) == 2
    assert await one.get("app /tracks/a") is None
    assert await one.get("app /tracks/c") is None
    assert await one.invalidate(["playlist:p1", "never-used"]) == 0


async def test_apps_do_not_share_entries_and_oversized_values_are_not_written(stores: StoreFactory) -> None:
    mine, theirs = stores("app1", max_value_bytes=100), stores("app2")
    await mine.set("k", b"x", 60)
    await mine.set("big", bytes(101), 60)
    assert await theirs.get("k") is None
    assert await mine.get("big") is None
    await mine.clear()
    assert await mine.get("k") is None


async def test_two_sessions_share_one_cache_through_redis(stores: StoreFactory) -> None:
    async with FakeSpotify() as fake:
        track = fake.catalog.tracks[0]

        def session() -> Spotify:
            config = Config(cache=HttpCache(store=stores(), catalog_ttl=600))
            auth = ClientCredentials(fake.client_id, fake.client_secret)
            return Spotify(auth, api_base=fake.api_base, accounts_base=fake.accounts_base, config=config)

        async with session() as a, session() as b:
            first = await a.tracks.get(track)
            second, response = await b.tracks.get(track).with_response()
        assert first == second
        assert response.from_cache
        assert fake.stats.answered["get-track"] == 1


async def test_a_lost_redis_raises_or_falls_back_to_memory(redis_factory: Callable[[], RedisServer]) -> None:
    server = redis_factory()
    strict = RedisCacheStore(server.url, client_id="app1", timeout=0.5)
    lenient = RedisCacheStore(server.url, client_id="app1", timeout=0.5, fallback="local", retry_interval=60)
    try:
        await strict.set("k", b"v", 60)
        assert await lenient.get("k") == b"v"
        server.stop()
        started = time.monotonic()
        with pytest.raises(CoordinationError) as caught:
            await strict.get("k")
        assert "127.0.0.1" in str(caught.value)
        assert await lenient.get("k") is None  # a miss from the local store, not an error
        await lenient.set("k", b"local", 60)
        assert await lenient.get("k") == b"local"
        assert lenient.degraded
        assert time.monotonic() - started < 3.0
    finally:
        await strict.aclose()
        await lenient.aclose()
