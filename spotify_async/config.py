"""Config: the frozen set of policies a :class:`~spotify_async.Spotify` session runs by.

Everything a user may want to tune without forking the client lives here: where requests go, how long anything may
take, how many requests may be in flight, how retries back off, the client-side rate budget, how long a caller accepts
to wait at the 429 gate, which tier of app (development or extended) the client speaks for, what it caches and
coalesces, and the proxy it goes through.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import attrs

from .errors import InvalidInput
from .hooks import Hooks

if TYPE_CHECKING:
    from .http.store import CacheStore

__all__ = [
    "ACCOUNTS_BASE",
    "API_BASE",
    "Config",
    "HttpCache",
    "Mode",
    "RateBudget",
    "RetryDecider",
    "RetryOutcome",
    "RetryPolicy",
    "Timeouts",
]

API_BASE = "https://api.spotify.com/v1"
ACCOUNTS_BASE = "https://accounts.spotify.com"

Mode = Literal["development", "extended"]


def _positive(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value <= 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value!r}")


def _non_negative(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen
class Timeouts:
    """Bounds on one HTTP attempt (seconds). ``total`` covers connect, send and reading the whole body; an attempt
    past it ends as a timeout (retried like any other failure) within a tenth of ``total`` after it, and never more
    than a second after (one timer for every attempt in flight: ``spotify_async/http/deadline.py``; on Python 3.10
    aiohttp keeps ``total`` per request, rounded up to the next whole second from 5 s)."""

    total: float = attrs.field(default=30.0, validator=_positive)
    connect: float = attrs.field(default=10.0, validator=_positive)
    #: longest silence while reading a response (``None``: only ``total`` bounds it). Off by default: it re-arms a
    #: timer on every chunk received, costing a few microseconds per request, and ``total`` already bounds the read
    read: float | None = None
    #: how long a call may queue for a concurrency slot before giving up with ``TimeoutError``; ``None``: only the
    #: call's ``Config.max_wait`` bounds the queue (then RateLimited with ``waiting_for="queue"``)
    queue: float | None = None


class RetryOutcome:
    """What a retry decision sees of one failed attempt (read it; do not keep it)."""

    __slots__ = (
        "attempt",
        "error",
        "failures",
        "idempotent",
        "method",
        "operation_id",
        "rate_limits",
        "retry_after",
        "sent",
        "status",
        "waited",
    )

    def __init__(
        self,
        *,
        method: str,
        operation_id: str,
        idempotent: bool,
        status: int,
        error: str | None,
        sent: bool,
        attempt: int,
        failures: int,
        rate_limits: int,
        retry_after: float | None,
        waited: float,
    ) -> None:
        self.method = method
        self.operation_id = operation_id
        #: whether repeating the request is harmless (every method but POST)
        self.idempotent = idempotent
        #: the status answered (429, 503, ...); ``0`` for a network failure or a timeout
        self.status = status
        #: the failure's type name for a network failure (``"ServerDisconnectedError"``), else ``None``
        self.error = error
        #: False when the request surely never reached the server (a refused connection)
        self.sent = sent
        #: this attempt's number (1 for the first)
        self.attempt = attempt
        #: failed attempts of this call so far other than 429s, this one included
        self.failures = failures
        #: 429s this call met so far, this one included
        self.rate_limits = rate_limits
        #: the 429's ``Retry-After`` in seconds (RFC 9110; capped); ``None`` when absent or unreadable
        self.retry_after = retry_after
        #: seconds the call has waited so far (queue, budget, gate, backoff)
        self.waited = waited

    def __repr__(self) -> str:
        return f"RetryOutcome({self.method} {self.operation_id} status={self.status} attempt={self.attempt})"


@runtime_checkable
class RetryDecider(Protocol):
    """Decides whether a failed attempt is tried again, and after how long.

    Return the delay in seconds, or ``None`` to give up (the call then raises the attempt's error). For a 429 the
    delay is how long the app's 429 gate stays shut (every call waits it out, not only this one); for anything else
    it is this call's own backoff. Either way it counts against the call's ``max_wait``: a delay that does not fit
    ends the call (:class:`~spotify_async.errors.RateLimited` for a 429, the attempt's own error otherwise). The
    scheduler asks only about failures it may retry at all: 429s, 5xx and network failures; a 401 is handled by a
    token refresh, and other statuses raise their error at once. Called synchronously; it must not block.
    """

    def retry_delay(self, outcome: RetryOutcome) -> float | None: ...


@attrs.frozen
class RetryPolicy:
    """Bounded retries with exponential backoff and equal jitter: the default :class:`RetryDecider`.

    The one backoff formula of the package (the scheduler and the accounts client both use :meth:`backoff`): with
    ``d = min(backoff_cap, backoff_base * 2 ** (n - 1))``, the n-th retry (n = 1, 2, ...) waits ``d / 2 +
    uniform(0, d / 2)`` seconds: spread out, yet never an immediate retry of a server that just refused. A
    retryable failure (a status in ``retry_statuses``, a connection error, a timeout) is retried at most
    ``max_retries`` times, for idempotent methods only, and for a POST only when the server surely did not see it
    (a refused connection). A 429 is retried (safe for every method: it was not acted on) at most
    ``max_rate_limit_retries`` times, after its ``Retry-After``, or the same backoff formula when it has none.
    """

    max_retries: int = attrs.field(default=3, validator=_non_negative)
    backoff_base: float = attrs.field(default=0.5, validator=_positive)
    backoff_cap: float = attrs.field(default=8.0, validator=_positive)
    #: retry statuses for idempotent methods
    retry_statuses: frozenset[int] = frozenset({500, 502, 503, 504})
    #: how many 429s one call may meet before giving up (each one also closes the global gate)
    max_rate_limit_retries: int = attrs.field(default=10, validator=_non_negative)

    def backoff(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        """The delay before the ``retry``-th retry (1-based): ``d / 2 + uniform(0, d / 2)``, ``d = min(cap, base *
        2**(retry-1))``."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** min(retry - 1, 64))
        return ceiling * (0.5 + 0.5 * rand())

    def retry_delay(self, outcome: RetryOutcome) -> float | None:
        if outcome.status == 429:
            if outcome.rate_limits > self.max_rate_limit_retries:
                return None
            if outcome.retry_after is not None:
                return outcome.retry_after
            return self.backoff(outcome.rate_limits)
        if outcome.failures > self.max_retries:
            return None
        if outcome.status:
            retry = outcome.idempotent and outcome.status in self.retry_statuses
        else:
            retry = outcome.idempotent or not outcome.sent
        return self.backoff(outcome.failures) if retry else None


def _hooks_tuple(hooks: Iterable[Hooks]) -> tuple[Hooks, ...]:
    # a typed converter: with ``converter=tuple`` mypy types the argument as an unbound ``Iterable[_T_co]``
    return tuple(hooks)


def _share(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 <= value < 1:
        raise ValueError(f"{attribute.name} must be >= 0 and < 1, got {value!r}")


@attrs.frozen
class RateBudget:
    """The client-side rolling-window budget (Spotify counts requests per app over a rolling 30 s window).

    ``limit=None`` (the default) discovers the limit: a few requests in flight at first (``probe``), more as the
    server accepts them, until a 429 with enough evidence behind it teaches the pace (what the server accepted in the
    last window); that pace is held for ``hold`` windows, then creeps up by ``increase`` per window that pressed on it.
    An early or isolated 429 costs only its ``Retry-After`` at the gate. A given ``limit`` is a ceiling the pace never
    exceeds (use it when you know your quota). ``adaptive=False`` never learns: ``limit`` alone (or nothing) applies,
    and 429s are answered by the gate only. The exact rules are in :mod:`spotify_async.http.limiter`.
    """

    limit: int | None = attrs.field(default=None)
    window: float = attrs.field(default=30.0, validator=_positive)
    adaptive: bool = True
    #: a learned pace is ``decrease`` times what the server accepted in the last window
    decrease: float = attrs.field(default=1.0, validator=_positive)
    #: growth of the pace per window that pressed on it, once the hold is over
    increase: float = attrs.field(default=0.05, validator=_non_negative)
    #: windows to hold the learned pace after a 429 before creeping up again (probing above a pace that just met a
    #: 429 costs a 429 and a Retry-After pause each time; the server's limit seldom moves)
    hold: int = attrs.field(default=10, validator=_non_negative)
    #: the learned pace never drops below this many requests per window, and a 429 with fewer accepted responses
    #: than this in the last window teaches nothing (too little evidence: the gate answers it alone)
    floor: int = attrs.field(default=10, validator=_positive)
    #: requests in flight at once while the limit is unknown (then up to 1/16 of what the server accepted in the last
    #: window): the first overshoot costs a few 429s, not ``max_concurrency`` of them
    probe: int = attrs.field(default=4, validator=_positive)
    #: share of the budget (and of the concurrency slots) background calls leave to interactive ones
    reserve: float = attrs.field(default=0.1, validator=_share)
    #: a ``Retry-After`` longer than this (seconds) is a quota, not a pace: no pace is learned from it
    quota_after: float = attrs.field(default=120.0, validator=_positive)
    #: an extra bound (seconds) on the wait for budget alone; the call's ``Config.max_wait`` bounds it anyway
    max_wait: float | None = None

    @limit.validator
    def _check_limit(self, attribute: attrs.Attribute[int | None], value: int | None) -> None:
        if value is not None and value <= 0:
            raise ValueError(f"limit must be > 0 or None, got {value!r}")


def _optional_positive(_: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and value <= 0:
        raise ValueError(f"{attribute.name} must be > 0 seconds or None, got {value!r}")


@attrs.frozen
class HttpCache:
    """The HTTP cache (see :mod:`spotify_async.http.cache`): on by default, in memory, bounded in bytes.

    It honours what Spotify sends (``Cache-Control``: ``max-age``, ``no-store``, ``no-cache``, ``private``; ETags,
    revalidated with ``If-None-Match``), keys every answer by the caller's identity, and drops what a write changes.

    ``catalog_ttl`` (seconds; off by default) keeps catalog objects (tracks, albums, artists, shows, episodes,
    audiobooks, chapters) that long *whatever their max-age says* (Spotify sends ``max-age=0`` on most of them).
    Setting it is your decision: catalog data changes rarely but does change (a track becomes unplayable in a market,
    an album gains a cover), and Spotify's Developer Terms govern how long you may keep its content: check them for
    your use before choosing a long time. ``no-store`` is still honoured.
    """

    enabled: bool = True
    #: the in-memory store's bound in bytes (ignored when ``store`` is given)
    max_bytes: int = attrs.field(default=32 * 1024 * 1024, validator=_non_negative)
    #: where entries live; ``None``: a :class:`~spotify_async.http.store.MemoryCacheStore` of ``max_bytes``
    store: CacheStore | None = attrs.field(default=None, eq=False)
    #: keep catalog objects this many seconds whatever their max-age (opt-in; read the class docstring)
    catalog_ttl: float | None = attrs.field(default=None, validator=_optional_positive)
    #: how long an answer that must be revalidated (it has an ETag but no freshness left) is kept for revalidation,
    #: and how long a pinned answer (a playlist page under its snapshot id) is kept
    keep: float = attrs.field(default=3600.0, validator=_positive)
    #: the largest body kept *only* for revalidation (an ETag, nothing fresh); a larger one (a 100-item playlist page
    #: is about 800 KiB) is not kept: its 304 would save bytes, not a request, and a crawler streaming big playlists
    #: would fill the store with pages it never reads again. Fresh and pinned answers are kept whatever their size
    revalidate_max_bytes: int = attrs.field(default=256 * 1024, validator=_non_negative)


@attrs.frozen
class Config:
    """The policies of one session. Frozen: build a new one with ``attrs.evolve(config, ...)``."""

    timeouts: Timeouts = Timeouts()
    #: most requests in flight at once (also the connection pool's size)
    max_concurrency: int = attrs.field(default=64, validator=_positive)
    retry: RetryPolicy = RetryPolicy()
    #: an object deciding whether and when a failed attempt is retried (see :class:`RetryDecider`); ``None``: the
    #: ``retry`` policy decides. The accounts service's token requests always follow ``retry``
    retry_decider: RetryDecider | None = None
    budget: RateBudget = RateBudget()
    #: longest a call may wait in all (seconds): for a slot, the budget, the 429 gate and between retries together.
    #: Past it the call raises RateLimited saying what it waited for; a wait that cannot end in time raises at once.
    #: Override it for one call with ``call.with_max_wait(seconds)``
    max_wait: float = attrs.field(default=60.0, validator=_non_negative)
    #: development (the default: every new app) or extended quota mode
    mode: Mode = attrs.field(default="development")
    #: refresh a token this many seconds before it expires (capped at a quarter of its lifetime)
    token_refresh_margin: float = attrs.field(default=60.0, validator=_non_negative)
    #: how many pages an iterator fetches ahead of the consumer once the total is known
    page_prefetch: int = attrs.field(default=8, validator=_positive)
    #: forbid unknown keys when structuring responses (for tests that should see drift)
    strict_models: bool = False
    user_agent: str = "spotify_async"
    #: objects told of every request, response, retry, rate-limit and cache event (see :mod:`spotify_async.hooks`)
    hooks: tuple[Hooks, ...] = attrs.field(default=(), converter=_hooks_tuple)
    #: the HTTP cache; ``HttpCache(enabled=False)`` turns it off
    cache: HttpCache = HttpCache()
    #: identical GETs in flight at once (same path, query and identity) share one request
    coalesce: bool = True
    #: an HTTP proxy URL (``http://user:pass@host:3128``) for every request, token requests included, when the
    #: session makes its own aiohttp session (bring your own ``aiohttp.ClientSession`` to configure it yourself)
    proxy: str | None = attrs.field(default=None, repr=False)

    @mode.validator
    def _check_mode(self, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in ("development", "extended"):
            raise ValueError(f"mode must be 'development' or 'extended', got {value!r}")

    @proxy.validator
    def _check_proxy(self, attribute: attrs.Attribute[str | None], value: str | None) -> None:
        if value is None:
            return
        if not isinstance(value, str) or not value.startswith(("http://", "https://")) or value[-3:] == "://":
            # the value may carry a password: the message never repeats it
            raise InvalidInput("proxy must be an http:// or https:// URL such as http://127.0.0.1:3128 (or None)")
