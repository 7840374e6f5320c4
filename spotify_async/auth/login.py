"""Loopback login for people at a terminal: :func:`login` (the ``login`` command of :mod:`spotify_async.cli`).

It runs the PKCE flow end to end: prints the authorize URL (and opens it in a browser where one exists), serves the
redirect on a small aiohttp.web server bound to the loopback address of the redirect URI, checks the ``state``,
exchanges the code, and saves the token in a :class:`~spotify_async.auth.FileTokenStore` (mode 0600). Nothing waits
forever: without a callback within ``timeout`` seconds it stops with a clear message and saves nothing.

Programs then use the saved token with the same client id::

    auth = PKCE(client_id, "http://127.0.0.1:8888/callback", store=FileTokenStore(path), user_key="default")
    await auth.load()
    async with Spotify(auth) as sp: ...

The redirect URI must be registered exactly in the app's dashboard. Port 0 (``http://127.0.0.1:0/callback``) picks a
free port, which only an emulator accepts (tests use it with FakeSpotify's ``--accounts-base``).
"""

from __future__ import annotations

import asyncio
import inspect
import os
import sys
import threading
import webbrowser
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TextIO
from urllib.parse import SplitResult, urlsplit, urlunsplit

import attrs
from aiohttp import web

from ..config import ACCOUNTS_BASE
from ..errors import AuthError, InvalidInput, SpotifyError
from .scopes import Scope
from .stores import FileTokenStore, TokenStore
from .token import Token
from .user import PKCE, StateMismatch, check_redirect_uri

__all__ = ["DEFAULT_REDIRECT_URI", "DEFAULT_USER_KEY", "LoginResult", "LoginTimeout", "default_store_path", "login"]

DEFAULT_REDIRECT_URI = "http://127.0.0.1:8888/callback"
DEFAULT_USER_KEY = "default"

_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>spotify_async login</title></head>"
    "<body style='font-family:sans-serif'><h1>{title}</h1><p>{text}</p></body></html>"
)


class LoginTimeout(SpotifyError):
    """No callback reached the loopback server in time; nothing was saved."""


@attrs.frozen
class LoginResult:
    """What a login produced: the flow (holding the token, bound to the store), the token and the redirect used."""

    flow: PKCE
    token: Token
    redirect_uri: str
    store: TokenStore
    user_key: str


def default_store_path() -> Path:
    """``$XDG_CONFIG_HOME/spotify_async/tokens.json`` (``~/.config/...`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "spotify_async" / "tokens.json"


def _page(status: int, title: str, text: str) -> web.Response:
    return web.Response(status=status, text=_PAGE.format(title=title, text=text), content_type="text/html")


def _open_browser(url: str) -> None:
    # a daemon thread: a browser launcher that hangs must neither block the loop nor keep the process alive
    def run() -> None:
        try:
            webbrowser.open(url)
        except Exception:  # no browser is a normal situation: the URL is printed anyway
            pass

    threading.Thread(target=run, name="spotify_async-browser", daemon=True).start()


def _loopback(redirect_uri: str) -> SplitResult:
    """``redirect_uri`` split, once it is a valid redirect URI on a loopback address this process can serve."""
    check_redirect_uri(redirect_uri)
    split = urlsplit(redirect_uri)
    if split.scheme != "http" or (split.hostname or "") not in ("127.0.0.1", "::1"):
        raise InvalidInput(
            "the login command serves the redirect itself, so it needs a loopback URI such as "
            f"{DEFAULT_REDIRECT_URI} (or http://[::1]:PORT/callback)"
        )
    return split


class _Callback:
    """The redirect handler: exchanges the first valid callback for a token and settles ``done`` with it (or with
    the error that ends the login). A callback whose state does not match is refused and the login keeps waiting."""

    def __init__(self, done: asyncio.Future[Token]) -> None:
        self.done = done
        #: set once the server listens (the redirect URI, with its port, is known only then)
        self.flow: PKCE | None = None

    async def handle(self, request: web.Request) -> web.Response:
        done = self.done
        if self.flow is None or done.done():
            return _page(409, "Already finished", "This login has already finished; you can close this window.")
        try:
            token = await self.flow.exchange_callback(dict(request.query))
        except StateMismatch as exc:
            # an old tab or a forged request: refuse it, keep waiting for the real callback
            print(f"Refused a callback: {exc}", file=sys.stderr)
            return _page(400, "Login refused", str(exc))
        except (AuthError, InvalidInput) as exc:
            if not done.done():
                done.set_exception(exc)
            return _page(400, "Login failed", str(exc))
        except Exception as exc:  # anything else (network) ends the login with that error
            if not done.done():
                done.set_exception(exc)
            return _page(502, "Login failed", f"{type(exc).__name__}: could not complete the login")
        if not done.done():
            done.set_result(token)
        return _page(200, "Logged in", "spotify_async has its token. You can close this window.")


async def _listen(runner: web.AppRunner, split: SplitResult) -> str:
    """Start listening where ``split`` says; return the redirect URI as served (with the port the OS chose for 0)."""
    host = split.hostname or ""
    site = web.TCPSite(runner, host, split.port if split.port is not None else 80)
    try:
        await site.start()
    except OSError as exc:
        raise InvalidInput(
            f"cannot listen on {host} port {split.port}: {exc.strerror or exc}; is another login running?"
        ) from None
    port = int(runner.addresses[0][1])
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return urlunsplit((split.scheme, netloc, split.path, split.query, ""))


async def _hand_over(url: str, on_url: Callable[[str], Awaitable[None] | None] | None, open_browser: bool) -> None:
    """Give the authorize URL to ``on_url``, else to the browser (unless ``open_browser`` is false)."""
    if on_url is not None:
        result = on_url(url)
        if inspect.isawaitable(result):
            await result
    elif open_browser:
        _open_browser(url)


async def _wait_for_redirect(done: asyncio.Future[Token], timeout: float, redirect_uri: str) -> Token:
    """The token the callback got, or :class:`LoginTimeout` after ``timeout`` seconds."""
    try:
        return await asyncio.wait_for(asyncio.shield(done), timeout)
    except asyncio.TimeoutError:
        raise LoginTimeout(
            f"no login within {timeout:g}s: the browser never came back to {redirect_uri}. Nothing was "
            "saved; run the command again (with a larger --timeout if needed)"
        ) from None


async def login(
    client_id: str,
    *,
    scopes: Iterable[str | Scope] | str = (),
    redirect_uri: str = DEFAULT_REDIRECT_URI,
    store: TokenStore | None = None,
    user_key: str = DEFAULT_USER_KEY,
    timeout: float = 300.0,
    accounts_base: str = ACCOUNTS_BASE,
    show_dialog: bool = False,
    open_browser: bool = True,
    on_url: Callable[[str], Awaitable[None] | None] | None = None,
    out: TextIO | None = None,
) -> LoginResult:
    """Run one PKCE login through a loopback server; return the result once the token is saved.

    ``on_url`` receives the authorize URL (tests "click" it there); otherwise it is opened in a browser unless
    ``open_browser`` is false. Raises :class:`LoginTimeout`, :class:`~spotify_async.errors.AuthError` (declined, or
    the accounts service refused) or :class:`~spotify_async.errors.InvalidInput` (a redirect URI it cannot serve).
    """
    out = out if out is not None else sys.stdout
    if timeout <= 0:
        raise InvalidInput("timeout must be > 0 seconds")
    split = _loopback(redirect_uri)
    store = store if store is not None else FileTokenStore(default_store_path())
    callback = _Callback(asyncio.get_running_loop().create_future())
    app = web.Application()
    app.router.add_get(split.path or "/", callback.handle)
    # no access log: the callback's query string carries the authorization code
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    try:
        actual_redirect = await _listen(runner, split)
        flow = callback.flow = PKCE(
            client_id,
            actual_redirect,
            scopes=scopes,
            store=store,
            user_key=user_key,
            accounts_base=accounts_base,
        )
        url = flow.authorize_url(show_dialog=show_dialog)
        print("Open this URL in a browser to log in to Spotify:", file=out)
        print(f"  {url}", file=out)
        print(f"Waiting for the redirect to {actual_redirect} (at most {timeout:g}s)...", file=out, flush=True)
        await _hand_over(url, on_url, open_browser)
        token = await _wait_for_redirect(callback.done, timeout, actual_redirect)
    finally:
        if not callback.done.done():
            callback.done.cancel()
        await runner.cleanup()
    return LoginResult(flow=flow, token=token, redirect_uri=actual_redirect, store=store, user_key=user_key)
