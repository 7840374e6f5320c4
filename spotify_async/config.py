"""Config: the frozen set of policies a :class:`~spotify_async.Spotify` session runs by.

Everything a user may want to tune without forking the client lives here: where requests go, how long anything may
take, how many requests may be in flight, how retries back off, the client-side rate budget, how long a caller accepts
to wait at the 429 gate, which tier of app (development or extended) the client speaks for, what it caches and
coalesces, and the proxy it goes through.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Literal

import attrs

from .errors import InvalidInput
from .hooks import Hooks

if TYPE_CHECKING:
    from .http.store import CacheStore

__all__ = ["API_BASE", "ACCOUNTS_BASE", "Config", "HttpCache", "Mode", "RateBudget", "RetryPolicy", "Timeouts"]

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
    """Bounds on one HTTP attempt (seconds). ``total`` covers connect, send and reading the whole body."""

    total: float = attrs.field(default=30.0, validator=_positive)
    connect: float = attrs.field(default=10.0, validator=_positive)
    #: longest silence while reading a response (``None``: only ``total`` bounds it). Off by default: it re-arms a
    #: timer on every chunk received, costing a few microseconds per request, and ``total`` already bounds the read
    read: float | None = None
    #: how long a call may queue for a concurrency slot before giving up with ``TimeoutError``; ``None`` waits
    #: as long as the calls ahead of it take (each of them is bounded by these timeouts and the retry policy)
    queue: float | None = None


@attrs.frozen
class RetryPolicy:
    """Bounded retries with exponential backoff and full jitter.

    A retryable failure (5xx, connection error, timeout; for non-idempotent methods only failures where the server
    surely did not act) waits ``uniform(0, min(cap, base * 2**attempt))`` and tries again, at most ``max_retries`` times.
    """

    max_retries: int = attrs.field(default=3, validator=_non_negative)
    backoff_base: float = attrs.field(default=0.5, validator=_positive)
    backoff_cap: float = attrs.field(default=8.0, validator=_positive)
    #: retry statuses for idempotent methods
    retry_statuses: frozenset[int] = frozenset({500, 502, 503, 504})
    #: how many 429s one call may meet before giving up (each one also closes the global gate)
    max_rate_limit_retries: int = attrs.field(default=10, validator=_non_negative)


@attrs.frozen
class RateBudget:
    """The client-side rolling-window budget (Spotify counts requests per app over a rolling 30 s window).

    ``limit=None`` (the default) sends as fast as the concurrency cap allows until the first 429; then the budget
    becomes adaptive: it drops to ``decrease`` times what the server accepted in the last window (the responses that
    came back before the 429), holds there for ``hold`` windows, then creeps back up by ``increase`` of itself for
    every window that passes without a 429. A given ``limit`` is a ceiling the adaptive
    pace never exceeds (use it when you know your quota).
    """

    limit: int | None = None
    window: float = attrs.field(default=30.0, validator=_positive)
    adaptive: bool = True
    decrease: float = 1.0
    increase: float = 0.05
    #: windows to hold the learned pace after a 429 before creeping up again (probing above a pace that just met a
    #: 429 costs a 429 and a Retry-After pause each time; the server's limit seldom moves)
    hold: int = attrs.field(default=10, validator=_non_negative)
    #: the adaptive pace never drops below this many requests per window (a 429 met while sending little is
    #: someone else's quota speaking, answered by the gate, not a reason to crawl at one request per window)
    floor: int = 10
    #: longest a call may wait for budget before RateLimited; ``None``: as long as the pace requires (bounded by
    #: the budget arithmetic: queued calls / limit * window)
    max_wait: float | None = None


def _hooks(value: Iterable[Hooks]) -> tuple[Hooks, ...]:
    # a typed converter: with ``converter=tuple`` mypy sees ``Iterable[_T_co]`` and refuses users' ``hooks=(MyHooks(),)``
    return tuple(value)


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


@attrs.frozen
class Config:
    """The policies of one session. Frozen: build a new one with ``attrs.evolve(config, ...)``."""

    timeouts: Timeouts = Timeouts()
    #: most requests in flight at once (also the connection pool's size)
    max_concurrency: int = attrs.field(default=64, validator=_positive)
    retry: RetryPolicy = RetryPolicy()
    budget: RateBudget = RateBudget()
    #: longest a call may wait at the 429 gate (seconds); a longer Retry-After raises RateLimited at once
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
    hooks: tuple[Hooks, ...] = attrs.field(default=(), converter=_hooks)
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
