"""Token expiry on an injected clock, and one owner of each flow's token.

The token manager measures expiry and the refresh margin on the clock it is given (``Spotify(clock=...)`` passes its
own), so these tests move a :class:`~spotify_async.testing.FakeClock` through an hour-long token's life in no real
time and pin both sides of the refresh point. Then: a server that revokes a token the clock still calls fresh (the
401 path does not depend on the clock), and the ownership rules (one manager per flow within an app, a login handed
to that owner, a flow with no client keeping its login for the first one).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from spotify_async import PKCE, ClientCredentials, Config, MemoryTokenStore, ReauthorizationRequired, Spotify, Token
from spotify_async.auth import TokenManager
from spotify_async.auth.accounts import AccountsClient
from spotify_async.auth.base import AuthFlow
from spotify_async.testing import FakeClock, FakeSpotify

REDIRECT = "http://127.0.0.1:8888/callback"


class CountingFlow(AuthFlow):
    """Grants tokens that live ``lifetime`` seconds (wall clock, as the accounts service's do) and counts them."""

    def __init__(self, lifetime: float) -> None:
        self.lifetime = lifetime
        self.grants = 0

    async def obtain(self, accounts: AccountsClient, current: Token | None) -> Token:
        self.grants += 1
        await asyncio.sleep(0)  # a real grant awaits: let the other callers arrive meanwhile
        return Token(f"access-{self.grants}", expires_at=time.time() + self.lifetime)


def _unused_accounts() -> AccountsClient:
    def no_http() -> Any:
        raise AssertionError("the flow under test makes no HTTP request")

    return AccountsClient(no_http, "http://127.0.0.1:9", Config())


async def test_an_hour_token_is_refreshed_once_at_the_margin_and_not_before() -> None:
    started = time.monotonic()
    clock = FakeClock()
    flow = CountingFlow(lifetime=3600)
    manager = TokenManager(flow, _unused_accounts(), margin=60.0, clock=clock)
    first = await manager.get()
    clock.advance(3530)  # 10 s before the margin: still the same token, no grant
    assert manager.fresh() is first
    assert await manager.get() is first
    assert flow.grants == 1
    clock.advance(20)  # 10 s past it (3600 - 60 = 3540)
    assert manager.fresh() is None
    tokens = await asyncio.gather(*(manager.get() for _ in range(100)))
    assert {t.access_token for t in tokens} == {"access-2"}
    assert flow.grants == 2  # one refresh for all hundred
    assert manager.fresh() is tokens[0]
    assert time.monotonic() - started < 2  # an hour of token life in no real time


async def test_the_margin_is_at_most_a_quarter_of_a_short_token_s_life() -> None:
    clock = FakeClock()
    flow = CountingFlow(lifetime=8)  # margin 60 s capped at 2 s: stale at 6 s
    manager = TokenManager(flow, _unused_accounts(), margin=60.0, clock=clock)
    first = await manager.get()
    clock.advance(5.5)
    assert manager.fresh() is first
    clock.advance(1.0)
    assert manager.fresh() is None
    assert (await manager.get()).access_token == "access-2"
    assert flow.grants == 2


class HeldFlow(AuthFlow):
    """A refresh that waits for the test to answer it: with a token, or with ``invalid_grant``."""

    def __init__(self) -> None:
        self.answer: asyncio.Future[Token] | None = None
        self.asked = asyncio.Event()
        self.saved: list[Token] = []

    async def obtain(self, accounts: AccountsClient, current: Token | None) -> Token:
        self.answer = asyncio.get_running_loop().create_future()
        self.asked.set()
        return await self.answer

    async def token_changed(self, token: Token) -> None:
        self.saved.append(token)


@pytest.mark.parametrize("refused", [False, True], ids=["refresh-answers", "refresh-refused"])
async def test_a_login_during_a_refresh_wins_in_the_owner(refused: bool) -> None:
    flow = HeldFlow()
    manager = TokenManager(flow, _unused_accounts(), clock=FakeClock())
    waiters = [asyncio.ensure_future(manager.get()) for _ in range(5)]
    await asyncio.wait_for(flow.asked.wait(), 5)
    assert flow.answer is not None
    login = Token("login", expires_at=time.time() + 3600)
    await manager.set_token(login)
    if refused:
        flow.answer.set_exception(ReauthorizationRequired("invalid_grant", "refused"))
    else:
        flow.answer.set_result(Token("late-refresh", expires_at=time.time() + 3600))
    assert [await w for w in waiters] == [login] * 5  # the newer grant, for every waiter
    assert manager.token is login
    assert flow.saved == [login]  # the refresh that lost saved nothing
    assert await manager.get() is login  # and left no remembered failure


async def test_spotify_clock_moves_token_expiry_against_fake_spotify() -> None:
    started = time.monotonic()
    clock = FakeClock()
    async with (
        FakeSpotify(seed=1) as fake,
        Spotify(
            ClientCredentials(fake.client_id, fake.client_secret),
            api_base=fake.api_base,
            accounts_base=fake.accounts_base,
            config=Config(coalesce=False),
            clock=clock,
        ) as sp,
    ):
        assert sp.tokens.clock is clock
        await sp.tracks.get(fake.catalog.tracks[0])
        clock.advance(3530)  # FakeSpotify's tokens live an hour; the margin is 60 s
        await sp.tracks.get(fake.catalog.tracks[1])
        assert fake.stats.token_requests == 1
        clock.advance(20)
        tracks = await asyncio.gather(*(sp.tracks.get(t) for t in fake.catalog.tracks[:50]))
        assert [t.id for t in tracks] == fake.catalog.tracks[:50]
        assert fake.stats.token_requests == 2  # refreshed once, for all fifty
        assert fake.stats.by_status.get(401, 0) == 0  # before expiry, not after a 401
    assert time.monotonic() - started < 10


class RevokingServer:
    """Accounts and Web API on 127.0.0.1 that revoke the first token at once, although it says it lives an hour,
    and answer token requests slowly (the 401s arrive faster than the refresh)."""

    def __init__(self) -> None:
        self.issued = 0
        self.unauthorized = 0

    async def token(self, request: web.Request) -> web.Response:
        self.issued += 1
        await asyncio.sleep(0.05)
        return web.json_response({"access_token": f"t{self.issued}", "token_type": "Bearer", "expires_in": 3600})

    async def markets(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") == "Bearer t1":
            self.unauthorized += 1
            return web.json_response({"error": {"status": 401, "message": "The access token expired"}}, status=401)
        return web.json_response({"markets": ["SE", "NO"]})


@pytest.fixture
async def revoking() -> AsyncIterator[tuple[RevokingServer, str]]:
    server = RevokingServer()
    app = web.Application()
    app.router.add_post("/api/token", server.token)
    app.router.add_get("/v1/markets", server.markets)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield server, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_a_token_revoked_while_the_clock_calls_it_fresh_is_refreshed_once(
    revoking: tuple[RevokingServer, str],
) -> None:
    server, base = revoking
    clock = FakeClock()  # never moved: only the 401s can make the manager refresh
    started = time.monotonic()
    async with Spotify(
        ClientCredentials("client-id", "client-secret-value"),
        api_base=base + "/v1",
        accounts_base=base,
        mode="extended",
        config=Config(coalesce=False, max_concurrency=64),
        clock=clock,
    ) as sp:
        results = await asyncio.gather(*(sp.markets.available() for _ in range(30)))
    assert results == [["SE", "NO"]] * 30
    assert server.issued == 2  # the first token, and one refresh for all thirty 401s
    assert 1 <= server.unauthorized <= 30
    assert time.monotonic() - started < 10


async def test_one_owner_per_flow_within_an_app_and_a_login_goes_to_it() -> None:
    seen: list[Token] = []
    store = MemoryTokenStore()
    flow = PKCE("client-id", REDIRECT, store=store, user_key="u1", on_change=lambda key, token: seen.append(token))
    app = Spotify(ClientCredentials("client-id", "client-secret-value"))
    first, second = app.for_user(flow), app.for_user(flow)
    assert first.tokens is second.tokens  # one owner: one single flight for both clients
    assert flow.owner is first.tokens
    assert app.tokens is not first.tokens
    login = Token("login", refresh_token="r1", expires_at=time.time() + 3600)
    await flow.set_token(login)
    assert first.tokens.token is login
    assert flow.token is login
    assert await store.load("u1") == login
    assert seen == [login]  # saved and announced once
    other_app = Spotify(ClientCredentials("client-id", "client-secret-value"))
    assert other_app.for_user(flow).tokens is not first.tokens  # another app's pool: a manager of its own
    await app.close()
    await other_app.close()


async def test_a_flow_without_a_client_keeps_its_login_for_the_first_one() -> None:
    store = MemoryTokenStore()
    flow = PKCE("client-id", REDIRECT, store=store, user_key="u1")
    assert flow.owner is None
    login = Token("login", refresh_token="r1", expires_at=time.time() + 3600)
    await flow.set_token(login)
    assert flow.token is login
    assert await store.load("u1") == login
    app = Spotify(ClientCredentials("client-id", "client-secret-value"))
    client = app.for_user(flow)
    assert client.tokens.token is login
    assert client.tokens.fresh() is login
    await app.close()


async def test_derived_clients_are_built_through_the_class_they_come_from() -> None:
    class MySpotify(Spotify):
        pass

    app = MySpotify(ClientCredentials("client-id", "client-secret-value"))
    user = app.for_user(Token("user-token"))
    view = user.with_priority("background")
    assert type(user) is MySpotify
    assert type(view) is MySpotify
    assert view.tokens is user.tokens
    assert view.scheduler is app.scheduler
    assert view.priority == "background"
    assert app.priority == "interactive"
    await view.close()  # a view does not close the app's pool
    assert not app._core.closed
    await app.close()
    assert app._core.closed
