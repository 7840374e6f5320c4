"""``Spotify(auth, redis=url)``: two sessions (as two processes would) share one token and one 429 gate."""

from __future__ import annotations

import asyncio
import secrets
import time

import pytest

from spotify_async import PKCE, ClientCredentials, Config, InvalidInput, RateBudget, RetryPolicy, Spotify, Token
from spotify_async.distributed import DistributedAuth
from spotify_async.testing import FakeSpotify

from .conftest import RedisServer


async def test_sessions_configured_by_url_share_the_token_and_the_gate(redis_server: RedisServer) -> None:
    # The budget learns no pace: with 40 responses behind it the 429 would teach a pace of 40 per 30 s window, and
    # the second session would wait for the window to roll (30 s) rather than for the gate this test is about.
    config = Config(retry=RetryPolicy(backoff_base=0.01, backoff_cap=0.05), budget=RateBudget(adaptive=False))
    async with FakeSpotify(seed=3) as fake:

        def session() -> Spotify:
            return Spotify(
                ClientCredentials(fake.client_id, fake.client_secret),
                api_base=fake.api_base,
                accounts_base=fake.accounts_base,
                config=config,
                redis=redis_server.url,
            )

        async with session() as first, session() as second:
            await asyncio.gather(
                *(first.tracks.get(t) for t in fake.catalog.tracks[:20]),
                *(second.tracks.get(t) for t in fake.catalog.tracks[20:40]),
            )
            assert fake.stats.token_requests == 1
            # a 429 met by the first session shuts the gate for the second one too
            fake.inject("status", status=429, headers={"Retry-After": "1"}, times=1, path="/tracks/")
            met = asyncio.ensure_future(first.tracks.get(fake.catalog.tracks[0]))
            while fake.stats.rate_limited == 0:  # noqa: ASYNC110 - polling the fake's counter
                await asyncio.sleep(0.005)
            await asyncio.sleep(0.05)  # let the first session shut the shared gate
            # Real time is what this tests: the closure is a Redis key's expiry (Retry-After: 1, the shortest a
            # server sends), which no injected clock moves.
            started = time.monotonic()
            await second.tracks.get(fake.catalog.tracks[2])
            assert 0.8 <= time.monotonic() - started <= 1.0 + 1.5
            await met
            assert second.stats["rate_limited"] == 0  # it waited without meeting a 429 itself


def test_redis_needs_a_flow_that_knows_its_client_id() -> None:
    with pytest.raises(InvalidInput, match="client_id"):
        Spotify("a-fixed-token", redis="redis://127.0.0.1:1/0")


async def test_a_user_flow_given_twice_under_redis_has_one_owner_and_a_login_reaches_redis(
    redis_server: RedisServer,
) -> None:
    client_id = "owner-" + secrets.token_hex(4)  # its own keys on the shared server
    flow = PKCE(client_id, "http://127.0.0.1:8888/callback", user_key="u1")
    async with Spotify(ClientCredentials(client_id, "client-secret-value"), redis=redis_server.url) as app:
        first, second = app.for_user(flow), app.for_user(flow)
        assert isinstance(first.auth, DistributedAuth)
        assert second.auth is first.auth  # one Redis wrapper, one token manager for the user in this app
        assert second.tokens is first.tokens
        login = Token("login", refresh_token="r1", expires_at=time.time() + 3600)
        await flow.set_token(login)
        assert second.tokens.token is login
        assert await first.auth.store.load("u1") == login  # every process sees the new login
