"""FakeSpotify: a real aiohttp.web server on 127.0.0.1 that behaves like the Spotify Web API and accounts service.

One catch-all aiohttp route feeds :meth:`FakeSpotify._handle`, which does what Spotify's edge does before any
endpoint runs, in this order: count the request, apply an injected fault if one matches, apply the app's hidden
rolling-window rate limit, sleep the simulated latency, check the bearer token, refuse operations the app's mode
lacks, refuse a page size or an id list over the spec's maximum (the Route's ``page_limit``/``batch_max``: the fake
is never more lenient than the spec), then call the operation's handler. Handlers raise
:class:`._util.ApiError` for Spotify's error bodies; faults that rewrite an answer (wrong totals, ``null`` entries,
cursors that do not advance...) apply to the handler's JSON afterwards. Everything runs on the event loop; nothing
blocks.

Latency of refusals: a 429 from the hidden limit has no work behind it, so a real server answers it at once, while the
requests it accepted in the same burst are still being served; the 429s of a burst come back *first*. A client that
reads "nothing was accepted yet" into that moment learns a pace far below the limit. The fake answers the same way:
``rate_limited_latency`` (0 by default) is the delay of a refusal, ``latency`` that of every other request.
``rate_limited_latency=None`` gives refusals the full ``latency`` (the emulator's behaviour before; it hides the
problem, so use it only to reproduce an old result). The limit counts a request at its arrival, as Spotify's does.

Handlers are found by operationId. The route table (:data:`spotify_async.http.routes.ALL_ROUTES`) says which
method and path are which operation; the built-in handlers (:mod:`._routes`) are registered by operationId alone.
Each instance starts from a copy of them, and :meth:`FakeSpotify.handle` replaces one (or adds an operation the
table lacks, with its method and path) on that instance only: the edge above still runs first, so a replaced
handler sees only requests Spotify would have let through.

Counting conventions (:class:`Stats`): ``requests`` counts every request to the API and the accounts service
(``/_fake/*`` introspection excluded); ``api_requests`` only ``/v1``; ``token_requests`` only ``POST /api/token``;
``arrivals`` holds the arrival times (``time.monotonic()``) of ``/v1`` requests, 429s included; ``by_operation``
counts the spec's operationId (or ``"METHOD /path"`` for the accounts service and unknown paths); ``answered`` counts,
per operationId, the requests the fake answered with a success (2xx or 304), and ``not_modified`` the 304s.

Caching headers follow the live API as reported publicly: successful GETs carry ``Cache-Control`` (search
``public, max-age=120``; catalog reads ``public, max-age=0``; everything else ``private, max-age=0``), and the
playlist reads (a playlist, its items, the current user's and a user's playlists) carry an ``ETag`` (a digest of the
body) and answer ``304 Not Modified`` with no body to a matching ``If-None-Match``. Those facts, and the status a
withdrawn operation answers a development-mode app, are read from the route table (``Route.cache_control``,
``Route.etag``, ``Route.dev_refusal``), the one place they are kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import random
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import get_close_matches
from inspect import isawaitable
from types import TracebackType
from typing import Any, TypeVar, overload
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import orjson
from aiohttp import web

from ..errors import InvalidInput
from ..http.routes import ALL_ROUTES, PRIVATE_CACHE_CONTROL, Route
from ._accounts import SCOPES, Accounts
from ._catalog import Catalog
from ._control import check_operation
from ._fields import FIELDS_OPERATIONS, parse_fields, project
from ._options import ErrorShape, FakeMode, FaultKind, PlaylistShape, RefreshRotation, check_choice, choices
from ._routes import DEFAULT_HANDLERS, UNSERVED, Handler, RequestContext, Router
from ._util import ApiError, error_body, error_response, json_response, parse_limit, raw_json_response
from ._world import World

__all__ = ["Fault", "FakeSpotify", "Stats"]

#: the router of the route table, shared by every instance that adds no operation of its own
_ROUTER = Router(ALL_ROUTES.values())
_H = TypeVar("_H", bound=Handler)
_DEFAULT_MESSAGES = {
    400: "Bad request",
    401: "Invalid access token",
    403: "Forbidden",
    404: "Resource not found",
    429: "API rate limit exceeded",
    500: "Server error.",
    502: "Bad gateway.",
    503: "Service unavailable",
    504: "Gateway timeout.",
}
#: faults that replace the answer before any endpoint runs, and faults that rewrite the endpoint's JSON answer
FAULT_KINDS: tuple[FaultKind, ...] = choices(FaultKind)
_REWRITES: frozenset[FaultKind] = frozenset(
    {"total", "empty_page", "next_null", "null_entry", "cursor_repeat", "next_drops_params", "spec_shape"}
)


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    candidates = [c.strip() for c in header.split(",")]
    return "*" in candidates or etag in candidates or f"W/{etag}" in candidates


def _seconds(name: str, value: float) -> float:
    seconds = float(value)
    if not seconds >= 0 or math.isinf(seconds):
        raise ValueError(f"{name} must be a finite number of seconds >= 0, got {value!r}")
    return seconds


class Stats:
    """Counters of what the fake received. Plain attributes: read them, or call :meth:`reset`."""

    def __init__(self, max_arrivals: int = 500_000) -> None:
        self._max_arrivals = max_arrivals
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.api_requests = 0
        self.token_requests = 0
        self.rate_limited = 0
        self.faults_applied = 0
        self.by_operation: Counter[str] = Counter()
        self.by_status: Counter[int] = Counter()
        #: requests answered with a success (2xx or 304), per operationId
        self.answered: Counter[str] = Counter()
        #: 304 Not Modified answers (revalidations that saved a body)
        self.not_modified = 0
        #: arrival times (time.monotonic()) of /v1 requests, bounded
        self.arrivals: deque[float] = deque(maxlen=self._max_arrivals)
        #: arrival times of the /v1 requests the hidden rate limit let through (only recorded when one is set)
        self.admitted: deque[float] = deque(maxlen=self._max_arrivals)

    def max_in_window(self, window_s: float, *, admitted: bool = False) -> int:
        """The most /v1 requests that arrived within any ``window_s``-second span (with ``admitted=True``, only
        those the hidden rate limit let through: never more than its limit)."""
        times = list(self.admitted if admitted else self.arrivals)
        best = 0
        lo = 0
        for hi, t in enumerate(times):
            while t - times[lo] >= window_s:
                lo += 1
            best = max(best, hi - lo + 1)
        return best

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "api_requests": self.api_requests,
            "token_requests": self.token_requests,
            "rate_limited": self.rate_limited,
            "faults_applied": self.faults_applied,
            "by_operation": dict(self.by_operation),
            "by_status": {str(k): v for k, v in self.by_status.items()},
            "answered": dict(self.answered),
            "not_modified": self.not_modified,
            "arrivals": list(self.arrivals),
        }


@dataclass
class Fault:
    """One injected misbehaviour; ``times`` None means every matching request until :meth:`clear_faults`."""

    kind: FaultKind
    times: int | None = 1
    method: str | None = None
    path: str | None = None
    status: int | None = None
    headers: dict[str, str] | None = None
    body: Any = None
    seconds: float | None = None
    reason: str | None = None
    #: the parameter of the JSON-rewriting kinds (``total``: the total to claim; ``null_entry``: the positions;
    #: ``error_shape``: ``"legacy"`` or ``"problem"``)
    value: Any = None
    applied: int = field(default=0)

    def matches(self, method: str, path: str, api_path: str | None) -> bool:
        if self.times is not None and self.applied >= self.times:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        if self.path is None:
            return True
        return path.startswith(self.path) or (api_path is not None and api_path.startswith(self.path))


class _RollingWindow:
    """Spotify's hidden per-app limit: at most ``limit`` accepted requests in any ``window`` seconds."""

    def __init__(self, limit: int, window: float) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("rate limit needs limit >= 1 and window > 0")
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}

    def admit(self, client_id: str, now: float) -> float | None:
        """None if admitted (and recorded), else the seconds until a slot frees."""
        hits = self._hits.get(client_id)
        if hits is None:
            hits = self._hits[client_id] = deque()
        cutoff = now - self.window
        while hits and hits[0] <= cutoff:
            hits.popleft()
        if len(hits) >= self.limit:
            return hits[0] + self.window - now
        hits.append(now)
        return None


class FakeSpotify:
    """A running emulator of the Spotify Web API and accounts service (see the module docstring).

    ``mode``, ``refresh_rotation`` and ``playlist_shape`` take the values of their ``Literal`` types
    (:data:`~spotify_async.testing.FakeMode`, ...; anything else raises :class:`~spotify_async.errors.InvalidInput`).
    ``handlers`` maps operationIds of the route table to handlers this instance answers them with, as
    :meth:`handle` does."""

    def __init__(
        self,
        seed: int = 0,
        *,
        latency: float = 0.0,
        rate_limit: tuple[int, float] | None = None,
        rate_limited_latency: float | None = 0.0,
        token_expires_in: float = 3600,
        mode: FakeMode = "extended",
        big_playlist_size: int = 10_000,
        validate_requests: bool = False,
        validate_responses: bool = False,
        refresh_rotation: RefreshRotation = "none",
        playlist_shape: PlaylistShape | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        spec_path: str | None = None,
        artists: int = 200,
        handlers: Mapping[str, Handler] | None = None,
    ) -> None:
        check_choice("mode", mode, FakeMode)
        if playlist_shape is None:
            # 2026 live recordings: both names side by side; development mode gets only the new names
            playlist_shape = "both" if mode == "extended" else "new"
        check_choice("playlist_shape", playlist_shape, PlaylistShape)
        self.seed = seed
        self.mode: FakeMode = mode
        self.host = host
        self._port = port
        self.playlist_shape: PlaylistShape = playlist_shape
        self.validate_requests = validate_requests
        self.spec_path = spec_path
        #: request violations found when ``validate_requests`` is on
        self.spec_violations: list[str] = []
        #: the fake's own responses that do not match the spec, when ``validate_responses`` is on (a test aid)
        self.validate_responses = validate_responses
        self.response_violations: list[str] = []
        self._latency = _seconds("latency", latency)
        self._rate_limited_latency = (
            None if rate_limited_latency is None else _seconds("rate_limited_latency", rate_limited_latency)
        )
        self._limiter = _RollingWindow(*rate_limit) if rate_limit is not None else None
        rng = random.Random(seed)
        self.client_id = f"{rng.getrandbits(128):032x}"
        self.client_secret = f"{rng.getrandbits(128):032x}"
        #: how many artists the catalog has (200 make about 7,200 tracks; the bot benchmark asks for more)
        self.catalog = Catalog.shared(seed, big_playlist_size=big_playlist_size, n_artists=artists)
        self.accounts = Accounts(self.client_id, self.client_secret, token_expires_in, refresh_rotation)
        self.accounts.login_user = self.catalog.users[0]
        self.stats = Stats()
        self._faults: list[Fault] = []
        #: this instance's handlers by operationId (a copy of the built-in ones, changed by handle())
        self._handlers: dict[str, Handler] = dict(DEFAULT_HANDLERS)
        #: operations this instance added (not in the route table), and the router that also knows them
        self._added: dict[str, Route] = {}
        self._router = _ROUTER
        for operation_id, handler in (handlers or {}).items():
            self.handle(operation_id, handler)
        self._runner: web.AppRunner | None = None
        self._world: World | None = None
        self._validator: Any = None
        self.api_base = ""
        self.accounts_base = ""
        self.port = 0

    # ---- lifecycle --------------------------------------------------------------------------------------------

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("FakeSpotify already started")
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self._port, backlog=1024)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        sockname = runner.addresses[0]
        self.port = int(sockname[1])
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.accounts_base = f"http://{host}:{self.port}"
        self.api_base = f"{self.accounts_base}/v1"
        self._world = World(self.catalog, self.api_base, self.mode, self.accounts, self.playlist_shape, self.seed)
        if self.validate_requests or self.validate_responses:
            from ._spec import RequestValidator

            self._validator = await RequestValidator.load(self.spec_path)

    async def close(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> FakeSpotify:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<FakeSpotify {self.api_base or '(not started)'} mode={self.mode} seed={self.seed}>"

    @property
    def world(self) -> World:
        if self._world is None:
            raise RuntimeError("FakeSpotify is not started")
        return self._world

    # ---- knobs ------------------------------------------------------------------------------------------------

    def set_rate_limit(self, limit: int | None, window: float = 30.0) -> None:
        """Turn the hidden per-app rolling-window limit on (``limit`` requests per ``window`` s) or off (None)."""
        self._limiter = _RollingWindow(limit, window) if limit is not None else None

    def set_latency(self, seconds: float) -> None:
        """Seconds every API request takes, except the 429s of the hidden limit (see :meth:`set_rate_limited_latency`)."""
        self._latency = _seconds("latency", seconds)

    def set_rate_limited_latency(self, seconds: float | None) -> None:
        """Seconds a 429 of the hidden limit takes: 0 answers at once, as a real server does; None: ``latency``."""
        self._rate_limited_latency = None if seconds is None else _seconds("rate_limited_latency", seconds)

    @property
    def latency(self) -> float:
        return self._latency

    @property
    def rate_limited_latency(self) -> float:
        """The delay of a 429 from the hidden limit now in force (``latency`` when set to None)."""
        return self._latency if self._rate_limited_latency is None else self._rate_limited_latency

    @property
    def login_user(self) -> str:
        """The user ``GET /authorize`` logs in (a catalog user id)."""
        return self.accounts.login_user

    @login_user.setter
    def login_user(self, user_id: str) -> None:
        if user_id not in self.catalog.user_by_id:
            raise ValueError(f"unknown user {user_id!r}: pick one of fake.catalog.users")
        self.accounts.login_user = user_id

    @property
    def authorize_approves(self) -> bool:
        """False makes ``GET /authorize`` redirect with ``error=access_denied`` (the user clicked Cancel)."""
        return self.accounts.approve

    @authorize_approves.setter
    def authorize_approves(self, value: bool) -> None:
        self.accounts.approve = value

    def add_app(self) -> tuple[str, str]:
        """Register another app; returns its (client_id, client_secret). Each app has its own rate budget."""
        cid, secret = secrets.token_hex(16), secrets.token_hex(16)
        self.accounts.apps[cid] = secret
        return cid, secret

    def issue_user_token(
        self, user_id: str | None = None, scopes: str | frozenset[str] | None = None, client_id: str | None = None
    ) -> dict[str, Any]:
        """A token response for a user, as if they had authorized (skips the browser step in tests).
        ``scopes`` defaults to every scope; a string is space-separated."""
        uid = user_id or self.accounts.login_user
        if uid not in self.catalog.user_by_id:
            raise ValueError(f"unknown user {uid!r}")
        if scopes is None:
            scope_set = SCOPES
        elif isinstance(scopes, str):
            scope_set = frozenset(scopes.split())
        else:
            scope_set = frozenset(scopes)
        cid = client_id or self.client_id
        access = self.accounts.issue_access(cid, uid, scope_set)
        refresh = self.accounts.issue_refresh(cid, uid, scope_set)
        return self.accounts.token_payload(access, refresh)

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expired (the next call with one answers 401)."""
        self.accounts.expire_access_tokens()

    def expire_refresh_tokens(self, refresh_token: str | None = None) -> None:
        """Expire one refresh token, or all of them: refreshing then answers ``invalid_grant``."""
        self.accounts.expire_refresh_tokens(refresh_token)

    # ---- handlers ---------------------------------------------------------------------------------------------

    @overload
    def handle(
        self, operation_id: str, *, method: str | None = None, path: str | None = None
    ) -> Callable[[_H], _H]: ...

    @overload
    def handle(self, operation_id: str, handler: _H, *, method: str | None = None, path: str | None = None) -> _H: ...

    def handle(
        self, operation_id: str, handler: Handler | None = None, *, method: str | None = None, path: str | None = None
    ) -> Any:
        """Answer ``operation_id`` with ``handler`` on this instance only (other instances keep theirs); without
        ``handler``, a decorator that does it.

        ``handler`` is a function or coroutine function of a :class:`~spotify_async.testing.RequestContext`
        (``.request``, ``.query``, ``.params``, ``.token``, ``.world``: the fake's catalogue and users' state). It
        returns an aiohttp response, sent as it is, or a JSON value, sent as ``200`` (``None``: ``204``); it raises
        :class:`~spotify_async.testing.ApiError` for one of Spotify's error bodies. Everything before the handler
        still runs (counting, faults, latency, the token, the rate limit, development mode, the spec's maxima), and
        so do the caching headers and rewriting faults after it.

        An operationId of the route table takes its method and path from there. Any other adds an operation to this
        instance: give its ``method`` and ``path`` (a template below ``/v1``, e.g. ``/albums/{id}/credits``).
        :meth:`restore_handler` undoes either."""
        if not isinstance(operation_id, str) or not operation_id:
            raise InvalidInput(f"an operationId must be a non-empty string, got {operation_id!r}")
        if method is not None and (not isinstance(method, str) or not method.isalpha()):
            raise InvalidInput(f"method must be an HTTP method such as 'GET', got {method!r}")
        if path is not None and (
            not isinstance(path, str)
            or not path.startswith("/")
            or path.startswith("/v1/")
            or "?" in path
            or "#" in path
        ):
            raise InvalidInput(f"path must be a template below /v1 such as '/albums/{{id}}/credits', got {path!r}")
        if handler is None:

            def deco(fn: _H) -> _H:
                self.handle(operation_id, fn, method=method, path=path)
                return fn

            return deco
        if not callable(handler):
            raise InvalidInput(f"the handler of {operation_id!r} must be callable, got {type(handler).__name__}")
        route = ALL_ROUTES.get(operation_id)
        if route is not None:
            asked = (method.upper() if method is not None else route.method, path or route.path)
            if asked != (route.method, route.path):
                raise InvalidInput(
                    f"{operation_id!r} is {route.method} {route.path} in the route table, not {asked[0]} {asked[1]}"
                )
        elif operation_id in self._added:
            route = self._added[operation_id]
            if (method is not None and method.upper() != route.method) or (path is not None and path != route.path):
                raise InvalidInput(f"{operation_id!r} was added as {route.method} {route.path}")
        else:
            self._add_operation(operation_id, method, path)
        self._handlers[operation_id] = handler
        return handler

    def _add_operation(self, operation_id: str, method: str | None, path: str | None) -> None:
        if method is None or path is None:
            close = get_close_matches(operation_id, ALL_ROUTES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InvalidInput(
                f"{operation_id!r} is not in the route table{hint}: to add it, give its method= and path="
            )
        verb = method.upper()
        for other in (*ALL_ROUTES.values(), *self._added.values()):
            if (other.method, other.path) == (verb, path):
                raise InvalidInput(f"{verb} {path} is already {other.operation_id!r}: replace that one instead")
        self._added[operation_id] = Route(verb, path, operation_id)
        self._router = Router((*ALL_ROUTES.values(), *self._added.values()))

    def restore_handler(self, operation_id: str) -> None:
        """Undo :meth:`handle` for ``operation_id``: the built-in handler again, or, for an operation this instance
        added, no such operation."""
        if operation_id in self._added:
            del self._added[operation_id], self._handlers[operation_id]
            self._router = Router((*ALL_ROUTES.values(), *self._added.values())) if self._added else _ROUTER
        elif operation_id in DEFAULT_HANDLERS:
            self._handlers[operation_id] = DEFAULT_HANDLERS[operation_id]
        elif operation_id in UNSERVED:
            self._handlers.pop(operation_id, None)
        else:
            raise InvalidInput(f"{operation_id!r} is neither in the route table nor added to this fake")

    # ---- faults -----------------------------------------------------------------------------------------------

    def inject(
        self,
        kind: FaultKind,
        *,
        times: int | None = 1,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        seconds: float | None = None,
        reason: str | None = None,
        value: Any = None,
    ) -> Fault:
        """Queue a fault for the next ``times`` requests matching ``method`` and the ``path`` prefix (matched
        against the full path and the path below ``/v1``). Faults are consumed in the order injected.

        Answers replaced before any endpoint runs:

        * ``"status"``: answer ``status`` with Spotify's error body, or ``body``/``headers``; ``reason`` adds e.g.
          ``QUOTA_EXCEEDED``.
        * ``"reset"``: drop the connection without answering. To the client this is also what a kept-alive
          connection the server has already closed looks like.
        * ``"stall"``: wait ``seconds`` first, then answer normally or with ``status``.
        * ``"error_shape"``: answer ``status`` (default 500) with a JSON error body of another shape:
          ``value="legacy"`` (default) ``{"error": {"type", "description"}}``, or ``value="problem"`` an
          ``application/problem+json`` body (``type``, ``title``, ``status``, ``detail``).
        * ``"not_modified"``: ``304 Not Modified`` with an empty body, whatever the request asked.

        Answers the endpoint gives, then rewritten (the first offset or cursor page found in the JSON: the body
        itself, or one of its values such as ``tracks`` in a search answer or ``artists`` in followed artists):

        * ``"malformed"``: 200 with truncated JSON.
        * ``"total"``: the page claims ``total=value`` (default 30,000,000) and a ``next`` as long as that total
          says there are more; an offset beyond the real end answers an empty page (search totals are estimates).
        * ``"empty_page"``: the page's ``items`` are ``[]``; ``total`` and ``next`` are left as they were.
        * ``"next_null"``: the page's ``next`` is ``null`` although ``total`` says there are more.
        * ``"null_entry"``: the entries at positions ``value`` (an int or a list; default 0) become ``null``, as
          Spotify answers an item it cannot resolve. On a body without a page, the first list of objects found
          (``images`` of a playlist, say) gets them.
        * ``"cursor_repeat"``: a cursor page's ``next`` names the cursor the request was sent with (the server
          does not advance).
        * ``"next_drops_params"``: a page's ``next`` keeps only its cursor, ``offset`` and ``limit``: every other
          query parameter of the request (``type=artist``...) is gone from it.
        * ``"spec_shape"``: the answer takes the spec's shape where the live API (and the fake) differ
          (``SPEC_DIVERGENCES.md``): chapters say ``"type": "episode"``, saved audiobooks come wrapped in
          ``{"added_at", "audiobook"}``."""
        check_choice("fault kind", kind, FaultKind)
        if kind == "stall" and seconds is None:
            raise InvalidInput("a stall needs seconds=")
        if kind == "error_shape" and value is not None:
            check_choice("an error_shape fault's value", value, ErrorShape)
        fault = Fault(
            kind, times, method, path, status, dict(headers) if headers else None, body, seconds, reason, value
        )
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self._faults.clear()

    def _take_fault(self, method: str, path: str, api_path: str | None) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method, path, api_path):
                fault.applied += 1
                self.stats.faults_applied += 1
                return fault
        if self._faults:
            self._faults = [f for f in self._faults if f.times is None or f.applied < f.times]
        return None

    def _fault_response(self, fault: Fault, accounts: bool) -> web.Response:
        status = fault.status or 500
        headers = dict(fault.headers or {})
        if fault.body is not None:
            body = fault.body
            if isinstance(body, (dict, list)):
                raw = orjson.dumps(body)
                headers.setdefault("Content-Type", "application/json; charset=utf-8")
            elif isinstance(body, str):
                raw = body.encode()
            else:
                raw = bytes(body)
            resp = web.Response(body=raw, status=status)
            resp.headers.update(headers)
            return resp
        message = _DEFAULT_MESSAGES.get(status, "Error")
        if accounts:
            return json_response({"error": "server_error", "error_description": message}, status, headers)
        return error_response(status, message, fault.reason, headers)

    # ---- request handling -------------------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/v1/"):
            return await self._api(request, path)
        if path.startswith("/_fake/"):
            if path == "/_fake/stats":
                return json_response(self.stats.as_dict())
            if path == "/_fake/control" and request.method == "POST":
                return await self._control(request)
            return error_response(404, "Service not found")
        stats = self.stats
        stats.requests += 1
        method = request.method
        stats.by_operation[f"{method} {path}"] += 1
        if path == "/api/token":
            stats.token_requests += 1
        fault = self._take_fault(method, path, None) if self._faults else None
        if fault is not None:
            early = await self._apply_fault_early(fault, request, accounts=True)
            if early is not None:
                return self._count(early)
        resp: web.StreamResponse
        if path == "/api/token":
            if stats.token_requests % 1000 == 0:
                self.accounts.sweep()
            resp = await self.accounts.token(request)
        elif path == "/authorize":
            resp = self.accounts.authorize(request)
        else:
            resp = error_response(404, "Service not found")
        if fault is not None and fault.kind == "malformed":
            resp = self._malform(fault, resp)
        return self._count(resp)

    async def _control(self, request: web.Request) -> web.Response:
        """Remote knobs for a fake in another process (FakeSpotifyProcess.control): one row of the table in
        :mod:`._control` per operation."""
        try:
            payload = orjson.loads(await request.read())
            if not isinstance(payload, dict):
                raise InvalidInput('a control request is a JSON object {"op": ..., "args": {...}}')
            args = payload.get("args") or {}
            if not isinstance(args, dict):
                raise InvalidInput(f"a control request's args must be an object, got {type(args).__name__}")
            try:
                row = check_operation(payload.get("op"))
            except InvalidInput as exc:
                return error_response(400, str(exc))
            result = row.run(self, **args)
        except (KeyError, TypeError, ValueError, orjson.JSONDecodeError) as exc:
            return error_response(400, f"bad control request: {exc}")
        return json_response({"ok": True, "result": result})

    def _count(self, resp: web.StreamResponse) -> web.StreamResponse:
        self.stats.by_status[resp.status] += 1
        if resp.status == 429:
            self.stats.rate_limited += 1
        return resp

    async def _apply_fault_early(self, fault: Fault, request: web.Request, accounts: bool) -> web.StreamResponse | None:
        """A response that replaces normal handling, or None to continue (after a stall)."""
        if fault.kind == "status":
            return self._fault_response(fault, accounts)
        if fault.kind == "reset":
            transport = request.transport
            if transport is not None:
                transport.abort()
            # nothing reaches the client: the connection is gone; aiohttp discards this response
            raise asyncio.CancelledError
        if fault.kind == "stall":
            await asyncio.sleep(fault.seconds or 0.0)
            if fault.status is not None:
                return self._fault_response(fault, accounts)
        if fault.kind == "error_shape":
            return _odd_error(fault)
        if fault.kind == "not_modified":
            return web.Response(status=304)
        return None

    def _malform(self, fault: Fault, resp: web.StreamResponse) -> web.StreamResponse:
        if fault.body is not None:
            raw = fault.body if isinstance(fault.body, bytes) else str(fault.body).encode()
        else:
            full = resp.body if isinstance(resp, web.Response) and isinstance(resp.body, bytes) else b'{"a": 1}'
            if len(full) < 2:
                full = b'{"error": {"status": 200}}'
            raw = full[: max(1, len(full) // 2)]
        out = web.Response(body=raw, status=fault.status or 200)
        out.headers["Content-Type"] = "application/json; charset=utf-8"
        return out

    async def _api(self, request: web.Request, full_path: str) -> web.StreamResponse:
        stats = self.stats
        now = time.monotonic()
        stats.requests += 1
        stats.api_requests += 1
        stats.arrivals.append(now)
        method = request.method
        api_path = full_path[3:]
        if len(api_path) > 1 and api_path.endswith("/"):
            api_path = api_path.rstrip("/")
        route, params, other_method = self._router.find(method, api_path)
        op = route.operation_id if route is not None else f"{method} {api_path}"
        stats.by_operation[op] += 1
        fault = self._take_fault(method, full_path, api_path) if self._faults else None
        if fault is not None:
            early = await self._apply_fault_early(fault, request, accounts=False)
            if early is not None:
                return self._count(early)
        if self._limiter is not None:
            refused = self._refuse_over_limit(request)
            if refused is not None:
                # nothing was done for a refused request: it goes back after rate_limited_latency, not latency
                delay = self.rate_limited_latency
                if delay > 0:
                    await asyncio.sleep(delay)
                return self._count(refused)
        if self._latency > 0:
            await asyncio.sleep(self._latency)
        try:
            resp = await self._dispatch(request, route, params, other_method, api_path)
        except ApiError as exc:
            body = orjson.dumps(error_body(exc.status, exc.message, exc.reason))
            resp = web.Response(body=body, status=exc.status)
            resp.headers["Content-Type"] = "application/json; charset=utf-8"
            if exc.headers:
                resp.headers.update(exc.headers)
        if method == "GET" and route is not None and resp.status == 200 and isinstance(resp, web.Response):
            resp = self._cache_headers(request, route, resp)
        if resp.status < 300 or resp.status == 304:
            stats.answered[op] += 1
            if resp.status == 304:
                stats.not_modified += 1
        if fault is not None and fault.kind == "malformed":
            resp = self._malform(fault, resp)
        elif fault is not None and fault.kind in _REWRITES:
            resp = _rewrite(fault, request, resp)
        elif self.validate_responses and self._validator is not None and route is not None:
            await self._validator.check_response(request, api_path, resp, self.response_violations)
        return self._count(resp)

    @staticmethod
    def _cache_headers(request: web.Request, route: Route, resp: web.Response) -> web.Response:
        """Cache-Control on every successful GET; an ETag (and 304 when it matches) on the playlist reads."""
        cache_control = route.cache_control or PRIVATE_CACHE_CONTROL
        resp.headers["Cache-Control"] = cache_control
        if not route.etag or not isinstance(resp.body, bytes):
            return resp
        etag = '"' + hashlib.blake2b(resp.body, digest_size=10).hexdigest() + '"'
        if _etag_matches(request.headers.get("If-None-Match"), etag):
            return web.Response(status=304, headers={"ETag": etag, "Cache-Control": cache_control})
        resp.headers["ETag"] = etag
        return resp

    def _refuse_over_limit(self, request: web.Request) -> web.Response | None:
        """Spotify's 429 for a request over its app's hidden limit, or None (admitted and counted, or not
        authenticated: ``_dispatch`` answers that). The request counts against the limit at its arrival."""
        limiter = self._limiter
        if limiter is None:
            return None
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, value = header.partition(" ")
        token = self.accounts.access.get(value.strip()) if scheme.lower() == "bearer" else None
        now = time.monotonic()
        if token is None or token.expires_at <= now:
            return None
        wait = limiter.admit(token.client_id, now)
        if wait is None:
            self.stats.admitted.append(now)
            return None
        return error_response(429, "API rate limit exceeded", None, {"Retry-After": str(max(1, math.ceil(wait)))})

    async def _dispatch(
        self,
        request: web.Request,
        route: Route | None,
        params: dict[str, str],
        other_method: bool,
        api_path: str,
    ) -> web.StreamResponse:
        world = self.world
        header = request.headers.get("Authorization")
        if header is None:
            raise ApiError(401, "No token provided")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            raise ApiError(400, "Only valid bearer authentication supported")
        token = self.accounts.access.get(value.strip())
        if token is None:
            raise ApiError(401, "Invalid access token")
        if token.expires_at <= time.monotonic():
            raise ApiError(401, "The access token expired")
        if route is None:
            if other_method:
                raise ApiError(405, "Method not allowed")
            raise ApiError(404, "Service not found")
        operation_id = route.operation_id
        if self.mode == "development" and not route.dev_mode_available:
            self._refuse_dev(route)
        _check_spec_maxima(route, request.query)
        if self._validator is not None and self.validate_requests:
            await self._validator.check(request, api_path, self.spec_violations)
        handler = self._handlers.get(operation_id)
        if handler is None:
            raise ApiError(501, f"FakeSpotify does not serve {operation_id}")
        result = handler(RequestContext(world, request, request.query, params, token, operation_id))
        if isawaitable(result):
            result = await result
        if operation_id in FIELDS_OPERATIONS and "fields" in request.query:
            result = _projected(result, parse_fields(request.query["fields"]))
        if isinstance(result, web.StreamResponse):
            return result
        if result is None:
            return web.Response(status=204)
        try:
            return raw_json_response(orjson.dumps(result, default=_plain_json))
        except orjson.JSONEncodeError as exc:
            raise ApiError(500, f"the handler of {operation_id} returned something that is not JSON: {exc}") from None

    @staticmethod
    def _refuse_dev(route: Route) -> None:
        # Operations Spotify withdrew from development-mode apps, answered as users report them (``Route.dev_refusal``):
        # the February 2026 removals and the 2024 audio features/analysis restrictions answer 403; the other 2024
        # restrictions (recommendations, genre seeds, related artists, featured and category playlists) 404.
        if route.dev_refusal == 404:
            raise ApiError(404, "Resource not found")
        raise ApiError(403, "Forbidden")


def _plain_json(value: object) -> object:
    """What orjson does not serialise itself but a handler may return: any mapping as a dict, any sequence as a
    list (bytes and everything else stay refused)."""
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _check_spec_maxima(route: Route, query: Mapping[str, str]) -> None:
    """Spotify's answer to a page size or an id list over the spec's maximum (the Route's figures, which a test
    compares with openapi.yml): the fake is never more lenient than the spec, so an SDK that drifts fails here."""
    if route.page_limit is not None and "limit" in query:
        parse_limit(query, 1, route.page_limit)
    if route.batch_max is not None:
        for key in ("ids", "uris"):
            value = query.get(key)
            if value and len(value.split(",")) > route.batch_max:
                raise ApiError(400, "Too many ids requested")


# ---- JSON-rewriting faults ----------------------------------------------------------------------------------------


def _odd_error(fault: Fault) -> web.Response:
    status = fault.status or 500
    message = _DEFAULT_MESSAGES.get(status, "Error")
    if fault.value == "problem":
        problem = {
            "type": "https://developer.spotify.com/problems/server-error",
            "title": message,
            "status": status,
            "detail": f"{message} (a problem+json body)",
        }
        return raw_json_response(orjson.dumps(problem), status, {"Content-Type": "application/problem+json"})
    legacy = {"error": {"type": "server_error", "description": f"{message} (a legacy error body)"}}
    return raw_json_response(orjson.dumps(legacy), status)


def _find_page(data: Any) -> dict[str, Any] | None:
    """The offset or cursor page in an answer: the body itself, or the first of its values that is one."""
    candidates = [data, *data.values()] if isinstance(data, dict) else []
    for candidate in candidates:
        if isinstance(candidate, dict) and isinstance(candidate.get("items"), list) and "limit" in candidate:
            return candidate
    return None


def _first_object_list(data: Any) -> list[Any] | None:
    if isinstance(data, list):
        if data and all(isinstance(e, dict) for e in data):
            return data
        candidates: list[Any] = data
    elif isinstance(data, dict):
        candidates = list(data.values())
    else:
        return None
    for value in candidates:
        found = _first_object_list(value)
        if found is not None:
            return found
    return None


def _spec_types(data: Any) -> None:
    """Chapters as the spec types them: ``"episode"`` (live says ``"chapter"``)."""
    if isinstance(data, dict):
        if data.get("type") == "chapter":
            data["type"] = "episode"
        for value in data.values():
            _spec_types(value)
    elif isinstance(data, list):
        for value in data:
            _spec_types(value)


def _with_query(url: str, updates: Mapping[str, str], *, keep: frozenset[str] | None = None) -> str:
    split = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(split.query, keep_blank_values=True) if keep is None or k in keep]
    query = [(k, v) for k, v in query if k not in updates] + list(updates.items())
    return urlunsplit(split._replace(query=urlencode(query, safe=",:")))


def _projected(result: Any, selection: Any) -> Any:
    """A handler's answer with only what ``fields`` names (a raw JSON response is decoded for it)."""
    if isinstance(result, web.Response) and result.status == 200 and isinstance(result.body, bytes):
        return project(orjson.loads(result.body), selection)
    if isinstance(result, web.StreamResponse):
        return result
    return project(result, selection)


def _rewrite(fault: Fault, request: web.Request, resp: web.StreamResponse) -> web.StreamResponse:
    if not isinstance(resp, web.Response) or not isinstance(resp.body, bytes) or resp.status != 200:
        return resp
    try:
        data = orjson.loads(resp.body)
    except orjson.JSONDecodeError:
        return resp
    page = _find_page(data)
    kind = fault.kind
    if kind == "null_entry":
        positions = fault.value if isinstance(fault.value, list) else [0 if fault.value is None else fault.value]
        target = page["items"] if page is not None else _first_object_list(data)
        for position in positions:
            if target is not None and 0 <= position < len(target):
                target[position] = None
    elif kind == "spec_shape":
        _spec_types(data)
        if page is not None and request.path.rstrip("/").endswith("/me/audiobooks"):
            page["items"] = [{"added_at": "2026-02-01T00:00:00Z", "audiobook": item} for item in page["items"]]
    elif page is not None:
        if kind == "total":
            claimed = 30_000_000 if fault.value is None else int(fault.value)
            page["total"] = claimed
            offset, limit = int(page.get("offset") or 0), int(page.get("limit") or 20)
            if offset + limit < claimed and page.get("href"):
                page["next"] = _with_query(page["href"], {"offset": str(offset + limit), "limit": str(limit)})
        elif kind == "empty_page":
            page["items"] = []
        elif kind == "next_null":
            page["next"] = None
        elif kind == "cursor_repeat" and page.get("next"):
            sent = {k: v for k, v in request.query.items() if k in ("after", "before")}
            if sent:
                page["next"] = _with_query(page["next"], sent)
        elif kind == "next_drops_params" and page.get("next"):
            page["next"] = _with_query(page["next"], {}, keep=frozenset({"after", "before", "offset", "limit"}))
    return raw_json_response(orjson.dumps(data), resp.status)
