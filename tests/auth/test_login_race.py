"""A new login racing an in-flight refresh of the same user, against FakeSpotify (the refresh stalled by a fault):
the newer grant wins, whether the refresh that lost brings back a token or ``invalid_grant``, and whether it lands
before, during or after the login's save."""

from __future__ import annotations

import asyncio
import time

from spotify_async import PKCE, MemoryTokenStore, Spotify, Token
from spotify_async.testing import FakeSpotify

from .support import click, expired, user_token

REDIRECT = "http://127.0.0.1:8888/callback"


class SlowStore(MemoryTokenStore):
    """Records every save; each takes ``delay`` seconds."""

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.saves: list[Token] = []

    async def save(self, key: str, token: Token) -> None:
        await asyncio.sleep(self.delay)
        await super().save(key, token)
        self.saves.append(token)


async def _wait_for_token_request(fake: FakeSpotify, count: int) -> None:
    deadline = time.monotonic() + 5
    while fake.stats.token_requests < count:
        assert time.monotonic() < deadline, "the refresh never reached the fake"
        await asyncio.sleep(0.01)


async def _race(fake: FakeSpotify, store: SlowStore, *, stall: float, refused: bool) -> None:
    old = user_token(fake)
    if refused:
        fake.expire_refresh_tokens(old.refresh_token)  # the refresh that loses is answered invalid_grant
    helper = PKCE(fake.client_id, REDIRECT, store=store, accounts_base=fake.accounts_base)
    flow = helper.for_user("u1", expired(old))
    async with Spotify(flow, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
        started = time.monotonic()
        before = fake.stats.token_requests
        fake.inject("stall", path="/api/token", seconds=stall)  # only the refresh (the first request) stalls
        refresh = asyncio.ensure_future(sp.tokens.get())
        await _wait_for_token_request(fake, before + 1)
        login = await flow.exchange_callback(await click(flow.authorize_url()))  # the user logs in again meanwhile
        got = await refresh
        assert time.monotonic() - started < stall + 5
        assert got == login
        assert sp.tokens.token == login
        assert flow.token == login
        assert await store.load("u1") == login
        assert store.saves == [login]  # the refresh that lost stored nothing
        assert (await sp.users.me()).id == fake.login_user  # and the login's token works
        assert sp.tokens.token == login  # no further refresh, no remembered failure
        assert fake.stats.token_requests == before + 2


async def test_a_refresh_that_returns_after_the_login_is_discarded(fake_spotify: FakeSpotify) -> None:
    await _race(fake_spotify, SlowStore(), stall=0.5, refused=False)


async def test_a_refresh_refused_after_the_login_does_not_log_the_user_out(fake_spotify: FakeSpotify) -> None:
    await _race(fake_spotify, SlowStore(), stall=0.5, refused=True)


async def test_a_refresh_that_returns_while_the_login_is_being_saved(fake_spotify: FakeSpotify) -> None:
    # the refresh answers at 0.3 s, while the login's save (0.8 s) is in progress
    await _race(fake_spotify, SlowStore(delay=0.8), stall=0.3, refused=False)
    await _race(fake_spotify, SlowStore(delay=0.8), stall=0.3, refused=True)
