"""Pending logins behind a StateStore: sealing, the memory store's bounds and expiry (injected clock), the signed
stateless store (verifier never in clear, tampering refused, a login started in one worker completes in another,
replays refused), and flows refusing a store they cannot use synchronously."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest

from spotify_async import (
    PKCE,
    AuthorizationCode,
    InvalidInput,
    MemoryStateStore,
    PendingLogin,
    ReauthorizationRequired,
    SignedStateStore,
    Spotify,
    StateMismatch,
    StateStore,
)
from spotify_async.auth.sealing import Sealer, new_key
from spotify_async.testing import FakeSpotify

from .support import click

REDIRECT = "http://127.0.0.1:8888/callback"


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


# ------------------------------------------------------------------------------------------------ sealing


def test_sealed_values_open_only_with_their_key_and_purpose() -> None:
    key = new_key()
    sealer = Sealer(key, "a")
    sealed = sealer.seal(b"refresh-token-value")
    assert b"refresh-token-value" not in base64.urlsafe_b64decode(sealed + "=" * (-len(sealed) % 4))
    assert sealer.open(sealed) == b"refresh-token-value"
    assert Sealer(key, "b").open(sealed) is None  # another purpose
    assert Sealer(new_key(), "a").open(sealed) is None  # another key
    assert sealer.seal(b"x") != sealer.seal(b"x")  # a fresh nonce each time
    # any flipped character is refused, and so are truncations and garbage
    for i in range(len(sealed)):
        flipped = sealed[:i] + ("A" if sealed[i] != "A" else "B") + sealed[i + 1 :]
        assert sealer.open(flipped) is None, i
    assert sealer.open(sealed[:-1]) is None
    assert sealer.open("") is None
    assert sealer.open("%%%") is None
    assert "key" in repr(sealer)
    assert key.hex() not in repr(sealer)
    with pytest.raises(InvalidInput, match="32"):
        Sealer(b"short", "a")


def test_sealed_values_expire_on_the_injected_clock() -> None:
    clock = Clock()
    sealer = Sealer(new_key(), "a", clock=clock)
    sealed = sealer.seal(b"v", lifetime=10)
    clock.now += 9.9
    assert sealer.open(sealed) == b"v"
    clock.now += 0.1
    assert sealer.open(sealed) is None


# ------------------------------------------------------------------------------------------------ memory store


async def test_memory_store_takes_once_expires_and_is_bounded() -> None:
    clock = Clock()
    store = MemoryStateStore(max_entries=2, clock=clock)
    assert isinstance(store, StateStore)
    login = PendingLogin("v" * 43, clock.now)
    first = await store.put(login, state=None, lifetime=60)
    assert await store.take(first) == login
    assert await store.take(first) is None  # used once
    a = await store.put(login, state="a", lifetime=60)
    b = await store.put(login, state="b", lifetime=60)
    c = await store.put(login, state="c", lifetime=60)
    assert (a, b, c) == ("a", "b", "c")
    assert len(store) == 2
    assert await store.take("a") is None  # the oldest was forgotten first
    clock.now += 59.9
    assert await store.take("b") == login
    clock.now += 0.1
    assert await store.take("c") is None  # expired
    assert "v" * 43 not in repr(login)
    await store.put(login, state="d", lifetime=60)
    with pytest.raises(InvalidInput, match="already pending"):
        await store.put(login, state="d", lifetime=60)


# ------------------------------------------------------------------------------------------------ signed store


async def test_signed_state_carries_the_verifier_encrypted_and_expires() -> None:
    clock = Clock()
    store = SignedStateStore(new_key(), clock=clock)
    flow = PKCE("cid", REDIRECT, state_store=store, accounts_base="https://accounts.example")
    params = query(flow.authorize_url())
    state = params["state"]
    login = await SignedStateStore.take(store, state)
    assert login is not None
    assert login.verifier is not None
    raw = base64.urlsafe_b64decode(state + "=" * (-len(state) % 4))
    assert login.verifier.encode() not in raw  # encrypted, not only signed
    assert login.verifier not in flow.authorize_url()
    # expiry rides inside the seal
    late = query(flow.authorize_url())["state"]
    clock.now += flow.login_lifetime
    with pytest.raises(StateMismatch, match="older than"):
        await flow.exchange("code", state=late)
    with pytest.raises(InvalidInput, match="makes the state itself"):
        flow.authorize_url(state="mine")


async def test_signed_state_login_starts_in_one_worker_and_completes_in_another(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    key = new_key()  # every worker is configured with the same key
    worker_a = PKCE(fake.client_id, REDIRECT, state_store=SignedStateStore(key), accounts_base=fake.accounts_base)
    worker_b = PKCE(fake.client_id, REDIRECT, state_store=SignedStateStore(key), accounts_base=fake.accounts_base)
    callback = await click(worker_a.authorize_url())
    token = await worker_b.exchange_callback(callback)
    async with Spotify(worker_b, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
        assert (await sp.users.me()).id == fake.login_user
    # a replay to the same worker is refused before anything is sent
    sent = fake.stats.token_requests
    with pytest.raises(StateMismatch):
        await worker_b.exchange_callback(callback)
    assert fake.stats.token_requests == sent
    # a replay to another worker passes its state check, and Spotify refuses the spent code: no token is issued
    with pytest.raises(ReauthorizationRequired):
        await worker_a.exchange_callback(callback)
    assert worker_a.token is None
    assert token.refresh_token is not None
    # a worker with another key refuses the state outright
    stranger = PKCE(fake.client_id, REDIRECT, state_store=SignedStateStore(new_key()), accounts_base=fake.accounts_base)
    with pytest.raises(StateMismatch):
        await stranger.exchange_callback(await click(worker_a.authorize_url()))


async def test_confidential_flow_with_a_signed_state(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    key = new_key()
    uri = "https://app.example/callback"
    one = AuthorizationCode(fake.client_id, fake.client_secret, uri, state_store=SignedStateStore(key))
    two = AuthorizationCode(fake.client_id, fake.client_secret, uri, state_store=SignedStateStore(key))
    one._accounts_base = two._accounts_base = fake.accounts_base
    callback = await click(one.authorize_url())
    assert (await two.exchange_callback(callback)).refresh_token is not None


# ------------------------------------------------------------------------------------------------ async-only stores


class SlowStore:
    """A store that needs I/O to remember (like Redis): only ``await flow.login_url()`` can use it."""

    def __init__(self) -> None:
        self.inner = MemoryStateStore()

    async def put(self, login: PendingLogin, *, state: str | None, lifetime: float) -> str:
        return await self.inner.put(login, state=state, lifetime=lifetime)

    async def take(self, state: str) -> PendingLogin | None:
        return await self.inner.take(state)


async def test_async_only_store_needs_login_url() -> None:
    store = SlowStore()
    flow = PKCE("cid", REDIRECT, state_store=store, accounts_base="https://accounts.example")
    with pytest.raises(InvalidInput, match=r"await flow\.login_url"):
        flow.authorize_url()
    state = query(await flow.login_url())["state"]
    assert (await store.take(state)) is not None
    with pytest.raises(InvalidInput, match="StateStore"):
        PKCE("cid", REDIRECT, state_store=object())  # type: ignore[arg-type]


async def test_users_of_one_login_helper_share_its_state_store() -> None:
    helper = PKCE("cid", REDIRECT, accounts_base="https://accounts.example")
    assert helper.for_user("u1").state_store is helper.state_store


def test_sealing_keys_rotate_without_breaking_what_was_sealed() -> None:
    old, new = new_key(), new_key()
    sealed_before = Sealer(old, "a").seal(b"v")
    rotated = Sealer(new, "a", previous=[old])
    assert rotated.open(sealed_before) == b"v"  # still opens
    sealed_after = rotated.seal(b"w")
    assert Sealer(new, "a").open(sealed_after) == b"w"  # sealed with the new key
    assert Sealer(old, "a").open(sealed_after) is None
    assert Sealer(new, "a").open(sealed_before) is None  # once the old key is dropped
    with pytest.raises(InvalidInput, match="32"):
        Sealer(new, "a", previous=[b"short"])


async def test_logins_in_progress_survive_a_state_key_rotation() -> None:
    old, new = new_key(), new_key()
    before = PKCE("cid", REDIRECT, state_store=SignedStateStore(old), accounts_base="https://accounts.example")
    state = query(before.authorize_url())["state"]
    after = SignedStateStore(new, previous_keys=[old])
    login = await after.take(state)
    assert login is not None
    assert login.verifier is not None
