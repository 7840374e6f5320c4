"""Helpers for the auth tests: a browser's part of a login, user tokens issued by FakeSpotify, and an aiohttp app
served on 127.0.0.1 for the length of a block."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import attrs
from aiohttp import web

from spotify_async import Token
from spotify_async.testing import FakeSpotify


async def click(url: str) -> str:
    """Open an authorize URL like a browser whose user approves at once; return the redirect (the callback URL)."""
    async with aiohttp.ClientSession() as browser, browser.get(url, allow_redirects=False) as resp:
        assert resp.status == 302, await resp.text()
        return resp.headers["Location"]


def user_token(fake: FakeSpotify, user_id: str | None = None, scopes: str | None = None) -> Token:
    """A real token of the fake (as if the user had logged in): all scopes unless ``scopes`` is given."""
    return Token.from_response(fake.issue_user_token(user_id, scopes))


def expired(token: Token) -> Token:
    """The same token, but past its expiry on our clock (the fake would still accept it)."""
    return attrs.evolve(token, expires_at=time.time() - 1)


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    """Serve ``app`` on a free port of 127.0.0.1 while the block runs; yield its base URL."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()
