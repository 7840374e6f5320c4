"""A failed refresh while the current token still works: the calls go on with it, and the next refresh waits.

The token manager refreshes ``margin`` seconds before a token expires, so that a refresh can fail and be tried again
before the token stops working. These tests move a :class:`~spotify_async.testing.FakeClock` through that margin
with a flow whose grants fail on command (unit), then run a session against a small accounts server written here that
fails the way real ones do (a 503 with odd headers, a dropped connection, an answer that is not JSON) while its Web
API still accepts the current token (behaviour). What is pinned: the calls get the current token, waiting at most
``AHEAD_PATIENCE`` for a slow refresh; one token request per delay (1, 2, 4 ... 30 s), never one per call; never past a
second before expiry; a failed save counts as a failed refresh and is saved again without a second grant; a login
being saved wins over a refresh; a login resets the delays; a token a 401 refused, an expired one, a fixed token,
``invalid_grant`` and a mistake in the call still fail as before; nothing secret is logged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from spotify_async import (
    AuthError,
    ClientCredentials,
    Config,
    CoordinationError,
    InvalidInput,
    ReauthorizationRequired,
    RetryPolicy,
    Spotify,
    StaticToken,
    Token,
    TransportError,
    Unauthorized,
)
from spotify_async.auth import TokenManager
from spotify_async.auth.accounts import AccountsClient
from spotify_async.auth.base import AuthFlow
from spotify_async.auth.manager import AHEAD_PATIENCE, RETRY_DELAYS
from spotify_async.testing import FakeClock

from .support import serving


class FailingFlow(AuthFlow):
    """Grants tokens that live ``lifetime`` wall-clock seconds; raises ``self.failure`` instead while it is set."""

    def __init__(self, lifetime: float) -> None:
        self.lifetime = lifetime
        self.grants = 0
        self.asked = 0
        self.failure: Exception | None = None

    async def obtain(self, accounts: AccountsClient, current: Token | None) -> Token:
        self.asked += 1
        await asyncio.sleep(0)  # a real grant awaits: the other callers arrive meanwhile
        if self.failure is not None:
            raise self.failure
        self.grants += 1
        return Token(f"secret-access-{self.grants}", expires_at=time.time() + self.lifetime)


def _unused_accounts() -> AccountsClient:
    def no_http() -> Any:
        raise AssertionError("the flow under test makes no HTTP request")

    return AccountsClient(no_http, "http://127.0.0.1:9", Config())


async def _stale_manager(lifetime: float = 3600.0) -> tuple[TokenManager, FailingFlow, FakeClock, Token]:
    """A manager holding a first token, its clock moved 10 s past the refresh margin (50 s before expiry)."""
    clock = FakeClock()
    flow = FailingFlow(lifetime)
    manager = TokenManager(flow, _unused_accounts(), margin=60.0, clock=clock)
    first = await manager.get()
    flow.asked = 0  # from here on, ``asked`` counts the refreshes
    clock.advance(lifetime - 50)
    assert manager.fresh() is None
    return manager, flow, clock, first


async def test_a_failed_refresh_hands_out_the_working_token_and_backs_off(caplog: pytest.LogCaptureFixture) -> None:
    started = time.monotonic()
    manager, flow, clock, first = await _stale_manager()
    flow.failure = AuthError("server_error", "token endpoint answered 503", status=503)
    with caplog.at_level(logging.WARNING, logger="spotify_async.auth"):
        tokens = await asyncio.gather(*(manager.get() for _ in range(50)))
    assert all(t is first for t in tokens)
    assert flow.asked == 1  # one attempt for all fifty callers
    assert manager.refresh_failures == 1
    # until the first delay has passed the token counts as fresh: no await, no token request
    clock.advance(RETRY_DELAYS[0] - 0.1)
    assert manager.fresh() is first
    assert await manager.get() is first
    assert flow.asked == 1
    # then one attempt per delay, each delay longer
    for delay in RETRY_DELAYS[1:4]:
        clock.advance(0.2)
        assert manager.fresh() is None
        assert await manager.get() is first
        clock.advance(delay - 0.1)
        assert manager.fresh() is first
    assert flow.asked == 4
    # the accounts service is back: the next attempt installs the new token and the delays start again
    flow.failure = None
    clock.advance(0.2)
    fresh = await manager.get()
    assert fresh.access_token == "secret-access-2"
    assert manager.fresh() is fresh
    assert manager._failed == 0
    text = caplog.text
    assert "AuthError 503" in text
    assert "using it" in text
    assert "secret-access" not in text
    assert time.monotonic() - started < 2  # all of it on the fake clock


async def test_the_delays_stop_growing_at_thirty_seconds() -> None:
    manager, flow, clock, first = await _stale_manager(lifetime=36_000)  # a margin of 60 s, then 50 s are left
    manager._expires_at += 10_000  # more than the delays add up to: only their cap is pinned here
    flow.failure = TransportError("token request failed: ClientOSError")
    seen: list[float] = []
    for _ in range(len(RETRY_DELAYS) + 2):
        before = clock.now()
        assert await manager.get() is first
        seen.append(round(manager._stale_at - before, 3))
        clock.advance(manager._stale_at - before)
    assert seen == [*RETRY_DELAYS, RETRY_DELAYS[-1], RETRY_DELAYS[-1]]


async def test_the_next_try_is_never_later_than_a_second_before_expiry() -> None:
    manager, flow, clock, first = await _stale_manager()
    clock.advance(48.5)  # 1.5 s left
    flow.failure = AuthError("server_error", "token endpoint answered 502", status=502)
    assert await manager.get() is first
    assert manager._stale_at == pytest.approx(clock.now() + 0.5, abs=0.05)  # the token was made a moment earlier
    clock.advance(0.5)  # one second left: it is not handed out any more, the failure reaches the caller
    with pytest.raises(AuthError, match="502"):
        await manager.get()
    assert flow.asked == 2


async def test_an_expired_token_is_not_handed_out_after_a_failed_refresh() -> None:
    manager, flow, clock, _ = await _stale_manager()
    clock.advance(60)  # 10 s past expiry
    flow.failure = AuthError("server_error", "token endpoint answered 503", status=503)
    with pytest.raises(AuthError, match="503"):
        await manager.get()
    assert manager.refresh_failures == 0


async def test_a_token_a_401_refused_is_not_handed_out_after_a_failed_refresh() -> None:
    clock = FakeClock()
    flow = FailingFlow(3600)
    manager = TokenManager(flow, _unused_accounts(), margin=60.0, clock=clock)
    first = await manager.get()
    assert manager.invalidate(first)  # still an hour to run, but the Web API refused it
    flow.failure = AuthError("server_error", "token endpoint answered 503", status=503)
    with pytest.raises(AuthError, match="503"):
        await manager.get()
    assert manager.fresh() is None


@pytest.mark.parametrize(
    "failure",
    [
        ReauthorizationRequired("invalid_grant", "Refresh token revoked"),
        InvalidInput("the flow was given a bad argument"),
        RuntimeError("a bug in a custom flow"),
    ],
    ids=["invalid-grant", "invalid-input", "not-a-spotify-error"],
)
async def test_final_failures_and_mistakes_still_reach_the_callers(failure: Exception) -> None:
    manager, flow, _, _ = await _stale_manager()
    flow.failure = failure
    with pytest.raises(type(failure)):
        await manager.get()
    assert manager.refresh_failures == 0


async def test_a_login_resets_the_delays() -> None:
    manager, flow, clock, _ = await _stale_manager()
    flow.failure = TransportError("token request failed: ClientOSError")
    for _ in range(4):  # the delays have grown to 8 s
        await manager.get()
        clock.advance(manager._stale_at - clock.now() + 0.01)
    await manager.set_token(Token("secret-login", expires_at=time.time() + 3600))
    clock.advance(3600 - 50)  # the login's token inside its margin, the accounts service still down
    assert (await manager.get()).access_token == "secret-login"
    assert manager._stale_at - clock.now() == pytest.approx(RETRY_DELAYS[0], abs=0.01)


async def test_a_slow_refresh_does_not_hold_up_calls_while_the_token_works() -> None:
    class SlowFlow(FailingFlow):
        async def obtain(self, accounts: AccountsClient, current: Token | None) -> Token:
            await asyncio.sleep(AHEAD_PATIENCE + 0.5)  # an accounts service slow to answer (or to fail)
            return await super().obtain(accounts, current)

    manager, _, _, first = await _stale_manager()
    slow = SlowFlow(3600)
    manager.flow = slow
    started = time.monotonic()
    tokens = await asyncio.gather(*(manager.get() for _ in range(10)))
    waited = time.monotonic() - started
    assert all(t is first for t in tokens)  # went ahead with the token that still works
    assert AHEAD_PATIENCE - 0.05 <= waited < AHEAD_PATIENCE + 0.4
    await asyncio.sleep(0.7)  # the refresh went on meanwhile and installed its token
    assert manager.fresh() is not None
    assert manager.fresh() is not first
    assert slow.grants == 1


async def test_a_refresh_that_starts_while_a_login_is_saved_yields_to_the_login() -> None:
    class SlowSaveFlow(FailingFlow):
        async def token_changed(self, token: Token) -> None:
            await asyncio.sleep(0.02)

    clock = FakeClock()
    flow = SlowSaveFlow(3600)
    manager = TokenManager(flow, _unused_accounts(), margin=60.0, clock=clock)
    await manager.get()
    clock.advance(3600 - 50)
    flow.asked = 0
    login = Token("secret-login", expires_at=time.time() + 3600)
    saving = asyncio.ensure_future(manager.set_token(login))
    await asyncio.sleep(0)  # the login is being saved
    assert await manager.get() is login  # not a refresh of the older grant
    await saving
    assert manager.token is login
    assert flow.asked == 0


async def test_a_failed_save_keeps_the_working_token_and_saves_again_without_a_second_grant() -> None:
    class FlakyStoreFlow(FailingFlow):
        saves_failing = 1

        async def token_changed(self, token: Token) -> None:
            if self.saves_failing:
                self.saves_failing -= 1
                raise CoordinationError("the token store could not be reached")

    clock = FakeClock()
    flow = FlakyStoreFlow(3600)
    flow.saves_failing = 0
    manager = TokenManager(flow, _unused_accounts(), margin=60.0, clock=clock)
    first = await manager.get()
    clock.advance(3600 - 50)
    flow.saves_failing = 1
    assert await manager.get() is first  # the new token was not saved, so not used; the old one goes on
    assert flow.grants == 2
    clock.advance(RETRY_DELAYS[0] + 0.01)
    fresh = await manager.get()
    assert fresh.access_token == "secret-access-2"  # the same grant, saved now
    assert flow.grants == 2


async def test_a_fixed_token_is_not_retried_as_a_refresh() -> None:
    clock = FakeClock()
    token = Token("secret-fixed", expires_at=time.time() + 3600)
    manager = TokenManager(StaticToken(token), _unused_accounts(), margin=60.0, clock=clock)
    clock.advance(3600 - 50)
    with pytest.raises(Unauthorized):
        await manager.get()
    assert manager.refresh_failures == 0


# --------------------------------------------------------------------------------------------- against a server


class RudeAccounts:
    """An accounts service and a Web API on 127.0.0.1: ``/api/token`` grants short tokens until ``failing`` says how to
    fail (``"503"``, ``"reset"``, ``"html"``); ``/v1/me`` accepts any token it granted that has not expired."""

    def __init__(self, lifetime: float) -> None:
        self.lifetime = lifetime
        self.failing: str | None = None
        self.token_requests = 0
        self.granted: dict[str, float] = {}
        self.refused = 0

    async def token(self, request: web.Request) -> web.StreamResponse:
        self.token_requests += 1
        await request.read()
        if self.failing == "503":
            # what a load balancer sends: no JSON, a Retry-After in an odd form, a connection header
            return web.Response(
                status=503, text="upstream unavailable", headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}
            )
        if self.failing == "reset":
            assert request.transport is not None
            request.transport.close()  # the connection dropped without an answer
            return web.Response()
        if self.failing == "html":
            return web.Response(status=200, text="<html>maintenance</html>", content_type="text/html")
        name = f"rude-secret-{self.token_requests}"
        self.granted[name] = time.time() + self.lifetime
        return web.json_response({"access_token": name, "token_type": "Bearer", "expires_in": self.lifetime})

    async def me(self, request: web.Request) -> web.Response:
        name = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.granted.get(name, 0) <= time.time():
            self.refused += 1
            return web.json_response({"error": {"status": 401, "message": "The access token expired"}}, status=401)
        return web.json_response({"id": "u1", "type": "user", "uri": "spotify:user:u1", "display_name": "U"})


@pytest.fixture
async def rude() -> AsyncIterator[tuple[RudeAccounts, str]]:
    server = RudeAccounts(lifetime=3600)
    app = web.Application()
    app.router.add_post("/api/token", server.token)
    app.router.add_get("/v1/me", server.me)
    async with serving(app) as base:
        yield server, base


@pytest.mark.parametrize("failing", ["503", "reset", "html"])
async def test_a_session_keeps_answering_while_the_accounts_service_fails(
    rude: tuple[RudeAccounts, str], failing: str, caplog: pytest.LogCaptureFixture
) -> None:
    server, base = rude
    clock = FakeClock()
    config = Config(retry=RetryPolicy(max_retries=0))  # one token request per refresh: the count below is exact
    flow = ClientCredentials("client-id", "client-secret-value")
    async with Spotify(flow, api_base=base + "/v1", accounts_base=base, config=config, clock=clock) as sp:
        await sp.users.me()
        assert server.token_requests == 1
        clock.advance(3600 - 50)  # inside the margin: the token has 50 s to run on the server too
        for token in server.granted:
            server.granted[token] -= 3600 - 50
        server.failing = failing
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="spotify_async.auth"):
            users = await asyncio.gather(*(sp.users.me() for _ in range(20)))
            assert [u.id for u in users] == ["u1"] * 20
            assert server.token_requests == 2  # one failed attempt for twenty calls
            clock.advance(0.5)
            await sp.users.me()  # inside the first delay: no token request
            assert server.token_requests == 2
            clock.advance(0.6)
            await sp.users.me()  # past it: one more attempt, failed too, the call still answered
            assert server.token_requests == 3
        assert time.monotonic() - started < 5  # nothing waited on the fake clock's delays in real time
        assert server.refused == 0
        server.failing = None
        clock.advance(2.1)
        await sp.users.me()
        assert server.token_requests == 4
        now = sp.tokens.fresh()
        assert now is not None
        assert now.access_token == "rude-secret-4"
    assert "rude-secret" not in caplog.text
    assert "client-secret-value" not in caplog.text
    assert "using it" in caplog.text
