"""Config: the frozen set of policies a :class:`~spotify_async.Spotify` session runs by.

Everything a user may want to tune without forking the client lives here: where requests go, how long anything may
take, how many requests may be in flight, how retries back off, the client-side rate budget, how long a caller accepts
to wait at the 429 gate, and which tier of app (development or extended) the client speaks for.
"""

from __future__ import annotations

from typing import Any, Literal

import attrs

from .hooks import Hooks

__all__ = ["API_BASE", "ACCOUNTS_BASE", "Config", "Mode", "RateBudget", "RetryPolicy", "Timeouts"]

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


@attrs.frozen
class Config:
    """The policies of one session. Frozen: build a new one with ``attrs.evolve(config, ...)``."""

    timeouts: Timeouts = Timeouts()
    #: most requests in flight at once (also the connection pool's size)
    max_concurrency: int = attrs.field(default=64, validator=_positive)
    retry: RetryPolicy = RetryPolicy()
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
    hooks: tuple[Hooks, ...] = attrs.field(default=(), converter=tuple)

    @mode.validator
    def _check_mode(self, attribute: attrs.Attribute[str], value: str) -> None:
        if value not in ("development", "extended"):
            raise ValueError(f"mode must be 'development' or 'extended', got {value!r}")
