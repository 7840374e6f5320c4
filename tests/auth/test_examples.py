"""The examples import, and their handlers work against FakeSpotify: the web backend's /login -> /callback -> /me for
several users from one app session, and the chat bot's commands for several users sharing one client."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import sys
from pathlib import Path
from types import ModuleType

import aiohttp
import pytest

from spotify_async import AuthorizationCode, ClientCredentials, MemoryTokenStore, Spotify
from spotify_async.testing import FakeSpotify

from .support import expired

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def web_backend() -> ModuleType:
    return load("web_backend")


@pytest.fixture
def chat_bot() -> ModuleType:
    return load("chat_bot")


def app_session(fake: FakeSpotify) -> Spotify:
    auth = ClientCredentials(fake.client_id, fake.client_secret)
    return Spotify(auth, api_base=fake.api_base, accounts_base=fake.accounts_base)


async def test_web_backend_serves_many_users_from_one_app_session(
    web_backend: ModuleType, fake_spotify: FakeSpotify
) -> None:
    fake = fake_spotify
    store = MemoryTokenStore()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    async with app_session(fake) as sp:
        login = AuthorizationCode(
            fake.client_id, fake.client_secret, f"{base}/callback", store=store, accounts_base=fake.accounts_base
        )
        backend = web_backend.Backend(sp, login)
        runner = await web_backend.serve(backend, sock)
        try:
            users = fake.catalog.users[:3]
            pages = await web_backend.demo(base, users, fake)
            assert [f"({u})" in page for page, u in zip(pages, users, strict=True)] == [True] * 3
            assert sorted(store.keys()) == sorted(users)  # tokens kept under each user's Spotify id
            assert set(backend.clients) == set(users)
            assert all(c.scheduler is sp.scheduler for c in backend.clients.values())
            # a forged callback is refused, and /me without a session goes to /login
            async with aiohttp.ClientSession() as browser:
                async with browser.get(f"{base}/callback?code=x&state=forged") as resp:
                    assert resp.status == 400
                    assert "does not match" in await resp.text()
                async with browser.get(f"{base}/me", allow_redirects=False) as resp:
                    assert resp.status == 302
                    assert resp.headers["Location"] == "/login"
            # a user whose refresh token died is sent to log in again and forgotten
            victim = users[0]
            token = await store.load(victim)
            assert token is not None
            backend.clients.pop(victim)
            await store.save(victim, expired(token))
            fake.expire_refresh_tokens(token.refresh_token)
            cookie = next(k for k, v in backend.sessions.items() if v == victim)
            async with (
                aiohttp.ClientSession(cookies={"session": cookie}) as browser,
                browser.get(f"{base}/me", allow_redirects=False) as resp,
            ):
                assert resp.status == 302
                assert resp.headers["Location"] == "/login"
            assert await store.load(victim) is None
        finally:
            await runner.cleanup()


async def test_chat_bot_commands_for_several_users(chat_bot: ModuleType, fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    store = MemoryTokenStore()
    async with app_session(fake) as sp:
        login = AuthorizationCode(
            fake.client_id,
            fake.client_secret,
            "http://127.0.0.1:8080/callback",
            store=store,
            accounts_base=fake.accounts_base,
        )
        bot = chat_bot.MusicBot(sp, login)
        assert "not logged in" in await bot.handle("ana", "!me")
        assert "commands:" in await bot.handle("ana", "!what")
        for chat_user, spotify_user in zip(("ana", "bo"), fake.catalog.users[:2], strict=True):
            fake.login_user = spotify_user
            lines = await chat_bot.conversation(bot, chat_user)
            assert lines[2] == f"{chat_user}: logged in"
        replies = await asyncio.gather(bot.handle("ana", "!me"), bot.handle("bo", "!me"))
        for reply, user in zip(replies, ("ana", "bo"), strict=True):
            assert reply.startswith(f"{user}: you are ")
        assert replies[0] != replies[1]
        assert sorted(store.keys()) == ["ana", "bo"]
        assert "forgotten" in await bot.handle("bo", "!logout")
        assert "not logged in" in await bot.handle("bo", "!me")
        assert "unknown or was already used" in await bot.complete_login(
            "http://127.0.0.1:8080/callback?code=x&state=y"
        )
        found = await bot.handle("ana", "!search island")
        assert "Island" in found


async def test_examples_run_as_scripts(
    web_backend: ModuleType, chat_bot: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await web_backend.main(["--demo"]) == 0
    out = capsys.readouterr().out
    assert out.count("Logged in as") == 3
    assert "3 users, one connection pool" in out
    await chat_bot.main()
    out = capsys.readouterr().out
    assert out.count(": logged in") == 3
    assert "one pool, one budget" in out
