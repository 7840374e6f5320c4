"""RedisTokenStore and the distributed single-flight refresh against a real redis-server and FakeSpotify: round trip,
fencing, one token request for many refreshers (in one process and across processes), recovery from a killed holder,
and a failed token request marked for the others (one request per cooldown for every process, not one each)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web

from spotify_async import (
    AuthError,
    ClientCredentials,
    Config,
    InvalidInput,
    RetryPolicy,
    Spotify,
    Token,
    TransportError,
)
from spotify_async.auth.stores import TokenStore
from spotify_async.distributed import DistributedAuth, RedisTokenStore, connect
from spotify_async.http.clock import SYSTEM_CLOCK
from spotify_async.testing import FakeClock, FakeSpotify

from ..auth.support import serving
from . import _workers
from .conftest import RedisServer


@pytest.fixture
async def fake() -> AsyncIterator[FakeSpotify]:
    async with FakeSpotify() as server:
        yield server


def _token(name: str, *, expires_in: float = 3600.0) -> Token:
    return Token(
        access_token=f"access-{name}",
        refresh_token=f"refresh-{name}",
        expires_at=time.time() + expires_in,
        scopes=frozenset({"user-read-private", "playlist-modify-public"}),
    )


async def test_store_round_trip_and_namespacing(redis_server: RedisServer, namespace: str) -> None:
    store = RedisTokenStore(redis_server.url, client_id="appA", namespace=namespace)
    other_app = RedisTokenStore(redis_server.url, client_id="appB", namespace=namespace)
    try:
        assert isinstance(store, TokenStore)
        assert await store.load("user-1") is None
        token = _token("one")
        await store.save("user-1", token)
        loaded = await store.load("user-1")
        assert loaded == token
        assert loaded is not None
        assert loaded.scopes == token.scopes
        assert loaded.expires_at == token.expires_at
        assert await other_app.load("user-1") is None  # keys are per client ID
        replacement = _token("two")
        await store.save("user-1", replacement)
        assert await store.load("user-1") == replacement
        await store.delete("user-1")
        assert await store.load("user-1") is None
        await store.delete("user-1")  # deleting nothing is fine
        assert "access-" not in repr(store)
    finally:
        await store.aclose()
        await other_app.aclose()


async def test_fencing_refuses_a_late_holder(redis_server: RedisServer, namespace: str) -> None:
    store = RedisTokenStore(redis_server.url, client_id="app1", namespace=namespace)
    try:
        lock = store.lock("app", ttl=0.3)
        peer = store.lock("app", ttl=0.3)
        first = await lock.acquire()
        assert first is not None
        assert await peer.acquire() is None  # held
        await asyncio.sleep(0.35)  # the first holder stalls past its lock...
        second = await peer.acquire()
        assert second is not None
        assert second > first
        newer = _token("new")
        assert await store.save_fenced("app", newer, second)
        # ...and wakes up with an older token: refused, the newer one stays
        assert not await store.save_fenced("app", _token("late"), first)
        assert await store.load("app") == newer
        assert not await lock.release(first)  # not its lock any more: the peer's lock is untouched
        assert (await store.peek("app")).lock_ms > 0
        assert await peer.release(second)
        assert (await store.peek("app")).lock_ms <= 0
        # a plain save (a new login) is always the newest
        await store.save("app", _token("login"))
        assert not await store.save_fenced("app", _token("stale"), second)
    finally:
        await store.aclose()


async def test_many_refreshers_one_token_request(redis_server: RedisServer, namespace: str, fake: FakeSpotify) -> None:
    coordinations = [connect(redis_server.url, client_id=fake.client_id, namespace=namespace) for _ in range(6)]
    sessions = [
        Spotify(
            co.auth(ClientCredentials(fake.client_id, fake.client_secret)),
            api_base=fake.api_base,
            accounts_base=fake.accounts_base,
        )
        for co in coordinations
    ]
    try:
        tokens = await asyncio.gather(*(sp.tokens.get() for sp in sessions for _ in range(20)))
        assert fake.stats.token_requests == 1
        assert len({t.access_token for t in tokens}) == 1
        # a 401 seen by all of them (the token was revoked): still one new token for everyone
        for sp in sessions:
            sp.tokens.invalidate(tokens[0])
        fresh = await asyncio.gather(*(sp.tokens.get() for sp in sessions))
        assert fake.stats.token_requests == 2
        assert len({t.access_token for t in fresh}) == 1
        assert fresh[0].access_token != tokens[0].access_token
        # the store holds it for processes that start later
        assert await coordinations[0].store.load("app") == fresh[0]
    finally:
        for sp in sessions:
            await sp.close()
        for co in coordinations:
            await co.aclose()


async def test_many_processes_one_token_request(redis_server: RedisServer, namespace: str, fake: FakeSpotify) -> None:
    start_at = time.time() + 2.5  # spawned interpreters need a moment to import
    jobs = [
        {
            "redis": redis_server.url,
            "namespace": namespace,
            "client_id": fake.client_id,
            "client_secret": fake.client_secret,
            "api_base": fake.api_base,
            "accounts_base": fake.accounts_base,
            "lock_ttl": 5.0,
            "sessions": 3,
            "per_session": 10,
            "start_at": start_at,
        }
        for _ in range(3)
    ]
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=3, mp_context=multiprocessing.get_context("spawn")) as pool:
        results = await asyncio.wait_for(
            asyncio.gather(*(loop.run_in_executor(pool, _workers.refresh_many, job) for job in jobs)), 30
        )
    assert fake.stats.token_requests == 1
    assert sum(r["token_requests"] for r in results) == 1
    assert all(r["distinct_tokens"] == 1 for r in results)
    assert len({r["fingerprint"] for r in results}) == 1


async def test_a_killed_lock_holder_blocks_the_others_no_longer_than_the_lock(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify
) -> None:
    lock_ttl = 1.5
    fake.inject("stall", path="/api/token", seconds=10.0, times=1)  # the holder's token request never returns
    job: dict[str, Any] = {
        "redis": redis_server.url,
        "namespace": namespace,
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "api_base": fake.api_base,
        "accounts_base": fake.accounts_base,
        "lock_ttl": lock_ttl,
    }
    holder = multiprocessing.get_context("spawn").Process(target=_workers.hold_refresh, args=(job,), daemon=True)
    holder.start()
    async with connect(redis_server.url, client_id=fake.client_id, namespace=namespace) as co:
        try:
            deadline = time.monotonic() + 20
            while fake.stats.token_requests == 0:  # the holder has the lock and its request is stalled
                assert time.monotonic() < deadline, "the holder process never asked for a token"
                assert holder.is_alive()
                await asyncio.sleep(0.02)
            assert (await co.store.peek("app")).lock_ms > 0
            # the others start waiting for the holder's token...
            others = [
                Spotify(
                    DistributedAuth(ClientCredentials(fake.client_id, fake.client_secret), co.store, lock_ttl=lock_ttl),
                    api_base=fake.api_base,
                    accounts_base=fake.accounts_base,
                )
                for _ in range(3)
            ]
            waiting = asyncio.gather(*(sp.tokens.get() for sp in others for _ in range(5)))
            await asyncio.sleep(0.1)
            assert not waiting.done()
            # ...and the holder dies without a word
            assert holder.pid is not None
            os.kill(holder.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            tokens = await asyncio.wait_for(waiting, lock_ttl + 5)
            recovered_in = time.monotonic() - killed_at
            assert recovered_in < lock_ttl + 0.5
            assert len({t.access_token for t in tokens}) == 1
            assert fake.stats.token_requests == 2  # the dead holder's, and exactly one more
            assert await co.store.load("app") == tokens[0]
            for sp in others:
                await sp.close()
        finally:
            if holder.is_alive():
                holder.kill()
            holder.join(5)
    assert holder.exitcode == -signal.SIGKILL


#: one token request per refresh (no retries inside the accounts client), so the counts below are exact
ONE_TRY = Config(retry=RetryPolicy(max_retries=0))


@asynccontextmanager
async def _sessions(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify, cooldown: float, clocks: list[FakeClock | None]
) -> AsyncIterator[tuple[list[Any], list[Spotify]]]:
    """A coordination (each its own Redis client, as separate processes have) and a session on each, one per entry of
    ``clocks`` (the session's clock; None: the system's); all closed when the block ends."""
    coordinations = [connect(redis_server.url, client_id=fake.client_id, namespace=namespace) for _ in clocks]
    sessions = [
        Spotify(
            co.auth(ClientCredentials(fake.client_id, fake.client_secret), failure_cooldown=cooldown),
            api_base=fake.api_base,
            accounts_base=fake.accounts_base,
            config=ONE_TRY,
            clock=SYSTEM_CLOCK if clock is None else clock,
        )
        for co, clock in zip(coordinations, clocks, strict=True)
    ]
    try:
        yield coordinations, sessions
    finally:
        for sp in sessions:
            await sp.close()
        for co in coordinations:
            await co.aclose()


async def _lapse_mark(co: Any, key: str = "app") -> None:
    """End the failure mark of ``key`` within 20 ms, through Redis's own expiry, and wait for it to go."""
    failed_key = co.store._names(key)[3]
    await co.store.backend.execute("test", "PEXPIRE", failed_key, 20)
    for _ in range(100):
        if (await co.store.peek(key)).failed is None:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the failure mark did not lapse")


async def test_a_failed_token_request_is_marked_and_not_repeated_by_each_process(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify
) -> None:
    fake.inject("status", status=503, path="/api/token", times=None)
    async with _sessions(redis_server, namespace, fake, 5.0, [None] * 4) as (coordinations, sessions):
        started = time.monotonic()
        outcomes = await asyncio.gather(*(sp.tokens.get() for sp in sessions for _ in range(5)), return_exceptions=True)
        elapsed = time.monotonic() - started
        assert all(isinstance(o, AuthError) for o in outcomes), outcomes
        assert fake.stats.token_requests == 1  # one holder asked; the other three processes read its mark
        # the holder's five callers get the accounts service's answer, the others the mark's
        assert Counter(o.error for o in outcomes if isinstance(o, AuthError)) == {
            "server_error": 5,
            "refresh_failed": 15,
        }
        assert elapsed < 2  # nobody waited out the lock or retried on their own
        stored = await coordinations[0].store.peek("app")
        assert stored.failed == "AuthError 503"
        assert 0 < stored.failed_ms <= 5000
        # within the cooldown nobody asks, and the error says what failed and for how long
        with pytest.raises(
            AuthError, match=r"failed moments ago \(AuthError 503\); no process asks again for \d\.\d s"
        ):
            await sessions[2].tokens.get()
        assert fake.stats.token_requests == 1
        # the accounts service is back: once the mark lapses (made to lapse now, rather than waited out) one process
        # asks, and every process adopts its token
        fake.clear_faults()
        await _lapse_mark(coordinations[0])
        tokens = await asyncio.wait_for(asyncio.gather(*(sp.tokens.get() for sp in sessions)), 5)
        assert fake.stats.token_requests == 2
        assert len({t.access_token for t in tokens}) == 1
        assert (await coordinations[0].store.peek("app")).failed is None  # the stored token cleared the mark


async def test_processes_whose_token_still_works_go_on_with_it_after_a_marked_failure(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify
) -> None:
    clocks = [FakeClock() for _ in range(3)]
    async with _sessions(redis_server, namespace, fake, 5.0, list(clocks)) as (_, sessions):
        track = next(iter(fake.catalog.tracks))
        for sp in sessions:
            await sp.tracks.get(track)
        assert fake.stats.token_requests == 1  # one token, shared
        for clock in clocks:
            clock.advance(3600 - 50)  # inside the refresh margin everywhere; the token still has 50 s on the server
        fake.inject("status", status=503, path="/api/token", times=None)
        started = time.monotonic()
        answers = await asyncio.gather(*(sp.tracks.get(track) for sp in sessions for _ in range(4)))
        assert {a.id for a in answers} == {track}
        assert time.monotonic() - started < 2
        assert fake.stats.token_requests == 2  # one failed request for all three processes
        assert sum(sp.tokens.refresh_failures for sp in sessions) == 3  # each went on with the working token


@pytest.mark.parametrize("cooldown", [-1.0, float("nan"), float("inf"), True, "5"])
def test_a_bad_failure_cooldown_is_refused_before_anything_is_sent(cooldown: Any) -> None:
    store = RedisTokenStore("redis://127.0.0.1:9", client_id="cid")
    with pytest.raises(InvalidInput, match="failure_cooldown must be a finite number of seconds >= 0"):
        DistributedAuth(ClientCredentials("cid", "secret"), store, failure_cooldown=cooldown)


async def test_a_refusal_of_this_process_s_own_request_is_not_marked(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify
) -> None:
    # one process with a wrong secret (a rotation half deployed) must not hold up the ones that have the right one
    fake.inject(
        "status",
        status=400,
        path="/api/token",
        times=1,
        body={"error": "invalid_client", "error_description": "Invalid client secret"},
    )
    async with _sessions(redis_server, namespace, fake, 5.0, [None, None]) as (coordinations, sessions):
        with pytest.raises(AuthError, match="invalid_client"):
            await sessions[0].tokens.get()
        assert (await coordinations[0].store.peek("app")).failed is None
        token = await sessions[1].tokens.get()  # asks at once, and gets a token
        assert fake.stats.token_requests == 2
        assert token.access_token


async def test_a_failure_cooldown_of_zero_marks_nothing(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify
) -> None:
    fake.inject("status", status=503, path="/api/token", times=1)
    async with _sessions(redis_server, namespace, fake, 0, [None, None]) as (coordinations, sessions):
        with pytest.raises(AuthError, match="503"):
            await sessions[0].tokens.get()
        assert (await coordinations[0].store.peek("app")).failed is None
        await sessions[1].tokens.get()
        assert fake.stats.token_requests == 2


@pytest.mark.parametrize("failing", ["503", "reset"])
async def test_a_rude_accounts_service_costs_one_token_request_for_every_process(
    redis_server: RedisServer, namespace: str, failing: str
) -> None:
    # the same rule against an accounts service written here, failing as real ones do: a load balancer's 503 with an
    # HTTP-date Retry-After and a text body, or a connection dropped without an answer
    asked: list[int] = []

    async def token(request: web.Request) -> web.StreamResponse:
        asked.append(1)
        await request.read()
        if failing == "503":
            return web.Response(
                status=503, text="no healthy upstream", headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}
            )
        assert request.transport is not None
        request.transport.close()
        return web.Response()

    app = web.Application()
    app.router.add_post("/api/token", token)
    async with serving(app) as base:
        coordinations = [connect(redis_server.url, client_id="cid", namespace=namespace) for _ in range(3)]
        sessions = [
            Spotify(
                co.auth(ClientCredentials("cid", "not-a-real-secret"), failure_cooldown=5.0),
                api_base=base + "/v1",
                accounts_base=base,
                config=ONE_TRY,
            )
            for co in coordinations
        ]
        try:
            started = time.monotonic()
            outcomes = await asyncio.gather(
                *(sp.tokens.get() for sp in sessions for _ in range(3)), return_exceptions=True
            )
            assert time.monotonic() - started < 2
            assert len(asked) == 1  # one request for three processes and nine callers
            assert all(isinstance(o, AuthError | TransportError) for o in outcomes), outcomes
            assert sum(isinstance(o, AuthError) and o.error == "refresh_failed" for o in outcomes) == 6
            stored = await coordinations[0].store.peek("app")
            assert stored.failed == ("AuthError 503" if failing == "503" else "TransportError")
        finally:
            for sp in sessions:
                await sp.close()
            for co in coordinations:
                await co.aclose()
