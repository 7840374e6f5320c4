"""A web backend serving many Spotify users from one app session (aiohttp.web).

One ``Spotify`` session is the app: it owns the connection pool, the scheduler and the rate budget, which Spotify
counts per app. Each person who logs in gets a user client from ``app.for_user(...)`` that shares all of that and
has its own token, kept in a token store under their Spotify user id and refreshed on demand.

Routes: ``/login`` sends the browser to Spotify; ``/callback`` checks the state, exchanges the code, stores the token
and sets a session cookie; ``/me`` shows who is logged in; ``/logout`` forgets the token.

Run it::

    python examples/web_backend.py          # against FakeSpotify (no account needed): open the printed /login URL
    python examples/web_backend.py --demo   # FakeSpotify, and three scripted users log in and call /me

With ``SPOTIFY_CLIENT_ID``, ``SPOTIFY_CLIENT_SECRET`` (and ``REDIRECT_URI``, registered in the dashboard, default
``http://127.0.0.1:8000/callback``) it talks to the real Spotify instead. Cookies here are plain random ids kept in
memory; a real site would use its own signed sessions.
"""

from __future__ import annotations

import argparse
import asyncio
import html
import os
import secrets
import socket
import sys
from contextlib import AsyncExitStack
from typing import Any

import aiohttp
from aiohttp import web

from spotify_async import (
    ACCOUNTS_BASE,
    API_BASE,
    AuthError,
    AuthorizationCode,
    ClientCredentials,
    FileTokenStore,
    InvalidInput,
    MemoryTokenStore,
    ReauthorizationRequired,
    Scope,
    Spotify,
    TokenStore,
)

SCOPES = (Scope.USER_READ_PRIVATE, Scope.USER_TOP_READ)
COOKIE = "session"


class Backend:
    """The request handlers. ``app_sp`` is the app session; ``login`` is the login helper (no user of its own)."""

    def __init__(self, app_sp: Spotify, login: AuthorizationCode) -> None:
        self.app_sp = app_sp
        self.login = login
        self.sessions: dict[str, str] = {}  # cookie value -> Spotify user id
        self.clients: dict[str, Spotify] = {}  # Spotify user id -> that user's client (shares the app's pool)

    async def user_client(self, user_id: str) -> Spotify | None:
        client = self.clients.get(user_id)
        if client is None:
            flow = await self.login.restore(user_id)  # None when the store has no token for them
            if flow is None:
                return None
            client = self.clients[user_id] = self.app_sp.for_user(flow)
        return client

    async def handle_login(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(self.login.authorize_url())

    async def handle_callback(self, request: web.Request) -> web.StreamResponse:
        try:
            token = await self.login.exchange_callback(dict(request.query))
        except (InvalidInput, AuthError) as exc:  # a forged or stale state, the user said no, a used code
            return web.Response(status=400, text=f"Login failed: {exc}")
        # whose token is it? one GET /me with it, then keep it under their Spotify id
        me = await self.app_sp.for_user(token).users.me()
        flow = self.login.for_user(me.id)
        await flow.set_token(token)
        self.clients[me.id] = self.app_sp.for_user(flow)
        cookie = secrets.token_urlsafe(24)
        self.sessions[cookie] = me.id
        response = web.HTTPFound("/me")
        response.set_cookie(COOKIE, cookie, httponly=True, samesite="Lax")
        raise response

    async def handle_me(self, request: web.Request) -> web.StreamResponse:
        user_id = self.sessions.get(request.cookies.get(COOKIE, ""))
        client = await self.user_client(user_id) if user_id else None
        if user_id is None or client is None:
            raise web.HTTPFound("/login")
        try:
            me = await client.users.me()
        except ReauthorizationRequired:  # the refresh token expired or was revoked: log in again
            await self.forget(user_id)
            raise web.HTTPFound("/login") from None
        name = html.escape(me.display_name or me.id)
        return web.Response(text=f"<p>Logged in as {name} ({html.escape(me.id)})</p>", content_type="text/html")

    async def forget(self, user_id: str) -> None:
        self.clients.pop(user_id, None)
        if self.login.store is not None:
            await self.login.store.delete(user_id)

    async def handle_logout(self, request: web.Request) -> web.StreamResponse:
        user_id = self.sessions.pop(request.cookies.get(COOKIE, ""), None)
        if user_id is not None:
            await self.forget(user_id)
        raise web.HTTPFound("/")

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        return web.Response(text="<a href='/login'>Log in with Spotify</a>", content_type="text/html")

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/", self.handle_index)
        app.router.add_get("/login", self.handle_login)
        app.router.add_get("/callback", self.handle_callback)
        app.router.add_get("/me", self.handle_me)
        app.router.add_get("/logout", self.handle_logout)
        return app


async def serve(backend: Backend, sock: socket.socket) -> web.AppRunner:
    runner = web.AppRunner(backend.app(), access_log=None)  # an access log would record the callback's code
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return runner


async def demo(base: str, users: list[str], fake: Any) -> list[str]:
    """Log ``users`` in one after another through the real routes (FakeSpotify approves at once) and return what
    each one's /me page said."""
    pages = []
    for user_id in users:
        fake.login_user = user_id
        jar = aiohttp.CookieJar(unsafe=True)  # one browser per user; unsafe: cookies for a bare IP address
        async with aiohttp.ClientSession(cookie_jar=jar) as browser, browser.get(f"{base}/login") as resp:
            pages.append(await resp.text())
    return pages


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", action="store_true", help="script three logins against FakeSpotify and exit")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--store", help="token file (default: in memory)")
    args = parser.parse_args(argv)
    store: TokenStore = FileTokenStore(args.store) if args.store else MemoryTokenStore()
    client_id = os.environ.get("SPOTIFY_CLIENT_ID")
    async with AsyncExitStack() as stack:
        fake = None
        api_base, accounts_base = API_BASE, ACCOUNTS_BASE
        if client_id and not args.demo:
            secret = os.environ["SPOTIFY_CLIENT_SECRET"]
        else:
            from spotify_async.testing import FakeSpotify

            fake = await stack.enter_async_context(FakeSpotify())
            client_id, secret = fake.client_id, fake.client_secret
            api_base, accounts_base = fake.api_base, fake.accounts_base
        app_sp = await stack.enter_async_context(
            Spotify(ClientCredentials(client_id, secret), api_base=api_base, accounts_base=accounts_base)
        )
        # bind first: the redirect URI names the port
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0 if args.demo else args.port))
        port = sock.getsockname()[1]
        redirect = os.environ.get("REDIRECT_URI") if fake is None else None
        login = AuthorizationCode(
            client_id,
            secret,
            redirect or f"http://127.0.0.1:{port}/callback",
            scopes=SCOPES,
            store=store,
            accounts_base=accounts_base,
        )
        backend = Backend(app_sp, login)
        stack.push_async_callback((await serve(backend, sock)).cleanup)
        base = f"http://127.0.0.1:{port}"
        if fake is not None and args.demo:
            for page in await demo(base, fake.catalog.users[:3], fake):
                print(page)
            print(f"{len(backend.clients)} users, one connection pool; requests sent: {app_sp.stats['requests']}")
            return 0
        print(f"Open {base}/login (Ctrl-C to stop)")
        await asyncio.Event().wait()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(main()))
    except KeyboardInterrupt:
        pass
