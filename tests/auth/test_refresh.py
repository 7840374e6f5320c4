"""Refresh rules under concurrency, against FakeSpotify: one refresh for a hundred calls (expiry and 401), a rotated
refresh token stored before the new access token is used, no rotation keeps the old one, ``invalid_grant`` fails
every waiter after one request, and single-use refresh tokens are never sent twice."""

from __future__ import annotations

import asyncio

import pytest

from spotify_async import PKCE, AuthorizationCode, Config, MemoryTokenStore, ReauthorizationRequired, Spotify, Token
from spotify_async.testing import FakeSpotify

from .support import expired, user_token

REDIRECT = "http://127.0.0.1:8888/callback"


class RecordingStore(MemoryTokenStore):
    """A slow store that records, for each save, how many Web API requests the fake had seen before and after."""

    def __init__(self, fake: FakeSpotify) -> None:
        super().__init__()
        self.fake = fake
        self.saves: list[tuple[Token, int, int]] = []

    async def save(self, key: str, token: Token) -> None:
        before = self.fake.stats.api_requests
        await asyncio.sleep(0.05)  # long enough for any call that did not wait for the save to reach the fake
        await super().save(key, token)
        self.saves.append((token, before, self.fake.stats.api_requests))


def pkce(fake: FakeSpotify, token: Token, store: MemoryTokenStore | None = None) -> PKCE:
    return PKCE(fake.client_id, REDIRECT, token=token, store=store, user_key="u1" if store is not None else None)


def client(fake: FakeSpotify, flow: PKCE | AuthorizationCode) -> Spotify:
    # 128 slots: all hundred calls are in flight at once, so all of them meet the stale token together (coalescing
    # off, or the hundred identical GETs would share one request)
    config = Config(max_concurrency=128, coalesce=False)
    return Spotify(flow, api_base=fake.api_base, accounts_base=fake.accounts_base, config=config)


async def hundred_calls(sp: Spotify) -> list[object]:
    return await asyncio.gather(*(sp.users.me() for _ in range(100)), return_exceptions=True)


@pytest.mark.fake_spotify(refresh_rotation="rotate")
async def test_a_hundred_calls_after_expiry_make_one_refresh_and_the_rotation_is_stored_first(
    fake_spotify: FakeSpotify,
) -> None:
    fake = fake_spotify
    first = user_token(fake)
    store = RecordingStore(fake)
    hooked: list[str] = []
    flow = pkce(fake, expired(first), store)
    flow.on_change = lambda key, token: hooked.append(token.access_token)
    async with client(fake, flow) as sp:
        results = await hundred_calls(sp)
    assert all(getattr(r, "id", None) == fake.login_user for r in results), results[:3]
    assert fake.stats.token_requests == 1
    ((saved, before, after),) = store.saves
    assert before == after == 0  # nothing was sent with the new token until it was stored
    assert saved.refresh_token not in (None, first.refresh_token)  # rotated, and the new one is what was stored
    assert hooked == [saved.access_token]
    assert flow.token == saved
    assert fake.stats.api_requests == 100


@pytest.mark.fake_spotify(refresh_rotation="rotate")
async def test_a_hundred_401s_make_one_refresh(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    store = MemoryTokenStore()
    flow = pkce(fake, user_token(fake), store)
    async with client(fake, flow) as sp:
        await sp.users.me()
        fake.expire_access_tokens()  # the server now refuses the token we think is fresh
        results = await hundred_calls(sp)
    assert all(getattr(r, "id", None) == fake.login_user for r in results), results[:3]
    assert fake.stats.token_requests == 1
    assert fake.stats.by_status[401] == 100
    assert await store.load("u1") == flow.token


@pytest.mark.fake_spotify(refresh_rotation="none")
async def test_no_rotation_keeps_the_old_refresh_token(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    first = user_token(fake)
    store = MemoryTokenStore()
    flow = AuthorizationCode(
        fake.client_id, fake.client_secret, REDIRECT, token=expired(first), store=store, user_key="u"
    )
    async with client(fake, flow) as sp:
        await asyncio.gather(*(sp.users.me() for _ in range(20)))
        once = flow.token
        fake.expire_access_tokens()
        await asyncio.gather(*(sp.users.me() for _ in range(20)))
    assert fake.stats.token_requests == 2
    assert once is not None
    assert once.access_token != first.access_token
    assert once.refresh_token == first.refresh_token
    stored = await store.load("u")
    assert stored is not None
    assert stored.refresh_token == first.refresh_token
    assert stored.access_token not in (first.access_token, once.access_token)


async def test_invalid_grant_fails_every_waiter_after_one_request(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    first = user_token(fake)
    fake.expire_refresh_tokens()
    flow = pkce(fake, expired(first))
    async with client(fake, flow) as sp:
        results = await hundred_calls(sp)
        assert fake.stats.token_requests == 1
        assert all(isinstance(r, ReauthorizationRequired) for r in results)
        assert {r.error for r in results if isinstance(r, ReauthorizationRequired)} == {"invalid_grant"}
        # never retried: later calls, and another client sharing the flow, fail without asking again
        with pytest.raises(ReauthorizationRequired):
            await sp.users.me()
        with pytest.raises(ReauthorizationRequired):
            await sp.for_user(flow).users.me()
        assert fake.stats.token_requests == 1
        assert fake.stats.api_requests == 0
        # a new login clears it
        await flow.set_token(user_token(fake))
        assert (await sp.users.me()).id == fake.login_user


async def test_invalid_grant_after_401s(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    flow = pkce(fake, user_token(fake))
    async with client(fake, flow) as sp:
        fake.expire_access_tokens()
        fake.expire_refresh_tokens()
        results = await hundred_calls(sp)
    assert all(isinstance(r, ReauthorizationRequired) for r in results)
    assert fake.stats.token_requests == 1


@pytest.mark.fake_spotify(refresh_rotation="single-use")
async def test_single_use_refresh_tokens_are_never_sent_twice(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    store = MemoryTokenStore()
    flow = pkce(fake, user_token(fake), store)
    async with client(fake, flow) as sp:
        other = sp.for_user(flow)  # a second client (its own token manager) on the same flow object
        rounds = 5
        for _ in range(rounds):
            fake.expire_access_tokens()
            results = await asyncio.gather(
                *(c.users.me() for c in (sp, other) for _ in range(25)), return_exceptions=True
            )
            assert all(getattr(r, "id", None) == fake.login_user for r in results), results[:3]
    # a replayed single-use token would have revoked the grant and failed the calls above
    assert fake.accounts.revoked_families == set()
    assert fake.stats.token_requests == rounds
    used = [t for t in fake.accounts.refresh.values() if t.used]
    assert len(used) == rounds
    stored = await store.load("u1")
    assert stored is not None
    assert stored.refresh_token is not None
    assert not fake.accounts.refresh[stored.refresh_token].used  # the stored one is the live one


async def test_a_failed_save_is_retried_without_a_second_grant(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify

    class FlakyStore(MemoryTokenStore):
        fail = True

        async def save(self, key: str, token: Token) -> None:
            if self.fail:
                self.fail = False
                raise OSError("disk full")
            await super().save(key, token)

    store = FlakyStore()
    flow = pkce(fake, expired(user_token(fake)), store)
    async with client(fake, flow) as sp:
        with pytest.raises(OSError, match="disk full"):
            await sp.users.me()
        assert (await sp.users.me()).id == fake.login_user
    assert fake.stats.token_requests == 1  # the refreshed token was kept in memory and saved on the next call
    assert await store.load("u1") == flow.token
