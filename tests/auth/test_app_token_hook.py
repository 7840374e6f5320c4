"""App tokens (client credentials) have the user flows' ``on_change`` hook: called once per new token, with no user
key, before any request uses it, plain or async, including the refresh after a 401."""

from __future__ import annotations

import pytest

from spotify_async import ClientCredentials, InvalidInput, Spotify, Token
from spotify_async.testing import FakeSpotify


async def test_app_token_hook_sees_every_new_token_before_use(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    seen: list[tuple[str | None, Token, int]] = []

    async def on_change(user_key: str | None, token: Token) -> None:
        seen.append((user_key, token, fake.stats.api_requests))

    auth = ClientCredentials(fake.client_id, fake.client_secret, on_change=on_change)
    async with Spotify(auth, api_base=fake.api_base, accounts_base=fake.accounts_base, mode="extended") as sp:
        await sp.markets.available()
        await sp.markets.available()
        assert [(key, token) for key, token, _ in seen] == [(None, sp.tokens.token)]
        assert seen[0][2] == 0  # before the first Web API request
        fake.expire_access_tokens()  # the next call meets a 401 and refreshes
        calls = fake.stats.api_requests
        await sp.markets.available()
        assert len(seen) == 2
        assert seen[1][1] == sp.tokens.token
        assert seen[1][1] != seen[0][1]
        assert seen[1][2] == calls + 1  # after the refused call, before the retry


async def test_plain_hook_and_bad_hook() -> None:
    calls: list[str | None] = []
    auth = ClientCredentials("cid", "secret", on_change=lambda key, token: calls.append(key))
    await auth.token_changed(Token("t"))
    assert calls == [None]
    with pytest.raises(InvalidInput, match="on_change"):
        ClientCredentials("cid", "secret", on_change="nope")  # type: ignore[arg-type]
