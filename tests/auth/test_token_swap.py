"""Token Swap end to end against FakeSpotify as the accounts service: the server (make_app) holds the secret and
keeps no tokens, the client (TokenSwap) logs in and refreshes through it; sealed refresh tokens, rotation, codes for
another redirect URI, forged tokens, error mapping, and nothing secret in logs. Also the swap-server command."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
import time

import aiohttp
import pytest

from spotify_async import (
    AuthError,
    InvalidInput,
    MemoryTokenStore,
    ReauthorizationRequired,
    Spotify,
    Token,
    TokenSwap,
)
from spotify_async.auth.sealing import new_key
from spotify_async.swap import decode_key, make_app
from spotify_async.testing import FakeSpotify

from .support import click, serving

REDIRECT = "http://127.0.0.1:8888/callback"


def client(base: str, fake: FakeSpotify, **kwargs: object) -> TokenSwap:
    return TokenSwap(
        f"{base}/swap",
        f"{base}/refresh",
        client_id=fake.client_id,
        redirect_uri=kwargs.pop("redirect_uri", REDIRECT),  # type: ignore[arg-type]
        scopes="user-read-private",
        accounts_base=fake.accounts_base,
        **kwargs,  # type: ignore[arg-type]
    )


async def _login(flow: TokenSwap) -> Token:
    return await flow.exchange_callback(await click(flow.authorize_url()))


def _spotify_refresh_tokens(fake: FakeSpotify) -> set[str]:
    return set(fake.accounts.refresh)


@pytest.mark.fake_spotify(refresh_rotation="rotate")
async def test_login_and_refresh_through_the_swap_server(
    fake_spotify: FakeSpotify, caplog: pytest.LogCaptureFixture
) -> None:
    fake = fake_spotify
    caplog.set_level(logging.DEBUG)
    key = new_key()
    app = make_app(fake.client_id, fake.client_secret, REDIRECT, accounts_base=fake.accounts_base, key=key)
    store = MemoryTokenStore()
    async with serving(app) as base:
        flow = client(base, fake, store=store, user_key="me")
        token = await _login(flow)
        assert token.refresh_token is not None
        assert token.refresh_token not in _spotify_refresh_tokens(fake)  # the client holds the sealed one only
        assert token.scopes == {"user-read-private"}
        assert await store.load("me") == token
        async with Spotify(flow, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
            assert (await sp.users.me()).id == fake.login_user
            fake.expire_access_tokens()
            assert (await sp.users.me()).id == fake.login_user  # a 401, a refresh through /refresh, a retry
            rotated = sp.tokens.token
            assert rotated is not None
            assert rotated.access_token != token.access_token
            assert rotated.refresh_token not in (None, token.refresh_token)  # rotated, and sealed again
            assert rotated.refresh_token not in _spotify_refresh_tokens(fake)
            assert await store.load("me") == rotated
    # the server keeps no tokens: a new server with the same key refreshes what the client holds
    again = make_app(fake.client_id, fake.client_secret, REDIRECT, accounts_base=fake.accounts_base, key=key)
    async with serving(again) as base:
        later = client(base, fake, store=store, user_key="me")
        assert await later.load() == rotated
        async with Spotify(later, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
            sp.tokens.invalidate(rotated)
            assert (await sp.users.me()).id == fake.login_user
    # nothing secret in the logs: no client secret, no code, no access or refresh token, sealed or not
    logged = caplog.text
    assert fake.client_secret not in logged
    for value in (token.access_token, token.refresh_token, rotated.access_token, rotated.refresh_token):
        assert value is not None
        assert value not in logged
    for value in _spotify_refresh_tokens(fake):
        assert value not in logged
    assert fake.client_secret not in repr(flow)


@pytest.mark.fake_spotify(refresh_rotation="rotate")
async def test_a_key_rotation_keeps_clients_logged_in(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    old, new = new_key(), new_key()
    async with serving(
        make_app(fake.client_id, fake.client_secret, REDIRECT, accounts_base=fake.accounts_base, key=old)
    ) as b:
        token = await _login(client(b, fake))
    rotated = make_app(
        fake.client_id, fake.client_secret, REDIRECT, accounts_base=fake.accounts_base, key=new, previous_keys=[old]
    )
    async with serving(rotated) as b:
        flow = client(b, fake, token=token)
        async with Spotify(flow, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
            sp.tokens.invalidate(token)
            fresh = await sp.tokens.get()  # the old-key refresh token still opens...
    # ...and what came back is sealed with the new key only
    only_new = make_app(fake.client_id, fake.client_secret, REDIRECT, accounts_base=fake.accounts_base, key=new)
    async with serving(only_new) as b:
        flow = client(b, fake, token=fresh)
        async with Spotify(flow, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
            sp.tokens.invalidate(fresh)
            assert (await sp.tokens.get()).access_token != fresh.access_token


@pytest.mark.fake_spotify(refresh_rotation="none")
async def test_an_answer_without_a_refresh_token_keeps_the_old_one(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    async with serving(make_app(fake.client_id, fake.client_secret, REDIRECT, accounts_base=fake.accounts_base)) as b:
        flow = client(b, fake)
        token = await _login(flow)
        async with Spotify(flow, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
            sp.tokens.invalidate(token)
            fresh = await sp.tokens.get()
        assert fresh.access_token != token.access_token
        assert fresh.refresh_token == token.refresh_token


async def test_codes_for_another_redirect_uri_are_refused(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    async with serving(make_app(fake.client_id, fake.client_secret, REDIRECT, accounts_base=fake.accounts_base)) as b:
        # a client whose redirect URI is not the server's: refused before Spotify is asked
        stranger = client(b, fake, redirect_uri="https://elsewhere.example/callback")
        callback = await click(stranger.authorize_url())
        sent = fake.stats.token_requests
        with pytest.raises(ReauthorizationRequired, match="another redirect URI"):
            await stranger.exchange_callback(callback)
        assert fake.stats.token_requests == sent
        # a code issued for another redirect URI, sent without saying so: Spotify refuses it, and so does the server
        other = client(b, fake, redirect_uri="https://elsewhere.example/callback")
        callback = await click(other.authorize_url())
        code = dict(p.split("=", 1) for p in callback.split("?", 1)[1].split("&"))["code"]
        async with aiohttp.ClientSession() as http, http.post(f"{b}/swap", data={"code": code}) as resp:
            assert resp.status == 400
            assert (await resp.json())["error"] == "invalid_grant"


async def test_forged_and_foreign_refresh_tokens_are_refused_without_asking_spotify(
    fake_spotify: FakeSpotify,
) -> None:
    fake = fake_spotify
    plain = Token.from_response(fake.issue_user_token())  # Spotify's own refresh token, not sealed by the server
    foreign = make_app(fake.client_id, fake.client_secret, REDIRECT, accounts_base=fake.accounts_base, key=new_key())
    app = make_app(fake.client_id, fake.client_secret, REDIRECT, accounts_base=fake.accounts_base, key=new_key())
    async with serving(foreign) as other, serving(app) as base:
        sealed_elsewhere = await _login(client(other, fake))
        sent = fake.stats.token_requests
        for refresh in (plain.refresh_token, sealed_elsewhere.refresh_token, "forged"):
            flow = client(base, fake, token=Token("expired", refresh_token=refresh, expires_at=time.time() - 1))
            async with Spotify(flow, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
                with pytest.raises(ReauthorizationRequired, match="not issued by this server"):
                    await sp.tokens.get()
        assert fake.stats.token_requests == sent
        # malformed requests get the accounts service's error shape
        async with aiohttp.ClientSession() as http:
            async with http.post(f"{base}/refresh", data={}) as resp:
                assert resp.status == 400
                assert await resp.json() == {
                    "error": "invalid_request",
                    "error_description": "refresh_token must be supplied",
                }
            async with http.post(f"{base}/swap", json={"code": "x"}) as resp:
                assert resp.status == 400
                assert (await resp.json())["error"] == "invalid_request"
            async with http.get(f"{base}/swap") as resp:
                assert resp.status == 405


async def test_the_accounts_service_errors_reach_the_client_typed(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    # a server configured with a wrong secret: Spotify says invalid_client, the client raises AuthError with it
    wrong = make_app(fake.client_id, "not-the-secret", REDIRECT, accounts_base=fake.accounts_base)
    async with serving(wrong) as base:
        flow = client(base, fake)
        with pytest.raises(AuthError) as info:
            await _login(flow)
        assert info.value.error == "invalid_client"
        assert not isinstance(info.value, ReauthorizationRequired)
    # an accounts service that cannot be reached is a 502 server_error
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    unreachable = make_app(fake.client_id, fake.client_secret, REDIRECT, accounts_base=dead)
    async with serving(unreachable) as base:
        flow = client(base, fake)
        callback = await click(flow.authorize_url())
        started = time.monotonic()
        with pytest.raises(AuthError) as info:
            await flow.exchange_callback(callback)
        assert time.monotonic() - started < 30
        assert info.value.error == "server_error"


async def test_single_flight_through_the_swap_server(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    async with serving(make_app(fake.client_id, fake.client_secret, REDIRECT, accounts_base=fake.accounts_base)) as b:
        flow = client(b, fake)
        token = await _login(flow)
        async with Spotify(flow, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
            sent = fake.stats.token_requests
            sp.tokens.invalidate(token)
            tokens = await asyncio.gather(*(sp.tokens.get() for _ in range(50)))
        assert fake.stats.token_requests == sent + 1
        assert len({t.access_token for t in tokens}) == 1


def test_bad_configuration_is_refused() -> None:
    with pytest.raises(InvalidInput, match="HTTPS"):
        TokenSwap("http://swap.example/swap", "https://swap.example/refresh", client_id="c", redirect_uri=REDIRECT)
    with pytest.raises(InvalidInput, match="refresh_url"):
        TokenSwap("https://swap.example/swap", "", client_id="c", redirect_uri=REDIRECT)
    with pytest.raises(InvalidInput, match="client_secret"):
        make_app("cid", "", REDIRECT)
    with pytest.raises(InvalidInput, match="localhost"):
        make_app("cid", "secret", "http://localhost:8888/callback")
    with pytest.raises(InvalidInput, match="32"):
        decode_key("c2hvcnQ")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_the_swap_server_command(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ, SPOTIFY_CLIENT_SECRET=fake.client_secret, SPOTIFY_SWAP_KEY="A" * 43)
    args = ["--port", str(port), "--client-id", fake.client_id, "--redirect-uri", REDIRECT]
    args += ["--accounts-base", fake.accounts_base]
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "spotify_async", "swap-server", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        assert b"listening on " + base.encode() in line
        token = await _login(client(base, fake))
        assert token.refresh_token is not None
    finally:
        process.terminate()
        _, err = await asyncio.wait_for(process.communicate(), 10)
    assert process.returncode == 0
    assert fake.client_secret.encode() not in err
    # no secret in the environment: refused with a clear message, and the secret is not an option at all
    env.pop("SPOTIFY_CLIENT_SECRET")
    code, _, err = await _run(*args, env=env)
    assert code == 2
    assert b"SPOTIFY_CLIENT_SECRET" in err
    code, out, _ = await _run("--help", env=env)
    assert code == 0
    assert b"--client-secret" not in out
    assert b"--redirect-uri" in out


async def _run(*args: str, env: dict[str, str]) -> tuple[int | None, bytes, bytes]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "spotify_async", "swap-server", *args,
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 30)
    return process.returncode, out, err


def test_the_command_checks_its_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import argparse

    from spotify_async import swap

    parser = argparse.ArgumentParser()
    swap.configure(parser)
    args = parser.parse_args(["--client-id", "cid", "--redirect-uri", REDIRECT])
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", "s3cret-value")
    monkeypatch.delenv("SPOTIFY_SWAP_KEY", raising=False)
    monkeypatch.setenv("SPOTIFY_SWAP_PREVIOUS_KEYS", "A" * 43)
    assert swap.run(args) == 2
    assert "SPOTIFY_SWAP_KEY" in capsys.readouterr().err
    monkeypatch.setenv("SPOTIFY_SWAP_KEY", "A" * 43)
    monkeypatch.setenv("SPOTIFY_SWAP_PREVIOUS_KEYS", "A" * 43 + ",c2hvcnQ")
    assert swap.run(args) == 2
    err = capsys.readouterr().err
    assert "SPOTIFY_SWAP_PREVIOUS_KEYS must hold at least 32" in err
    assert "s3cret-value" not in err
