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

Browsers (a single-page app, a browser extension) may call it from other origins named in ``allowed_origins``
(``--allow-origin``): an explicit list, never a wildcard, as the answers carry tokens. See "CORS" below.

Errors: the accounts service's ``{"error", "error_description"}`` answers are passed on with their status;
unreachable accounts service is ``502 server_error``; bad requests are ``400 invalid_request``. Nothing secret
(the client secret, codes, tokens, the key) is logged or put in an answer other than the tokens themselves.

From the command line: ``python -m spotify_async swap-server --client-id ID --redirect-uri URI`` with
``SPOTIFY_CLIENT_SECRET`` (and ``SPOTIFY_SWAP_KEY``, base64url of 32 or more random bytes) in the environment;
:func:`configure` and :func:`run` are that command.

CORS. A browser lets a page of origin O read an answer from this server only if the answer says
``Access-Control-Allow-Origin: O``. A ``POST`` of a form with no other headers is a "simple" request, sent without a
preflight; a client that sends anything else first asks with ``OPTIONS`` (the preflight), and the server answers
that too. With ``allowed_origins`` empty (the default) the server sends no CORS headers and has no
``OPTIONS`` routes: exactly what it did before (aiohttp answers ``OPTIONS`` with 405). With a list:

* each origin is checked and normalised when the app is made (:func:`check_origin`): ``https://host[:port]``,
  ``http://`` only for a loopback host, or an extension's ``chrome-extension://<id>`` / ``moz-extension://<uuid>``;
  the scheme and host lowercased and a default port dropped, as browsers serialise the ``Origin`` header, which is
  then compared exactly (a different scheme or port is another origin);
* every answer to a request whose ``Origin`` is listed (successes and errors alike, as a page must be able to read
  an ``invalid_grant``) carries ``Access-Control-Allow-Origin`` with that origin, and every answer carries
  ``Vary: Origin`` (a cache must not hand one origin's answer to another). There is no
  ``Access-Control-Allow-Credentials``: the endpoints read form fields, never cookies;
* ``OPTIONS /swap`` and ``OPTIONS /refresh`` from a listed origin answer 204 with ``Access-Control-Allow-Methods:
  POST``, ``Access-Control-Allow-Headers: Content-Type`` and ``Access-Control-Max-Age`` (:data:`PREFLIGHT_MAX_AGE`);
  from any other origin (or none) 403 ``invalid_request``, with no CORS header, so the browser refuses the call.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import ipaddress
import logging
import os
import re
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

__all__ = [
    "ALLOWED_ORIGINS_ENV",
    "PREFLIGHT_MAX_AGE",
    "SECRET_ENV",
    "SWAP_KEY_ENV",
    "SWAP_PREVIOUS_KEYS_ENV",
    "check_origin",
    "configure",
    "decode_key",
    "make_app",
    "run",
]

log = logging.getLogger("spotify_async.swap")

#: where ``run`` reads the client secret and the sealing keys (never from the command line: it shows in ``ps``)
SECRET_ENV = "SPOTIFY_CLIENT_SECRET"
SWAP_KEY_ENV = "SPOTIFY_SWAP_KEY"
#: keys of before a rotation, comma-separated base64url: they still open refresh tokens they sealed
SWAP_PREVIOUS_KEYS_ENV = "SPOTIFY_SWAP_PREVIOUS_KEYS"
#: where ``--allow-origin`` takes its default: origins browsers may call from, comma-separated
ALLOWED_ORIGINS_ENV = "SPOTIFY_SWAP_ALLOWED_ORIGINS"
#: how long (seconds) a browser may keep a preflight's answer; Chromium caps it at 7200, Firefox at 86400
PREFLIGHT_MAX_AGE = 600

_ACCOUNTS: web.AppKey[AccountsClient] = web.AppKey("accounts", AccountsClient)
_ORIGINS: web.AppKey[frozenset[str]] = web.AppKey("allowed_origins", frozenset)
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


# ---------------------------------------------------------------------------------------------------- CORS

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORT = {"https": 443, "http": 80}
_HOST_PORT = re.compile(r"(?P<host>\[[^\]]*\]|[^:\[\]]+)(?::(?P<port>[^:]*))?")
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_CHROME_ID = re.compile(r"[a-p]{32}")
_MOZ_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_EXTENSION_ID = {"chrome-extension": (_CHROME_ID, "32 letters a-p"), "moz-extension": (_MOZ_UUID, "a UUID")}


def _host(text: str, origin: str) -> str:
    """The host of a web origin, lowercased (an IPv6 address bracketed and compressed)."""
    if text.startswith("["):  # _HOST_PORT has matched the closing "]"
        try:
            if "%" in text:  # a zone id: no browser puts one in a URL
                raise ValueError(text)
            return f"[{ipaddress.IPv6Address(text[1:-1]).compressed}]"
        except ValueError:
            raise InvalidInput(f"allowed origin {origin!r}: {text} is not an IPv6 address") from None
    host = text.lower()
    if not host.isascii():
        raise InvalidInput(f"allowed origin {origin!r}: write the host in its ASCII (xn--) form, as browsers send it")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in host.split(".")):
        raise InvalidInput(f"allowed origin {origin!r}: {text!r} is not a host name")
    return host


def check_origin(origin: str) -> str:
    """``origin`` checked and normalised as a browser serialises it in the ``Origin`` header, or
    :class:`~spotify_async.errors.InvalidInput` naming what is wrong.

    Accepted: ``https://host[:port]``; ``http://`` only for ``localhost``, ``127.0.0.1`` and ``[::1]`` (a page
    served over plain HTTP elsewhere can be altered on the way, and then so can what it does with the tokens);
    ``chrome-extension://<32 letters a-p>`` and ``moz-extension://<uuid>``. No path (not even ``/``), query,
    fragment, user info or wildcard. The scheme and host are lowercased and a default port (443, 80) is dropped."""
    if not isinstance(origin, str) or not origin.strip():
        raise InvalidInput("an allowed origin must be a non-empty string")
    if "*" in origin:
        raise InvalidInput(f"allowed origin {origin!r}: no wildcards; list each origin (the answers carry tokens)")
    if any(c.isspace() or not c.isprintable() for c in origin):
        raise InvalidInput(f"allowed origin {origin!r}: no spaces or control characters")
    scheme, sep, rest = origin.partition("://")
    scheme = scheme.lower()
    if not sep or not rest:
        raise InvalidInput(f"allowed origin {origin!r}: expected scheme://host, such as https://app.example")
    for mark, what in (("/", "path"), ("?", "query"), ("#", "fragment"), ("@", "user info")):
        if mark in rest:
            raise InvalidInput(f"allowed origin {origin!r}: an origin has no {what}; drop everything from {mark!r}")
    if scheme in _EXTENSION_ID:
        pattern, shape = _EXTENSION_ID[scheme]
        ident = rest.lower()
        if not pattern.fullmatch(ident):
            raise InvalidInput(f"allowed origin {origin!r}: a {scheme} origin is {scheme}://<id>, the id {shape}")
        return f"{scheme}://{ident}"
    if scheme not in _DEFAULT_PORT:
        raise InvalidInput(
            f"allowed origin {origin!r}: the scheme must be https (http for localhost), chrome-extension or "
            "moz-extension"
        )
    where = _HOST_PORT.fullmatch(rest)
    if where is None:
        raise InvalidInput(f"allowed origin {origin!r}: expected host or host:port after {scheme}://")
    host_text, port_text = where.group("host"), where.group("port")
    host = _host(host_text, origin)
    port = ""
    if port_text is not None:
        if not port_text.isdigit() or not port_text.isascii() or not 0 < int(port_text) < 65536:
            raise InvalidInput(f"allowed origin {origin!r}: the port must be a number from 1 to 65535")
        if int(port_text) != _DEFAULT_PORT[scheme]:
            port = f":{int(port_text)}"
    if scheme == "http" and host.strip("[]") not in _LOOPBACK:
        raise InvalidInput(
            f"allowed origin {origin!r}: http:// is allowed only for localhost, 127.0.0.1 and [::1]; use https://"
        )
    return f"{scheme}://{host}{port}"


class _Cors:
    """The CORS answers for one app's allow-list (see "CORS" in the module docstring)."""

    __slots__ = ("origins",)

    def __init__(self, origins: frozenset[str]) -> None:
        self.origins = origins

    async def headers(self, request: web.Request, response: web.StreamResponse) -> None:
        """``on_response_prepare``: every answer, errors and aiohttp's own 404/405 included."""
        vary = response.headers.get("Vary")
        if vary is None:
            response.headers["Vary"] = "Origin"
        elif "origin" not in {v.strip().lower() for v in vary.split(",")}:
            response.headers["Vary"] = f"{vary}, Origin"
        origin = request.headers.get("Origin")
        if origin is not None and origin in self.origins:
            response.headers["Access-Control-Allow-Origin"] = origin

    async def preflight(self, request: web.Request) -> web.Response:
        origin = request.headers.get("Origin")
        if origin is None or origin not in self.origins:
            log.debug("CORS preflight refused for an origin not on the list")
            return _error(403, "invalid_request", "this origin may not call the token swap server")
        headers = {
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type",
            "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
        }
        return web.Response(status=204, headers=headers)


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
    allowed_origins: Iterable[str] = (),
) -> web.Application:
    """The Token Swap server's application (see the module docstring). ``key`` (32 or more random bytes) seals the
    refresh tokens handed out; give every instance behind one balancer the same key. ``previous_keys`` still open
    refresh tokens sealed before a key change (their next refresh hands out one sealed with ``key``).
    ``allowed_origins`` are the browser origins that may call it (:func:`check_origin`; none by default)."""
    if not isinstance(client_id, str) or not client_id:
        raise InvalidInput("client_id must be a non-empty string")
    if not isinstance(client_secret, str) or not client_secret:
        raise InvalidInput("client_secret must be a non-empty string")
    check_redirect_uri(redirect_uri)
    if isinstance(allowed_origins, str):
        raise InvalidInput("allowed_origins must be a list of origins, not one string")
    origins = frozenset(check_origin(origin) for origin in allowed_origins)
    if key is None:
        log.warning("no sealing key given: refresh tokens handed out stop working when this server restarts")
        key = new_key()
    sealer = Sealer(key, "spotify_async token swap refresh token", previous=previous_keys)
    handlers = _Swap(client_id, client_secret, redirect_uri, sealer)
    app = web.Application(client_max_size=16 * 1024)
    app.router.add_post("/swap", handlers.swap)
    app.router.add_post("/refresh", handlers.refresh)
    app[_ORIGINS] = origins
    if origins:
        cors = _Cors(origins)
        app.router.add_route("OPTIONS", "/swap", cors.preflight)
        app.router.add_route("OPTIONS", "/refresh", cors.preflight)
        app.on_response_prepare.append(cors.headers)
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
    from_env = [o.strip() for o in os.environ.get(ALLOWED_ORIGINS_ENV, "").split(",") if o.strip()]
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
    parser.add_argument(
        "--allow-origin",
        dest="allowed_origins",
        metavar="ORIGIN",
        action="append",
        help="a browser origin that may call the server (CORS), such as https://app.example or "
        "chrome-extension://<id>; repeat for more; never a wildcard "
        f"(default: ${ALLOWED_ORIGINS_ENV}, comma-separated; none: no CORS headers)",
    )
    parser.set_defaults(_origins_from_env=from_env)


async def _serve(app: web.Application, host: str, port: int, stop: asyncio.Event) -> None:
    runner = web.AppRunner(app, access_log=None)  # an access log would show nothing secret, but nothing useful
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        allowed: frozenset[str] = app[_ORIGINS]
        origins = ", ".join(sorted(allowed)) or "none"
        print(
            f"token swap server listening on http://{host}:{port} (POST /swap, POST /refresh; "
            f"browser origins allowed: {origins})",
            flush=True,
        )
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
        origins = args.allowed_origins if args.allowed_origins is not None else args._origins_from_env
        app = make_app(
            args.client_id,
            secret,
            args.redirect_uri,
            accounts_base=args.accounts_base,
            key=key,
            previous_keys=previous,
            allowed_origins=origins,
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
