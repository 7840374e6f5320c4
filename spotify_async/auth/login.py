"""Loopback login for people at a terminal: ``python -m spotify_async login --client-id ... --scopes ...``.

It runs the PKCE flow end to end: prints the authorize URL (and opens it in a browser where one exists), serves the
redirect on a small aiohttp.web server bound to the loopback address of the redirect URI, checks the ``state``,
exchanges the code, and saves the token in a :class:`~spotify_async.auth.FileTokenStore` (mode 0600). Nothing waits
forever: without a callback within ``--timeout`` seconds it stops with a clear message and saves nothing.

Programs then use the saved token with the same client id::

    auth = PKCE(client_id, "http://127.0.0.1:8888/callback", store=FileTokenStore(path), user_key="default")
    await auth.load()
    async with Spotify(auth) as sp: ...

The redirect URI must be registered exactly in the app's dashboard. Port 0 (``http://127.0.0.1:0/callback``) picks a
free port, which only an emulator accepts (tests use it with FakeSpotify's ``--accounts-base``).
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import sys
import threading
import webbrowser
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit, urlunsplit

import attrs
from aiohttp import web

from ..config import ACCOUNTS_BASE, API_BASE
from ..errors import AuthError, InvalidInput, SpotifyError
from .scopes import Scope, normalize_scopes
from .stores import FileTokenStore, TokenStore
from .token import Token
from .user import PKCE, StateMismatch, check_redirect_uri

__all__ = ["DEFAULT_REDIRECT_URI", "LoginResult", "LoginTimeout", "default_store_path", "login", "login_main"]

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
    check_redirect_uri(redirect_uri)
    split = urlsplit(redirect_uri)
    host = split.hostname or ""
    if split.scheme != "http" or host not in ("127.0.0.1", "::1"):
        raise InvalidInput(
            "the login command serves the redirect itself, so it needs a loopback URI such as "
            f"{DEFAULT_REDIRECT_URI} (or http://[::1]:PORT/callback)"
        )
    store = store if store is not None else FileTokenStore(default_store_path())
    path = split.path or "/"
    done: asyncio.Future[Token] = asyncio.get_running_loop().create_future()
    flow: PKCE | None = None

    async def callback(request: web.Request) -> web.Response:
        if flow is None or done.done():
            return _page(409, "Already finished", "This login has already finished; you can close this window.")
        try:
            token = await flow.exchange_callback(dict(request.query))
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

    app = web.Application()
    app.router.add_get(path, callback)
    # no access log: the callback's query string carries the authorization code
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, split.port if split.port is not None else 80)
        try:
            await site.start()
        except OSError as exc:
            raise InvalidInput(
                f"cannot listen on {host} port {split.port}: {exc.strerror or exc}; is another login running?"
            ) from None
        port = int(runner.addresses[0][1])
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        actual_redirect = urlunsplit((split.scheme, netloc, split.path, split.query, ""))
        flow = PKCE(
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
        if on_url is not None:
            result = on_url(url)
            if inspect.isawaitable(result):
                await result
        elif open_browser:
            _open_browser(url)
        try:
            token = await asyncio.wait_for(asyncio.shield(done), timeout)
        except asyncio.TimeoutError:
            raise LoginTimeout(
                f"no login within {timeout:g}s: the browser never came back to {actual_redirect}. Nothing was "
                "saved; run the command again (with a larger --timeout if needed)"
            ) from None
    finally:
        if not done.done():
            done.cancel()
        await runner.cleanup()
    return LoginResult(flow=flow, token=token, redirect_uri=actual_redirect, store=store, user_key=user_key)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m spotify_async login",
        description="Log in to Spotify with PKCE through a loopback redirect and save the token in a file (0600).",
    )
    parser.add_argument(
        "--client-id", default=os.environ.get("SPOTIFY_CLIENT_ID"), help="the app's client id ($SPOTIFY_CLIENT_ID)"
    )
    parser.add_argument(
        "--scopes",
        action="append",
        default=[],
        help="scopes, space- or comma-separated (repeatable), e.g. 'user-read-private user-top-read'",
    )
    parser.add_argument(
        "--redirect-uri",
        default=DEFAULT_REDIRECT_URI,
        help=f"loopback redirect registered for the app (default {DEFAULT_REDIRECT_URI}; 'localhost' is refused)",
    )
    parser.add_argument("--store", default=None, help=f"token file (default {default_store_path()})")
    parser.add_argument("--user-key", default=DEFAULT_USER_KEY, help="key of the token in the file (default 'default')")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for the login (default 300)")
    parser.add_argument("--accounts-base", default=ACCOUNTS_BASE, help="accounts service (tests: FakeSpotify's)")
    parser.add_argument(
        "--api-base", default=API_BASE, help="Web API base, to greet the user by name (tests: FakeSpotify's)"
    )
    parser.add_argument("--no-profile", action="store_true", help="do not call GET /me after logging in")
    parser.add_argument("--no-browser", action="store_true", help="only print the URL")
    parser.add_argument("--show-dialog", action="store_true", help="show the consent screen again (switch account)")
    return parser


async def _greet(result: LoginResult, api_base: str, accounts_base: str, out: TextIO) -> None:
    from ..session import Spotify  # the session imports auth; import it only when the command runs

    try:
        async with Spotify(result.flow, api_base=api_base, accounts_base=accounts_base) as sp:
            me = await sp.users.me()
    except SpotifyError as exc:
        print(f"(logged in, but GET /me failed: {exc})", file=out)
        return
    name = getattr(me, "display_name", None) or me.id
    print(f"Logged in as {name} ({me.id}).", file=out)


async def _run(args: argparse.Namespace, path: Path, out: TextIO) -> int:
    result = await login(
        args.client_id,
        scopes=" ".join(args.scopes),
        redirect_uri=args.redirect_uri,
        store=FileTokenStore(path),
        user_key=args.user_key,
        timeout=args.timeout,
        accounts_base=args.accounts_base,
        show_dialog=args.show_dialog,
        open_browser=not args.no_browser,
        out=out,
    )
    scopes = " ".join(sorted(result.token.scopes)) or "(none)"
    print(f"Token saved to {path} under key {result.user_key!r} (scopes: {scopes}).", file=out)
    if not args.no_profile:
        await _greet(result, args.api_base, args.accounts_base, out)
    return 0


def login_main(argv: Sequence[str] | None = None) -> int:
    """``python -m spotify_async login ...``: returns the exit status (0 logged in, 1 failed, 2 usage)."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help or a usage error: argparse already printed why
        return exc.code if isinstance(exc.code, int) else 2
    if not args.client_id:
        parser.print_usage(sys.stderr)
        print("error: --client-id is required (or set SPOTIFY_CLIENT_ID)", file=sys.stderr)
        return 2
    try:
        normalize_scopes(" ".join(args.scopes))
        path = Path(args.store).expanduser() if args.store else default_store_path()
        return asyncio.run(_run(args, path, sys.stdout))
    except (SpotifyError, OSError) as exc:
        print(f"login failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("login cancelled", file=sys.stderr)
        return 130
