"""Logins against FakeSpotify driven by the test: the flows' own exchange, the loopback ``login()`` helper, and the
``python -m spotify_async login`` entry point (``login_main``) with a browser that "clicks" the printed URL."""

from __future__ import annotations

import asyncio
import io
import stat
import urllib.request
import webbrowser
from pathlib import Path

import aiohttp
import attrs
import pytest

from spotify_async import (
    PKCE,
    AuthError,
    AuthorizationCode,
    FileTokenStore,
    InvalidInput,
    MemoryTokenStore,
    Scope,
    Spotify,
)
from spotify_async.auth.login import LoginTimeout, login
from spotify_async.cli import main as cli_main
from spotify_async.testing import FakeSpotify

from .support import click


def login_main(argv: list[str]) -> int:
    """The ``login`` command as ``python -m spotify_async login ARGV`` runs it."""
    return cli_main(["login", *argv])


async def test_pkce_login_exchange_store_and_me(fake_spotify: FakeSpotify, tmp_path: Path) -> None:
    fake = fake_spotify
    fake.login_user = fake.catalog.users[2]
    store = FileTokenStore(tmp_path / "tokens.json")
    changes: list[tuple[str | None, str]] = []
    flow = PKCE(
        fake.client_id,
        "http://127.0.0.1:8888/callback",
        scopes=[Scope.USER_READ_PRIVATE, Scope.USER_TOP_READ],
        store=store,
        user_key="me",
        accounts_base=fake.accounts_base,
        on_change=lambda key, token: changes.append((key, token.access_token)),
    )
    callback = await click(flow.authorize_url())
    assert callback.startswith("http://127.0.0.1:8888/callback?")
    token = await flow.exchange_callback(callback)
    assert token.scopes == {"user-read-private", "user-top-read"}
    assert token.refresh_token
    assert await store.load("me") == token
    assert changes == [("me", token.access_token)]
    assert stat.S_IMODE((tmp_path / "tokens.json").stat().st_mode) == 0o600

    # a later process: the stored token, the same client id
    later = PKCE(fake.client_id, "http://127.0.0.1:8888/callback", store=store, user_key="me")
    assert await later.load() == token
    async with Spotify(later, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
        me = await sp.users.me()
    assert me.id == fake.catalog.users[2]
    assert fake.stats.token_requests == 1  # the stored token was used as is


async def test_wrong_verifier_is_invalid_grant(fake_spotify: FakeSpotify) -> None:
    from spotify_async import ReauthorizationRequired

    flow = PKCE(fake_spotify.client_id, "http://127.0.0.1:8888/callback", accounts_base=fake_spotify.accounts_base)
    callback = await click(flow.authorize_url())
    pending = flow.state_store._logins  # type: ignore[attr-defined]
    state = next(iter(pending))
    login, deadline = pending[state]
    pending[state] = (attrs.evolve(login, verifier="x" * 43), deadline)  # not the challenged one
    with pytest.raises(ReauthorizationRequired) as info:
        await flow.exchange_callback(callback)
    assert info.value.error == "invalid_grant"


async def test_confidential_login_for_a_backend_user(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    store = MemoryTokenStore()
    login_helper = AuthorizationCode(fake.client_id, fake.client_secret, "https://app.example/callback", store=store)
    async with Spotify(login_helper, api_base=fake.api_base, accounts_base=fake.accounts_base) as app:
        # bound to a client: the helper uses its accounts base and connection pool
        assert login_helper.authorize_url().startswith(fake.accounts_base + "/authorize?")
        token = await login_helper.exchange_callback(await click(login_helper.authorize_url()))
        assert len(store) == 0  # the helper has no user key: nothing stored yet
        user = login_helper.for_user("alice")
        await user.set_token(token)
        assert await store.load("alice") == token
        restored = await login_helper.restore("alice")
        assert restored is not None
        assert restored.token == token
        assert await login_helper.restore("nobody") is None
        me = await app.for_user(restored).users.me()
    assert me.id == fake.login_user


async def test_login_helper_end_to_end(fake_spotify: FakeSpotify, tmp_path: Path) -> None:
    fake = fake_spotify
    store = FileTokenStore(tmp_path / "tokens.json")
    clicked: list[str] = []

    async def browser(url: str) -> None:
        clicked.append(url)
        async with aiohttp.ClientSession() as http, http.get(url) as resp:  # follows the redirect to the callback
            assert resp.status == 200
            assert "Logged in" in await resp.text()

    out = io.StringIO()
    result = await login(
        fake.client_id,
        scopes="user-read-private",
        redirect_uri="http://127.0.0.1:0/callback",
        store=store,
        timeout=10,
        accounts_base=fake.accounts_base,
        on_url=browser,
        out=out,
    )
    assert clicked
    assert clicked[0] in out.getvalue()
    assert result.redirect_uri != "http://127.0.0.1:0/callback"  # the port actually used
    assert await store.load("default") == result.token
    async with Spotify(result.flow, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
        assert (await sp.users.me()).id == fake.login_user


async def test_login_refuses_a_forged_callback_and_waits_for_the_real_one(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify

    async def browser(url: str) -> None:
        async with aiohttp.ClientSession() as http:
            location = await click(url)
            forged = location.split("state=")[0] + "state=forged"
            async with http.get(forged) as resp:
                assert resp.status == 400
                assert "does not match" in await resp.text()
            async with http.get(location) as resp:
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
    assert result.token.access_token


async def test_login_times_out_cleanly_and_frees_the_port(fake_spotify: FakeSpotify) -> None:
    store = MemoryTokenStore()
    seen: list[str] = []
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(LoginTimeout, match=r"no login within 0\.3s"):
        await login(
            fake_spotify.client_id,
            redirect_uri="http://127.0.0.1:0/cb",
            store=store,
            timeout=0.3,
            accounts_base=fake_spotify.accounts_base,
            on_url=seen.append,
            out=io.StringIO(),
        )
    assert loop.time() - started < 3
    assert len(store) == 0
    port = seen[0].split("127.0.0.1%3A")[1].split("%2F")[0]
    # the callback server is gone
    with pytest.raises(aiohttp.ClientConnectionError):
        async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}/cb"):
            pass


async def test_login_declined_is_an_auth_error(fake_spotify: FakeSpotify) -> None:
    fake_spotify.authorize_approves = False

    async def browser(url: str) -> None:
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            assert resp.status == 400

    with pytest.raises(AuthError, match="declined"):
        await login(
            fake_spotify.client_id,
            redirect_uri="http://127.0.0.1:0/cb",
            store=MemoryTokenStore(),
            timeout=10,
            accounts_base=fake_spotify.accounts_base,
            on_url=browser,
            out=io.StringIO(),
        )


async def test_login_needs_a_loopback_redirect() -> None:
    with pytest.raises(InvalidInput, match="loopback"):
        await login("cid", redirect_uri="https://app.example/cb", store=MemoryTokenStore(), out=io.StringIO())
    with pytest.raises(InvalidInput, match="localhost"):
        await login("cid", redirect_uri="http://localhost:8888/cb", store=MemoryTokenStore(), out=io.StringIO())


async def test_login_main_end_to_end(
    fake_spotify: FakeSpotify,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fake = fake_spotify
    fake.login_user = fake.catalog.users[1]
    opened: list[str] = []

    def fake_browser(url: str, *args: object, **kwargs: object) -> bool:
        # runs in the command's browser thread; the command's loop serves the callback meanwhile
        opened.append(url)
        with urllib.request.urlopen(url, timeout=10) as resp:  # follows the 302 to the loopback callback
            assert resp.status == 200
        return True

    monkeypatch.setattr(webbrowser, "open", fake_browser)
    path = tmp_path / "tokens.json"
    argv = [
        "--client-id",
        fake.client_id,
        "--scopes",
        "user-read-private,user-top-read",
        "--redirect-uri",
        "http://127.0.0.1:0/callback",
        "--store",
        str(path),
        "--timeout",
        "20",
        "--accounts-base",
        fake.accounts_base,
        "--api-base",
        fake.api_base,
    ]
    status = await asyncio.to_thread(login_main, argv)
    out = capsys.readouterr()
    assert status == 0, out.err
    assert len(opened) == 1
    assert opened[0] in out.out
    assert f"({fake.catalog.users[1]})" in out.out  # greeted after GET /me
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = await FileTokenStore(path).load("default")
    assert token is not None
    assert token.scopes == {"user-read-private", "user-top-read"}
    assert token.refresh_token is not None
    assert token.access_token not in out.out + out.err
    assert token.refresh_token not in out.out + out.err


def test_login_main_usage_errors(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPOTIFY_CLIENT_ID", raising=False)
    assert login_main([]) == 2
    assert "--client-id is required" in capsys.readouterr().err
    assert login_main(["--client-id", "x", "--scopes", "nope"]) == 1
    assert "unknown scope 'nope'" in capsys.readouterr().err
    assert login_main(["--client-id", "x", "--redirect-uri", "http://localhost:1/cb"]) == 1
    assert "localhost" in capsys.readouterr().err
    assert login_main(["--bogus"]) == 2


def test_login_main_times_out_with_exit_status_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["--client-id", "x", "--redirect-uri", "http://127.0.0.1:0/cb", "--no-browser", "--timeout", "0.2"]
    assert login_main([*argv, "--store", str(tmp_path / "t.json")]) == 1
    assert "no login within 0.2s" in capsys.readouterr().err
    assert not (tmp_path / "t.json").exists()
