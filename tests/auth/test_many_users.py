"""Many users under one app: user clients share the app's connection pool, scheduler and rate budget, have their own
tokens, and closing one leaves the others working."""

from __future__ import annotations

import asyncio

import pytest

from spotify_async import PKCE, ClientCredentials, Config, RateBudget, Spotify, SpotifyError
from spotify_async.testing import FakeSpotify

from .support import expired, user_token


async def test_user_clients_share_one_pool_and_one_budget(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    window = 0.25
    # coalescing off: each user's six identical GETs would otherwise share one request
    config = Config(budget=RateBudget(limit=5, window=window), coalesce=False)
    users = fake.catalog.users[:3]
    async with Spotify(
        ClientCredentials(fake.client_id, fake.client_secret),
        api_base=fake.api_base,
        accounts_base=fake.accounts_base,
        config=config,
    ) as app:
        flows = [PKCE(fake.client_id, "http://127.0.0.1:8888/cb", token=user_token(fake, u)) for u in users]
        clients = [app.for_user(flow) for flow in flows]
        for c in clients:
            assert c._core.http() is app._core.http()  # one aiohttp session, one connector
            assert c.scheduler is app.scheduler
            assert c.scheduler.limiter is app.scheduler.limiter
            assert c.tokens is not app.tokens
        results = await asyncio.gather(*(c.users.me() for c in clients for _ in range(6)))
        assert [r.id for r in results] == [u for u in users for _ in range(6)]  # each with its own token
        assert app.stats["requests"] == 18
    # one budget for all three users: never more than 5 requests of the app in any window at the server
    assert fake.stats.max_in_window(window) <= 5
    assert fake.stats.api_requests == 18


async def test_each_user_refreshes_their_own_token_once(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    users = fake.catalog.users[:4]
    async with Spotify(
        ClientCredentials(fake.client_id, fake.client_secret),
        api_base=fake.api_base,
        accounts_base=fake.accounts_base,
    ) as app:
        clients = [
            app.for_user(PKCE(fake.client_id, "http://127.0.0.1:8888/cb", token=expired(user_token(fake, u))))
            for u in users
        ]
        results = await asyncio.gather(*(c.users.me() for c in clients for _ in range(10)))
    assert {r.id for r in results} == set(users)
    assert fake.stats.token_requests == len(users)


async def test_closing_a_user_client_keeps_the_app_open(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    app = Spotify(
        ClientCredentials(fake.client_id, fake.client_secret), api_base=fake.api_base, accounts_base=fake.accounts_base
    )
    async with app:
        async with app.for_user(user_token(fake)) as user:
            await user.users.me()
        assert (await app.for_user(user_token(fake)).users.me()).id == fake.login_user
    with pytest.raises(SpotifyError, match="closed"):
        app.for_user(user_token(fake))
