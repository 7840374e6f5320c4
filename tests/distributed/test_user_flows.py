"""User logins across workers, against a real redis-server and FakeSpotify: pending logins in Redis (a login started
on one worker completes on another, a replay is refused everywhere), and user tokens with single-use rotating refresh
tokens shared by many processes (one refresh request, the rotated refresh token stored before use, ``invalid_grant``
reaching every process, a login racing a refresh, a grant kept when Redis fails just after it)."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections.abc import AsyncIterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import attrs
import pytest

from spotify_async import (
    PKCE,
    AuthError,
    AuthorizationCode,
    Config,
    CoordinationError,
    InvalidInput,
    PendingLogin,
    ReauthorizationRequired,
    RetryPolicy,
    Spotify,
    StateMismatch,
    StateStore,
    Token,
)
from spotify_async.distributed import DistributedAuth, RedisStateStore, RedisTokenStore, connect
from spotify_async.testing import FakeSpotify

from ..auth.support import click
from . import _workers
from .conftest import RedisServer

REDIRECT = "https://app.example/callback"


@pytest.fixture
async def fake() -> AsyncIterator[FakeSpotify]:
    async with FakeSpotify(refresh_rotation="single-use") as server:
        yield server


def stale_user_token(fake: FakeSpotify) -> Token:
    """A real token of the fake's login user, already past its expiry on our clock."""
    token = Token.from_response(fake.issue_user_token())
    return attrs.evolve(token, expires_at=time.time() - 1)


# ------------------------------------------------------------------------------------------------ pending logins


async def test_redis_state_store_takes_each_state_once_and_expires(redis_server: RedisServer, namespace: str) -> None:
    store = RedisStateStore(redis_server.url, namespace=namespace)
    try:
        assert isinstance(store, StateStore)
        login = PendingLogin("v" * 43, time.time())
        state = await store.put(login, state=None, lifetime=60)
        assert await store.take(state) == login
        assert await store.take(state) is None
        # the expiry is Redis's own (PX): set to the login's lifetime...
        lasting = await store.put(login, state=None, lifetime=30)
        key = f"{namespace}:login:{lasting}"
        ttl_ms = await store.backend.execute("ttl", "PTTL", key)
        assert 29_000 < ttl_ms <= 30_000
        # ...and really applied: a login of 50 ms is gone 200 ms later
        short = await store.put(login, state=None, lifetime=0.05)
        await asyncio.sleep(0.2)
        assert await store.take(short) is None
        assert await store.take(lasting) == login
        await store.put(login, state="dup", lifetime=30)
        with pytest.raises(InvalidInput, match="already pending"):  # a caller's state is never silently replaced
            await store.put(login, state="dup", lifetime=30)
        assert "v" * 43 not in repr(store)
    finally:
        await store.aclose()


async def test_a_login_started_on_one_worker_completes_on_another(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify
) -> None:
    # two workers: each its own Redis clients, the same Redis
    states = [RedisStateStore(redis_server.url, namespace=namespace) for _ in range(2)]
    tokens = [RedisTokenStore(redis_server.url, client_id=fake.client_id, namespace=namespace) for _ in range(2)]
    try:
        workers = [
            PKCE(fake.client_id, "http://127.0.0.1:8888/cb", state_store=s, store=t, accounts_base=fake.accounts_base)
            for s, t in zip(states, tokens, strict=True)
        ]
        with pytest.raises(Exception, match="login_url"):
            workers[0].authorize_url()  # Redis needs I/O: the async variant
        callback = await click(await workers[0].login_url())
        user = workers[1].for_user(fake.login_user)
        token = await user.exchange_callback(callback)
        assert await tokens[0].load(fake.login_user) == token  # visible to the first worker
        sent = fake.stats.token_requests
        for worker in workers:  # the replay is refused on every worker, before anything is sent
            with pytest.raises(StateMismatch):
                await worker.for_user("x").exchange_callback(callback)
        assert fake.stats.token_requests == sent
    finally:
        for store in (*states, *tokens):
            await store.aclose()


# ------------------------------------------------------------------------------------------------ shared user tokens


class RecordingStore(RedisTokenStore):
    """Records, for every fenced save, how many Web API requests the fake had seen before it."""

    def __init__(self, fake: FakeSpotify, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fake = fake
        self.fenced_saves: list[tuple[Token, int]] = []

    async def save_fenced(self, key: str, token: Token, fence: int) -> bool:
        before = self.fake.stats.api_requests
        await asyncio.sleep(0.05)  # any call that did not wait for the save would reach the fake meanwhile
        written = await super().save_fenced(key, token, fence)
        self.fenced_saves.append((token, before))
        return written


async def test_workers_refresh_one_user_once_and_store_the_rotation_before_use(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify
) -> None:
    stores = [RecordingStore(fake, redis_server.url, client_id=fake.client_id, namespace=namespace) for _ in range(3)]
    old = stale_user_token(fake)
    await stores[0].save("u1", old)
    seen: list[Token] = []
    login = AuthorizationCode(fake.client_id, fake.client_secret, REDIRECT, on_change=lambda k, t: seen.append(t))
    sessions = [
        Spotify(
            DistributedAuth(login.for_user("u1"), store, lock_ttl=5),
            api_base=fake.api_base,
            accounts_base=fake.accounts_base,
        )
        for store in stores
    ]
    try:
        before = fake.stats.api_requests
        users = await asyncio.gather(*(sp.users.me() for sp in sessions for _ in range(20)))
        assert {u.id for u in users} == {fake.login_user}
        assert fake.stats.token_requests == 1  # one refresh for three workers and sixty calls
        ((saved, api_before_save),) = [entry for store in stores for entry in store.fenced_saves]
        assert api_before_save == before  # stored before any call used the new access token
        assert saved.refresh_token != old.refresh_token  # rotated, and the rotation is what Redis holds
        assert await stores[1].load("u1") == saved
        assert all(sp.tokens.token == saved for sp in sessions)
        assert seen == [saved] * 3  # each worker's flow saw the new token once (its hook), no stale one
        # the stored refresh token is the live one: a forced refresh with it works (single-use: a spent one would not)
        for sp in sessions:
            sp.tokens.invalidate(saved)
        again = await asyncio.gather(*(sp.tokens.get() for sp in sessions))
        assert fake.stats.token_requests == 2
        assert len({t.access_token for t in again}) == 1
    finally:
        for sp in sessions:
            await sp.close()
        for store in stores:
            await store.aclose()


async def test_invalid_grant_reaches_every_worker_after_one_request(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify
) -> None:
    stores = [RedisTokenStore(redis_server.url, client_id=fake.client_id, namespace=namespace) for _ in range(3)]
    old = stale_user_token(fake)
    fake.expire_refresh_tokens(old.refresh_token)  # the user revoked the app
    await stores[0].save("u1", old)
    login = AuthorizationCode(fake.client_id, fake.client_secret, REDIRECT)
    sessions = [
        Spotify(DistributedAuth(login.for_user("u1"), s), api_base=fake.api_base, accounts_base=fake.accounts_base)
        for s in stores
    ]
    try:
        started = time.monotonic()
        outcomes = await asyncio.gather(*(sp.users.me() for sp in sessions for _ in range(10)), return_exceptions=True)
        assert time.monotonic() - started < 10
        assert all(isinstance(o, ReauthorizationRequired) for o in outcomes), outcomes
        assert fake.stats.token_requests == 1  # the refused refresh token was sent once, by one worker
        # a worker that starts later learns it from Redis, without asking
        late = Spotify(
            DistributedAuth(login.for_user("u1"), stores[1]), api_base=fake.api_base, accounts_base=fake.accounts_base
        )
        with pytest.raises(ReauthorizationRequired):
            await late.users.me()
        await late.close()
        assert fake.stats.token_requests == 1
        # the user logs in again on one worker: every worker's existing client works again, no restart
        fresh = Token.from_response(fake.issue_user_token())
        await stores[2].save("u1", fresh)
        assert {u.id for u in await asyncio.gather(*(sp.users.me() for sp in sessions))} == {fake.login_user}
        assert all(sp.tokens.token == fresh for sp in sessions)
        assert fake.stats.token_requests == 1
    finally:
        for sp in sessions:
            await sp.close()
        for store in stores:
            await store.aclose()


async def test_a_login_on_one_worker_beats_a_refresh_on_another(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify
) -> None:
    async with (
        connect(redis_server.url, client_id=fake.client_id, namespace=namespace) as refresher_co,
        connect(redis_server.url, client_id=fake.client_id, namespace=namespace) as login_co,
    ):
        old = stale_user_token(fake)
        await refresher_co.store.save("u1", old)
        refresher = Spotify(
            refresher_co.auth(AuthorizationCode(fake.client_id, fake.client_secret, REDIRECT, user_key="u1")),
            api_base=fake.api_base,
            accounts_base=fake.accounts_base,
        )
        try:
            fake.inject("stall", path="/api/token", seconds=0.6)  # the refresh is slow to come back
            refreshing = asyncio.ensure_future(refresher.tokens.get())
            deadline = time.monotonic() + 5
            while fake.stats.token_requests == 0:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.01)
            # meanwhile, on another worker, the user logs in again (stored with a newer fencing number)
            login = AuthorizationCode(
                fake.client_id, fake.client_secret, REDIRECT, store=login_co.store, accounts_base=fake.accounts_base
            )
            token = await login.for_user("u1").exchange_callback(await click(login.authorize_url()))
            got = await asyncio.wait_for(refreshing, 5)
            assert got == token  # the refresh that lost returns the login's token
            assert await login_co.store.load("u1") == token  # and did not overwrite it
        finally:
            await refresher.close()


async def test_many_processes_refresh_one_user_once(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify
) -> None:
    async with connect(redis_server.url, client_id=fake.client_id, namespace=namespace) as co:
        await co.store.save("u1", stale_user_token(fake))
    job = {
        "redis": redis_server.url,
        "namespace": namespace,
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "api_base": fake.api_base,
        "accounts_base": fake.accounts_base,
        "user_key": "u1",
        "lock_ttl": 5.0,
        "sessions": 2,
        "per_session": 10,
    }
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(max_workers=3, mp_context=multiprocessing.get_context("spawn")) as pool:
        first = dict(job, start_at=time.time() + 2.5)  # spawned interpreters need a moment to import
        results = await asyncio.wait_for(
            asyncio.gather(*(loop.run_in_executor(pool, _workers.user_refresh_many, first) for _ in range(3))), 60
        )
        assert [r["other_errors"] for r in results] == [[], [], []]
        assert [r["ok"] for r in results] == [20, 20, 20]
        assert fake.stats.token_requests == 1
        assert sum(r["token_requests"] for r in results) == 1
        assert len({r["fingerprint"] for r in results}) == 1
        # the user revokes the app: every process learns it, one refused request in all
        async with connect(redis_server.url, client_id=fake.client_id, namespace=namespace) as co:
            stored = await co.store.load("u1")
            assert stored is not None
            fake.expire_refresh_tokens(stored.refresh_token)
            await co.store.save("u1", attrs.evolve(stored, expires_at=time.time() - 1))
        second = dict(job, start_at=time.time() + 0.5)
        results = await asyncio.wait_for(
            asyncio.gather(*(loop.run_in_executor(pool, _workers.user_refresh_many, second) for _ in range(3))), 60
        )
    assert [r["refused"] for r in results] == [20, 20, 20]
    assert fake.stats.token_requests == 2


async def test_an_unreachable_redis_fails_a_login_fast_and_typed() -> None:
    import socket

    from spotify_async.errors import CoordinationError

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    store = RedisStateStore(url, timeout=0.5)
    flow = PKCE("cid", "http://127.0.0.1:8888/cb", state_store=store, accounts_base="https://accounts.example")
    try:
        started = time.monotonic()
        with pytest.raises(CoordinationError):
            await flow.login_url()
        with pytest.raises(CoordinationError):
            await flow.exchange("code", state="some-state")
        assert time.monotonic() - started < 5
    finally:
        await store.aclose()


async def test_app_sessions_with_redis_share_user_tokens_under_the_user_key(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify
) -> None:
    from spotify_async import ClientCredentials

    login = AuthorizationCode(fake.client_id, fake.client_secret, REDIRECT)
    async with Spotify(ClientCredentials(fake.client_id, fake.client_secret), redis=redis_server.url) as app:
        user = app.for_user(login.for_user("u1"))
        assert isinstance(user.auth, DistributedAuth)
        assert user.auth.key == "u1"
        assert not isinstance(app.for_user(login).auth, DistributedAuth)  # no user key: nothing to share under
    with pytest.raises(InvalidInput, match="user_key"):
        Spotify(login, redis=redis_server.url)


async def test_a_redis_login_and_shared_refreshes_log_no_secrets(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify, caplog: pytest.LogCaptureFixture
) -> None:
    import logging
    from urllib.parse import parse_qs, urlsplit

    caplog.set_level(logging.DEBUG)
    secrets_seen: list[str] = [fake.client_secret]
    errors: list[str] = []
    async with connect(redis_server.url, client_id=fake.client_id, namespace=namespace) as co:
        states = RedisStateStore(redis_server.url, client_id=fake.client_id, namespace=namespace)
        login = PKCE(
            fake.client_id,
            "http://127.0.0.1:8888/cb",
            state_store=states,
            store=co.store,
            accounts_base=fake.accounts_base,
        )
        callback = await click(await login.login_url())
        secrets_seen += parse_qs(urlsplit(callback).query)["code"]
        token = await login.for_user("u1").exchange_callback(callback)
        async with Spotify(
            co.auth(login.for_user("u1")), api_base=fake.api_base, accounts_base=fake.accounts_base
        ) as sp:
            await sp.users.me()
            sp.tokens.invalidate(token)
            await sp.users.me()  # a shared, rotating refresh
            rotated = sp.tokens.token
            assert rotated is not None
            fake.expire_refresh_tokens()
            sp.tokens.invalidate(rotated)
            try:
                await sp.users.me()
            except ReauthorizationRequired as exc:
                errors.append(str(exc))
            errors.append(repr(sp.auth))
            errors.append(repr(await co.store.peek("u1")))
        await states.aclose()
    for t in (token, rotated):
        secrets_seen += [t.access_token, t.refresh_token or ""]
    text = caplog.text + "\n".join(errors)
    assert errors[0]  # the refusal was raised
    for secret in secrets_seen:
        assert secret
        assert secret not in text


class FailingWritesStore(RedisTokenStore):
    """Fails the next ``failing`` fenced writes (Redis gone just after the grant), counting them."""

    def __init__(self, *args: Any, failing: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.failing = failing
        self.failed = 0

    async def save_fenced(self, key: str, token: Token, fence: int) -> bool:
        if self.failing:
            self.failing -= 1
            self.failed += 1
            raise CoordinationError("redis at 127.0.0.1 did not answer within 2.0s (token save)")
        return await super().save_fenced(key, token, fence)


@pytest.mark.parametrize("fallback", ["error", "local"])
async def test_a_grant_is_kept_when_redis_fails_just_after_it(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify, fallback: Any
) -> None:
    # single-use refresh tokens: once the grant has spent the stored one, the answer holds the only live one left
    store = FailingWritesStore(redis_server.url, client_id=fake.client_id, namespace=namespace, failing=2)
    old = stale_user_token(fake)
    await store.save("u1", old)
    login = AuthorizationCode(fake.client_id, fake.client_secret, REDIRECT)
    auth = DistributedAuth(login.for_user("u1"), store, lock_ttl=5, fallback=fallback)
    sp = Spotify(auth, api_base=fake.api_base, accounts_base=fake.accounts_base)
    try:
        # the grant succeeds, its write fails, and so does the manager's save before use: the call fails, typed
        with pytest.raises(CoordinationError):
            await sp.users.me()
        assert fake.stats.token_requests == 1
        assert fake.stats.api_requests == 0  # the unstored token was not used
        # Redis is back: the next call stores the kept token (no second grant, no spent refresh token sent) and uses it
        me = await sp.users.me()
        assert me.id == fake.login_user
        assert fake.stats.token_requests == 1
        assert store.failed == 2
        stored = await store.load("u1")
        assert stored is not None
        assert stored == sp.tokens.token
        assert stored.refresh_token != old.refresh_token  # the rotation is what Redis holds
    finally:
        await sp.close()
        await store.aclose()


async def test_a_user_refresh_the_accounts_service_fails_is_marked_for_every_worker(
    redis_server: RedisServer, namespace: str, fake: FakeSpotify
) -> None:
    store = RedisTokenStore(redis_server.url, client_id=fake.client_id, namespace=namespace)
    await store.save("u1", stale_user_token(fake))
    fake.inject("status", status=503, path="/api/token", times=None)
    login = AuthorizationCode(fake.client_id, fake.client_secret, REDIRECT)
    config = Config(retry=RetryPolicy(max_retries=0))
    sessions = [
        Spotify(
            DistributedAuth(login.for_user("u1"), store, lock_ttl=5),
            api_base=fake.api_base,
            accounts_base=fake.accounts_base,
            config=config,
        )
        for _ in range(2)
    ]
    try:
        with pytest.raises(AuthError, match="503"):
            await sessions[0].users.me()
        with pytest.raises(AuthError, match="refresh_failed"):  # the other worker does not send it again
            await sessions[1].users.me()
        assert fake.stats.token_requests == 1
        stored = await store.peek("u1")
        assert stored.failed == "AuthError 503"
        assert not stored.refresh_refused  # a failing service is not a refused refresh token
    finally:
        for sp in sessions:
            await sp.close()
        await store.aclose()
