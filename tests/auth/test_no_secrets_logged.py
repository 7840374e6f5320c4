"""A whole run logged at DEBUG (login, calls, a 401, a rotating refresh, a refused refresh, the login command)
contains no token, code, verifier or secret; nor do reprs and error messages."""

from __future__ import annotations

import asyncio
import io
import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest

from spotify_async import AuthorizationCode, FileTokenStore, MemoryTokenStore, ReauthorizationRequired, Spotify
from spotify_async.auth.login import login
from spotify_async.testing import FakeSpotify

from .support import click


@pytest.mark.fake_spotify(refresh_rotation="rotate")
async def test_debug_log_of_a_whole_run_has_no_secrets(
    fake_spotify: FakeSpotify, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_spotify
    caplog.set_level(logging.DEBUG)  # everything, not only spotify_async: aiohttp's loggers too
    errors: list[str] = []
    codes: list[str] = []

    store = FileTokenStore(tmp_path / "tokens.json")
    flow = AuthorizationCode(
        fake.client_id, fake.client_secret, "https://app.example/cb", store=store, user_key="alice"
    )
    async with Spotify(flow, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
        callback = await click(flow.authorize_url())
        codes.append(parse_qs(urlsplit(callback).query)["code"][0])
        await flow.exchange_callback(callback)
        await sp.users.me()
        fake.expire_access_tokens()
        await asyncio.gather(*(sp.users.me() for _ in range(10)))  # 401s, one rotating refresh
        fake.expire_access_tokens()
        fake.expire_refresh_tokens()
        with pytest.raises(ReauthorizationRequired) as info:
            await sp.users.me()
        errors.append(str(info.value))
        errors.append(repr(sp) + repr(flow) + repr(sp.tokens) + repr(flow.token))

    async def browser(url: str) -> None:
        codes.append(parse_qs(urlsplit(url).query)["code_challenge"][0])
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            assert resp.status == 200

    result = await login(
        fake.client_id,
        redirect_uri="http://127.0.0.1:0/cb",
        store=MemoryTokenStore(),
        timeout=10,
        accounts_base=fake.accounts_base,
        on_url=browser,
        out=io.StringIO(),
    )
    errors.append(repr(result))

    assert any(r.name.startswith("spotify_async") for r in caplog.records)  # the run did log
    secrets = {fake.client_secret, *codes}
    secrets.update(fake.accounts.access)  # every access token the fake issued
    secrets.update(fake.accounts.refresh)  # every refresh token
    secrets.update(fake.accounts.codes)  # every authorization code
    assert len(secrets) > 8
    text = caplog.text + "\n".join(errors)
    leaked = [s for s in secrets if s in text]
    assert not leaked, f"{len(leaked)} secret(s) in logs or messages"
