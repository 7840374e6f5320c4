"""Redis unreachable or lost mid-run: a typed error within a bounded time, or the documented local fallback; never a
hang, never a password in a message. And the package imports without redis-py."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from spotify_async import ClientCredentials, Config, RateBudget, Spotify
from spotify_async.distributed import RedisGate, RedisRateLimiter, RedisTokenStore, connect
from spotify_async.errors import CoordinationError
from spotify_async.testing import FakeSpotify

from .conftest import RedisServer, _free_port

TIMEOUT = 0.5


def _falling_back(limiter: RedisRateLimiter) -> bool:
    return limiter.using_fallback


async def test_redis_stopped_mid_run_raises_coordination_error_quickly(
    redis_factory: Callable[[], RedisServer],
) -> None:
    server = redis_factory()
    budget = RateBudget(limit=100, window=1.0)
    limiter = RedisRateLimiter(server.url, client_id="app1", budget=budget, timeout=TIMEOUT)
    gate = RedisGate(server.url, client_id="app1", timeout=TIMEOUT)
    store = RedisTokenStore(server.url, client_id="app1", timeout=TIMEOUT)
    try:
        await limiter.acquire(1.0)
        await limiter.release()
        await gate.wait(1.0)
        assert await store.load("app") is None
        server.stop()
        for operation in (limiter.acquire(1.0), gate.close(1.0), store.load("app")):
            started = time.monotonic()
            with pytest.raises(CoordinationError) as info:
                await operation
            assert time.monotonic() - started < TIMEOUT + 1.0
            assert "127.0.0.1" in str(info.value)
        await limiter.release()  # never raises (nothing held; and a failed release just expires)
    finally:
        await limiter.aclose()
        await gate.aclose()
        await store.aclose()


async def test_a_session_fails_fast_when_redis_goes_away(redis_factory: Callable[[], RedisServer]) -> None:
    server = redis_factory()
    budget = RateBudget(limit=50, window=1.0)
    async with FakeSpotify() as fake:
        co = connect(server.url, client_id=fake.client_id, budget=budget, timeout=TIMEOUT)
        async with co:
            auth = co.auth(ClientCredentials(fake.client_id, fake.client_secret))
            async with Spotify(
                auth,
                api_base=fake.api_base,
                accounts_base=fake.accounts_base,
                config=Config(budget=budget),
                limiter=co.limiter,
                gate=co.gate,
            ) as sp:
                track = fake.catalog.tracks[0]
                assert (await sp.tracks.get(track)).id == track
                server.stop()
                started = time.monotonic()
                with pytest.raises(CoordinationError):
                    await asyncio.wait_for(sp.tracks.get(track), 10)
                assert time.monotonic() - started < TIMEOUT + 1.5


async def test_fallback_local_keeps_going_and_comes_back(redis_factory: Callable[[], RedisServer]) -> None:
    server = redis_factory()
    budget = RateBudget(limit=5, window=0.5)
    limiter = RedisRateLimiter(
        server.url, client_id="app1", budget=budget, timeout=TIMEOUT, fallback="local", retry_interval=0.3
    )
    gate = RedisGate(server.url, client_id="app1", timeout=TIMEOUT, fallback="local", retry_interval=0.3)
    try:
        await limiter.acquire(1.0)
        await limiter.release()
        server.stop()
        started = time.monotonic()
        await limiter.acquire(5.0)  # Redis gone: carried on with a local budget
        assert time.monotonic() - started < TIMEOUT + 1.0
        assert _falling_back(limiter)
        assert limiter.fallbacks == 1
        await limiter.release()
        await gate.close(0.2, "local")
        assert 0.1 < await gate.wait(5.0) < 0.5  # the local gate still shuts and opens
        # Redis comes back on the same port: the next probe after retry_interval returns to the shared budget
        server.start()
        await asyncio.sleep(0.35)
        await limiter.acquire(5.0)
        assert not _falling_back(limiter)
        assert limiter.fallbacks == 1
        assert (await limiter.snapshot())["in_flight"] == 1
    finally:
        await limiter.aclose()
        await gate.aclose()


async def test_unreachable_at_start_is_a_typed_error_without_the_password() -> None:
    url = f"redis://someone:s3cr3t-pw@127.0.0.1:{_free_port()}/0"
    started = time.monotonic()
    with pytest.raises(CoordinationError) as info:
        async with connect(url, client_id="app1", timeout=TIMEOUT):
            pass
    assert time.monotonic() - started < TIMEOUT + 1.0
    assert "s3cr3t-pw" not in str(info.value)
    assert "someone" not in str(info.value)
    assert "127.0.0.1" in str(info.value)


def test_the_package_imports_without_redis_and_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['redis'] = None; sys.modules['redis.asyncio'] = None\n"
        "import spotify_async, spotify_async.distributed as d\n"
        "try:\n"
        "    d.connect('redis://127.0.0.1:1/0', client_id='x')\n"
        "except ImportError as exc:\n"
        "    print('IMPORT-ERROR', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert "IMPORT-ERROR" in out.stdout
    assert "spotify_async[redis]" in out.stdout
