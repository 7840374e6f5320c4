"""The Token Swap server: holds the client secret for public clients, and keeps no tokens.

``make_app(client_id, client_secret, redirect_uri)`` returns an :class:`aiohttp.web.Application` with two routes,
both taking form bodies and answering JSON in the accounts service's own shape (so any token-swap client works,
:class:`~spotify_async.TokenSwap` included):

* ``POST /swap`` with ``code`` (and optionally ``redirect_uri``, ``code_verifier``): exchanges the code with the
  accounts service, adding the secret and **this server's** redirect URI. A ``redirect_uri`` other than the
  server's is refused before Spotify is asked (a code meant for another redirect URI is not this server's to
  redeem), and Spotify itself refuses a code issued for another one.
* ``POST /refresh`` with ``refresh_token``: refreshes it with the accounts service.

The refresh token handed out is not Spotify's. It is sealed (:mod:`spotify_async.auth.sealing`: encrypted and
authenticated) with a key only this server holds, so a refresh token leaked from a client is useless anywhere but
here; ``/refresh`` opens it (anything else is ``invalid_grant`` without asking Spotify), and a rotated refresh token
in the answer is sealed in turn (an answer without one lets the client keep its old one). The server stores nothing:
every token lives in the client, so servers behind a balancer need only share the key. Without a key, one is made
at start, and the refresh tokens handed out then stop opening when the process restarts.

Errors: the accounts service's ``{"error", "error_description"}`` answers are passed on with their status;
unreachable accounts service is ``502 server_error``; bad requests are ``400 invalid_request``. Nothing secret
(the client secret, codes, tokens, the key) is logged or put in an answer other than the tokens themselves.

From the command line: ``python -m spotify_async swap-server --client-id ID --redirect-uri URI`` with
``SPOTIFY_CLIENT_SECRET`` (and ``SPOTIFY_SWAP_KEY``, base64url of 32 or more random bytes) in the environment;
:func:`configure` and :func:`run` are that command.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import logging
import os
import signal
import sys
from collections.abc import Iterable
from typing import Any

import aiohttp
from aiohttp import web

from .auth.accounts import AccountsClient
from .auth.sealing import Sealer, new_key
from .auth.user import check_redirect_uri
from .config import ACCOUNTS_BASE, Config
from .errors import AuthError, InvalidInput, TransportError

__all__ = ["SECRET_ENV", "SWAP_KEY_ENV", "SWAP_PREVIOUS_KEYS_ENV", "configure", "decode_key", "make_app", "run"]

log = logging.getLogger("spotify_async.swap")

#: where ``run`` reads the client secret and the sealing keys (never from the command line: it shows in ``ps``)
SECRET_ENV = "SPOTIFY_CLIENT_SECRET"
SWAP_KEY_ENV = "SPOTIFY_SWAP_KEY"
#: keys of before a rotation, comma-separated base64url: they still open refresh tokens they sealed
SWAP_PREVIOUS_KEYS_ENV = "SPOTIFY_SWAP_PREVIOUS_KEYS"

_ACCOUNTS: web.AppKey[AccountsClient] = web.AppKey("accounts", AccountsClient)
_MAX_FIELD = 4096


def decode_key(text: str, *, name: str = SWAP_KEY_ENV) -> bytes:
    """A sealing key from its base64url text (as ``SPOTIFY_SWAP_KEY`` holds it): at least 32 bytes."""
    try:
        key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(f"{name} is not base64url text") from None
    if len(key) < 32:
        raise InvalidInput(f"{name} must hold at least 32 random bytes (base64url)")
    return key


def _error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status)


async def _form(request: web.Request, *names: str) -> dict[str, str] | web.Response:
    if request.content_type != "application/x-www-form-urlencoded":
        return _error(400, "invalid_request", "the body must be application/x-www-form-urlencoded")
    try:
        posted = await request.post()
    except (ValueError, web.HTTPRequestEntityTooLarge):
        return _error(400, "invalid_request", "the body could not be read as a form")
    out: dict[str, str] = {}
    for name in names:
        value = posted.get(name)
        if value is None:
            continue
        if not isinstance(value, str) or not value or len(value) > _MAX_FIELD:
            return _error(400, "invalid_request", f"{name} must be a non-empty text field")
        out[name] = value
    return out


class _Swap:
    """The two handlers, with the app's credentials and sealer (no tokens: nothing here outlives a request)."""

    def __init__(self, client_id: str, client_secret: str, redirect_uri: str, sealer: Sealer) -> None:
        self.basic = (client_id, client_secret)
        self.redirect_uri = redirect_uri
        self.sealer = sealer

    def __repr__(self) -> str:
        return f"<token swap for {self.basic[0]!r}, client_secret=<redacted>>"

    async def _ask(self, request: web.Request, form: dict[str, str]) -> dict[str, Any] | web.Response:
        accounts = request.app[_ACCOUNTS]
        try:
            return await accounts.request_token(form, basic=self.basic, repeatable=False)
        except AuthError as exc:
            status = exc.status if exc.status is not None and 400 <= exc.status < 500 else 502
            log.info("accounts service refused a %s: %s", form["grant_type"], exc.error)
            return _error(status, exc.error, exc.description or "")
        except TransportError:
            log.warning("accounts service unreachable for a %s", form["grant_type"])
            return _error(502, "server_error", "the accounts service could not be reached")

    def _answer(self, payload: dict[str, Any]) -> web.Response:
        out = dict(payload)
        refresh = out.pop("refresh_token", None)
        if isinstance(refresh, str) and refresh:
            out["refresh_token"] = self.sealer.seal(refresh.encode())
        return web.json_response(out, headers={"Cache-Control": "no-store"})

    async def swap(self, request: web.Request) -> web.Response:
        form = await _form(request, "code", "redirect_uri", "code_verifier")
        if isinstance(form, web.Response):
            return form
        code = form.get("code")
        if code is None:
            return _error(400, "invalid_request", "code must be supplied")
        asked = form.get("redirect_uri")
        if asked is not None and asked != self.redirect_uri:
            return _error(400, "invalid_grant", "the code is for another redirect URI than this server's")
        grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri}
        if "code_verifier" in form:
            grant["code_verifier"] = form["code_verifier"]
        payload = await self._ask(request, grant)
        if isinstance(payload, web.Response):
            return payload
        log.debug("code swapped")
        return self._answer(payload)

    async def refresh(self, request: web.Request) -> web.Response:
        form = await _form(request, "refresh_token")
        if isinstance(form, web.Response):
            return form
        sealed = form.get("refresh_token")
        if sealed is None:
            return _error(400, "invalid_request", "refresh_token must be supplied")
        opened = self.sealer.open(sealed)
        if opened is None:
            return _error(400, "invalid_grant", "the refresh token was not issued by this server (or its key changed)")
        payload = await self._ask(request, {"grant_type": "refresh_token", "refresh_token": opened.decode()})
        if isinstance(payload, web.Response):
            return payload
        log.debug("token refreshed; refresh token %s", "rotated" if "refresh_token" in payload else "kept")
        return self._answer(payload)


def make_app(
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    *,
    accounts_base: str = ACCOUNTS_BASE,
    key: bytes | None = None,
    previous_keys: Iterable[bytes] = (),
    config: Config | None = None,
) -> web.Application:
    """The Token Swap server's application (see the module docstring). ``key`` (32 or more random bytes) seals the
    refresh tokens handed out; give every instance behind one balancer the same key. ``previous_keys`` still open
    refresh tokens sealed before a key change (their next refresh hands out one sealed with ``key``)."""
    if not isinstance(client_id, str) or not client_id:
        raise InvalidInput("client_id must be a non-empty string")
    if not isinstance(client_secret, str) or not client_secret:
        raise InvalidInput("client_secret must be a non-empty string")
    check_redirect_uri(redirect_uri)
    if key is None:
        log.warning("no sealing key given: refresh tokens handed out stop working when this server restarts")
        key = new_key()
    sealer = Sealer(key, "spotify_async token swap refresh token", previous=previous_keys)
    handlers = _Swap(client_id, client_secret, redirect_uri, sealer)
    app = web.Application(client_max_size=16 * 1024)
    app.router.add_post("/swap", handlers.swap)
    app.router.add_post("/refresh", handlers.refresh)
    config = config or Config()

    async def session(app: web.Application) -> Any:
        async with aiohttp.ClientSession(headers={"User-Agent": config.user_agent}) as http:
            app[_ACCOUNTS] = AccountsClient(http, accounts_base, config)
            yield

    app.cleanup_ctx.append(session)
    return app


# ---------------------------------------------------------------------------------------------------- command line


def configure(parser: argparse.ArgumentParser) -> None:
    """The options of ``python -m spotify_async swap-server``."""
    parser.description = (
        "Run a Token Swap server: public clients send it codes and sealed refresh tokens, it adds the client secret. "
        f"The secret is read from ${SECRET_ENV}, the sealing key from ${SWAP_KEY_ENV} (base64url of 32+ random "
        "bytes; without it a key is made at start and refresh tokens handed out stop working on restart), keys of "
        f"before a rotation from ${SWAP_PREVIOUS_KEYS_ENV} (comma-separated)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default: %(default)s)")
    parser.add_argument(
        "--client-id",
        default=os.environ.get("SPOTIFY_CLIENT_ID"),
        help="the app's client id (default: $SPOTIFY_CLIENT_ID)",
    )
    parser.add_argument(
        "--redirect-uri",
        default=os.environ.get("SPOTIFY_REDIRECT_URI"),
        help="the one redirect URI whose codes this server redeems (default: $SPOTIFY_REDIRECT_URI)",
    )
    parser.add_argument(
        "--accounts-base",
        default=ACCOUNTS_BASE,
        help="the accounts service (default: %(default)s; FakeSpotify's base in tests)",
    )


async def _serve(app: web.Application, host: str, port: int, stop: asyncio.Event) -> None:
    runner = web.AppRunner(app, access_log=None)  # an access log would show nothing secret, but nothing useful
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        print(f"token swap server listening on http://{host}:{port} (POST /swap, POST /refresh)", flush=True)
        await stop.wait()
    finally:
        await runner.cleanup()


def run(args: argparse.Namespace) -> int:
    """Run the server until SIGINT or SIGTERM; 2 on a configuration error (said on stderr)."""
    secret = os.environ.get(SECRET_ENV)
    try:
        if not args.client_id:
            raise InvalidInput("--client-id (or $SPOTIFY_CLIENT_ID) is required")
        if not args.redirect_uri:
            raise InvalidInput("--redirect-uri (or $SPOTIFY_REDIRECT_URI) is required")
        if not secret:
            raise InvalidInput(f"${SECRET_ENV} must hold the client secret (it is never taken from the command line)")
        raw_key = os.environ.get(SWAP_KEY_ENV)
        key = decode_key(raw_key) if raw_key else None
        raw_previous = os.environ.get(SWAP_PREVIOUS_KEYS_ENV, "")
        previous = [decode_key(k, name=SWAP_PREVIOUS_KEYS_ENV) for k in raw_previous.split(",") if k.strip()]
        if previous and key is None:
            raise InvalidInput(f"{SWAP_PREVIOUS_KEYS_ENV} needs {SWAP_KEY_ENV} (the key that seals from now on)")
        app = make_app(
            args.client_id, secret, args.redirect_uri, accounts_base=args.accounts_base, key=key, previous_keys=previous
        )
    except InvalidInput as exc:
        print(f"swap-server: {exc}", file=sys.stderr)
        return 2

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):  # pragma: no cover - Windows
                pass
        await _serve(app, args.host, args.port, stop)

    asyncio.run(main())
    return 0
