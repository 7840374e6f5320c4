"""The Scheduler: every Web API request of an app goes through it, and it alone decides when one may be sent.

Theory
------
Spotify enforces one rate limit per app (client ID) over a rolling 30-second window and answers 429 past it, with a
``Retry-After`` that is usually a few seconds and occasionally many hours. Crawlers want every last request the limit
allows; bots want low latency and no hangs; backends serve many users' tokens under one app. One scheduler per app
serves all three. Each call goes through three parts, each a method named for its job:

**Admission** (:meth:`Scheduler._admit_at_once`, then :meth:`Scheduler._admit` for whatever must wait): four independent controls, checked in this order for every attempt, all
under the call's one deadline.

1. *Concurrency slot* (:class:`Slots`): caps requests in flight (``Config.max_concurrency``, also the size of the
   connection pool). Two FIFO queues, one per lane: a freed slot goes to the longest-waiting interactive call first,
   and background calls leave ``RateBudget.reserve`` of the slots to interactive ones, so a crawl that fills the pool
   cannot keep a bot's command out of it.
2. *A valid token*: the caller's token source (:class:`TokenSource`, the session's token manager) returns the cached
   token or refreshes it once for all waiters. It comes before the budget and the gate so that a slow refresh cannot
   sit between the gate check and the send.
3. *Rate budget*: a :class:`~spotify_async.http.limiter.RateLimiter` (the rules are in that module: evidence-only
   learning, paced discovery, the interactive reserve). Local for one process, Redis for many.
4. *The 429 gate*: a :class:`~spotify_async.http.gate.Gate` that a 429 shuts for ``Retry-After``, checked *last*,
   right before the request is written, so nothing queued while it shut can slip out before it reopens. A call that
   finds it shut gives its budget unit back while it waits and takes one again after, so units are held only by
   requests on the wire (what the limiter's evidence assumes).

**One deadline per call.** Every wait a call makes (slot queue, budget, gate, backoff between retries) counts against
one bound: ``Config.max_wait``, or the call's own (``call.with_max_wait(s)``, carried by ``Request.max_wait``). Each
wait is given what remains of it; a wait that cannot end in time raises
:class:`~spotify_async.errors.RateLimited` at once, saying what it was waiting for (``gate``, ``budget``, ``queue``) and
when the call could have gone. So no call waits longer than its ``max_wait`` plus the latency of its attempts. (The
token refresh is bounded by the accounts client's own timeouts and retries, not by ``max_wait``.)

When nothing has to wait (a free slot, a fresh token, budget to spare, an open gate) every check is a synchronous
method declared by the protocols (``Slots.try_acquire``, ``TokenSource.fresh``, ``RateLimiter.try_acquire``,
``Gate.is_open``), tried in turn by :meth:`Scheduler._admit_at_once`: the common request awaits nothing before it is
written. Only when one of them fails does the call await :meth:`Scheduler._admit`, which resumes from that control.

**The attempt** (:meth:`Scheduler._attempt`): one HTTP request, carrying the token of this attempt (its
``Authorization`` header is built once per token and reused, :class:`_AuthHeaders`), bounded by ``Timeouts.total``
through one timer for every attempt in flight (:mod:`spotify_async.http.deadline`; aiohttp keeps the connect and read
bounds); then the budget unit is released (accepted, or not for a 429: a 429 is never an accepted unit) and the slot
freed.

**The outcome** (:meth:`Scheduler._response`, :meth:`Scheduler._reauthorize`, :meth:`Scheduler._on_rate_limited`,
:meth:`Scheduler._retry_or_raise`):

* 2xx/304: done.
* 401: the token is invalidated (only if it is still the current one) and the call is retried once with a fresh token;
  a second 401, or a token that cannot be refreshed, raises :class:`~spotify_async.errors.Unauthorized`.
* 429: ``Retry-After`` is read as RFC 9110 says (:func:`parse_retry_after`); the retry decision
  (:class:`~spotify_async.config.RetryDecider`, by default the :class:`~spotify_async.config.RetryPolicy`) names the
  closure; the gate shuts for it (never shorter than ``Retry-After``), the limiter learns from it by its rules, and the
  call goes round again to wait at the gate. ``reason: QUOTA_EXCEEDED``, a closure longer than what remains of the
  call's ``max_wait``, or too many 429s raise RateLimited at once.
* 5xx, timeouts, connection failures: the retry decision says whether and after how long (the policy: bounded
  exponential backoff with equal jitter, idempotent methods only, a POST only when nothing reached the server). The
  backoff is slept *without* holding a slot; a backoff that does not fit the deadline raises the attempt's error.
* Anything else maps to its typed error at once (404 -> NotFound, ...).

**Hooks.** With ``Config.hooks`` set, the scheduler emits a request event before each attempt, a response event after
each answered attempt, a retry event before each retry, and a rate-limit event for each 429 and each wait for the
queue, the budget or the gate. With no hooks it builds no event objects at all.

Cancellation is safe at every await: slots and budget units are released in ``finally`` blocks, and aiohttp's response
context manager releases (or closes) the connection, so a cancelled call leaks nothing. Clock and sleep are injected
(:class:`~spotify_async.http.clock.Clock`); the scheduler imports nothing from the session or the endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from datetime import timezone
from typing import Protocol, TypeVar

import aiohttp
import attrs
import orjson
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ..config import Config, RetryDecider, RetryOutcome
from ..errors import (
    RateLimited,
    TransportError,
    Unauthorized,
    error_from_response,
    parse_error_body,
)
from ..hooks import (
    CallContext,
    HookSet,
    IdentityKind,
    RateLimitEvent,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
)
from .clock import SYSTEM_CLOCK, Clock, TimerHandle
from .deadline import AttemptDeadlines, attempt_deadlines
from .gate import Gate, LocalGate
from .limiter import QUOTA_REASON, BudgetState, Lane, LocalRateLimiter, RateLimiter, reserved_units
from .response import Request, Response
from .routes import Route

__all__ = [
    "MAX_RETRY_AFTER",
    "AccessToken",
    "Scheduler",
    "SchedulerStats",
    "Slots",
    "TokenSource",
    "WaitSnapshot",
    "parse_retry_after",
]

log = logging.getLogger("spotify_async.http")

_JSON = "application/json"
#: the fast path of admission passed every control (see Scheduler._admit_at_once)
_ADMITTED = 4

#: the longest ``Retry-After`` taken at its word (seconds; a week): longer ones are capped, so every sum stays finite
MAX_RETRY_AFTER = 7 * 86400.0


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header, read as RFC 9110 says; ``None`` when absent or unreadable.

    The value is either a non-negative integer of seconds (``"120"``) or an HTTP date (``"Wed, 21 Oct 2015 07:28:00
    GMT"``; a date in the past means 0). Anything else (``"1.5"``, ``"-1"``, ``"inf"``, ``"1e309"``, garbage) is
    unreadable, and the caller falls back to its backoff. Results are capped at :data:`MAX_RETRY_AFTER`.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        # more than 12 digits is over 30,000 years: no need to build the integer
        return MAX_RETRY_AFTER if len(value) > 12 else min(float(int(value)), MAX_RETRY_AFTER)
    if not value[0].isalpha():  # an HTTP date starts with the day's name
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:  # "-0000" or no zone: HTTP dates are always GMT
        when = when.replace(tzinfo=timezone.utc)
    seconds = when.timestamp() - (time.time() if now is None else now)
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


class AccessToken(Protocol):
    """What the scheduler reads of a token: the ``Authorization`` header's two parts."""

    @property
    def token_type(self) -> str: ...

    @property
    def access_token(self) -> str: ...


T = TypeVar("T", bound=AccessToken)


class TokenSource(Protocol[T]):
    """Where the scheduler gets the token of a call (the session's token manager): passed down, never imported."""

    def fresh(self) -> T | None:
        """The current token if it is valid now, without awaiting anything; ``None`` when :meth:`get` must run."""
        ...

    async def get(self) -> T:
        """A token valid now, refreshed once for all waiters when needed."""
        ...

    def invalidate(self, token: T) -> bool:
        """A 401 said ``token`` is no good: forget it if it is still the current one."""
        ...

    @property
    def can_refresh(self) -> bool:
        """Whether a new token can be had (a 401 is retried once only then)."""
        ...

    @property
    def identity(self) -> IdentityKind:
        """Whose token it is (``"app"``, ``"user"``, ``"token"``), for hooks."""
        ...


class SchedulerStats:
    """Counters one scheduler keeps (the demo's summary, tests); cheap integer increments only."""

    __slots__ = ("budget_waited", "gate_waited", "queue_waited", "rate_limited", "requests", "retries")

    def __init__(self) -> None:
        self.requests = 0
        self.retries = 0
        self.rate_limited = 0
        self.gate_waited = 0.0
        self.budget_waited = 0.0
        self.queue_waited = 0.0

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.__slots__}


@attrs.frozen
class WaitSnapshot:
    """What the calls of one scheduler are waiting for, right now (:meth:`Scheduler.waiting`)."""

    #: calls queued for a concurrency slot
    queue: int
    #: calls waiting for the rate budget
    budget: int
    #: calls waiting for the 429 gate to reopen
    gate: int
    #: requests on the wire (slots in use)
    in_flight: int
    #: seconds until the gate reopens (0: open)
    gate_open_in: float
    #: Spotify's reason for the current closure, when it gave one
    gate_reason: str | None
    #: the budget's units per window now in force (``None``: no known cap)
    budget_limit: float | None
    #: ``"known"``, ``"discovering"`` or ``"unlimited"`` for the local limiter; ``None`` for another one
    budget_state: BudgetState | None

    @property
    def waiting(self) -> int:
        """Calls waiting for anything."""
        return self.queue + self.budget + self.gate

    def describe(self) -> str:
        """One line for a status display: ``"waiting: 3 gate (1.2 s), 10 budget, 0 queue"``, or ``"no waits"``."""
        if not self.waiting and not self.gate_open_in:
            return "no waits"
        gate = f"{self.gate} gate ({self.gate_open_in:.1f} s)" if self.gate_open_in else f"{self.gate} gate"
        return f"waiting: {gate}, {self.budget} budget, {self.queue} queue"


def _encode_body(request: Request) -> tuple[bytes | None, dict[str, str] | None]:
    """The body of ``request`` as it goes on the wire and the headers it adds to ``Authorization`` (a copy: the
    cache's If-None-Match may be in them, and a retry sends the same ones); ``None`` when it adds none (most GETs)."""
    headers: dict[str, str] | None = {**request.headers} if request.headers else None
    data: bytes | None = request.data
    if request.json is not None:
        data = orjson.dumps(request.json)
        headers = headers or {}
        headers["Content-Type"] = _JSON
    elif request.content_type is not None:
        headers = headers or {}
        headers["Content-Type"] = request.content_type
    return data, headers


#: Authorization headers remembered (one per access token seen); cleared when full, so it stays bounded
_AUTH_MEMO = 4096


class _AuthHeaders:
    """The ``Authorization`` header of each token, built once per token rather than once per request.

    A request that adds no header of its own (nearly every GET) is sent with the token's read-only multidict as it
    is: aiohttp merges a multidict into the session's headers without first copying it into one, as it must a plain
    dict. Keyed by the header's value (the last token is checked first, by identity: tokens are immutable, as
    :class:`~spotify_async.Token` is); kept only in memory, like the token manager's own copy, and never in a repr
    or a log.
    """

    __slots__ = ("_last", "_last_headers", "_memo")

    def __init__(self) -> None:
        self._last: AccessToken | None = None
        self._last_headers: CIMultiDictProxy[str] = CIMultiDictProxy(CIMultiDict())
        self._memo: dict[str, CIMultiDictProxy[str]] = {}

    def __repr__(self) -> str:
        return f"<_AuthHeaders tokens={len(self._memo)}>"

    def of(self, token: AccessToken) -> CIMultiDictProxy[str]:
        if token is self._last:
            return self._last_headers
        value = f"{token.token_type} {token.access_token}"
        headers = self._memo.get(value)
        if headers is None:
            if len(self._memo) >= _AUTH_MEMO:
                self._memo.clear()
            headers = self._memo[value] = CIMultiDictProxy(CIMultiDict(Authorization=value))
        self._last, self._last_headers = token, headers
        return headers


def _expire(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_exception(asyncio.TimeoutError())


class Slots:
    """The concurrency cap: a counter with a FIFO of waiters per lane, and a synchronous fast path.

    ``asyncio.Semaphore`` would do for one lane, but every request would pay a coroutine to acquire it even when a
    slot is free. A released slot is handed straight to the longest interactive waiter, else to the longest background
    waiter when more than ``reserved`` slots would stay free: background calls never take the last ``reserved``.
    """

    __slots__ = ("_clock", "_free", "_waiters", "reserved", "size")

    def __init__(self, size: int, *, reserve: float = 0.0, clock: Clock = SYSTEM_CLOCK) -> None:
        self.size = size
        self.reserved = int(reserved_units(size, reserve)) if size > 1 else 0
        self._free = size
        self._clock = clock
        self._waiters: dict[Lane, deque[asyncio.Future[None]]] = {"interactive": deque(), "background": deque()}

    @property
    def in_use(self) -> int:
        return self.size - self._free

    @property
    def waiting(self) -> int:
        return len(self._waiters["interactive"]) + len(self._waiters["background"])

    def try_acquire(self, lane: Lane = "interactive") -> bool:
        waiters = self._waiters
        if lane == "interactive":
            if self._free > 0 and not waiters["interactive"]:
                self._free -= 1
                return True
            return False
        if self._free > self.reserved and not waiters["interactive"] and not waiters["background"]:
            self._free -= 1
            return True
        return False

    async def acquire(self, lane: Lane = "interactive", timeout: float | None = None) -> None:
        """Wait for a slot; ``asyncio.TimeoutError`` after ``timeout`` seconds (``None``: no bound here)."""
        if self.try_acquire(lane):
            return
        if timeout is not None and timeout <= 0:
            raise asyncio.TimeoutError()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._waiters[lane]
        queue.append(waiter)
        timer: TimerHandle | None = None
        if timeout is not None and math.isfinite(timeout):
            timer = self._clock.call_later(timeout, _expire, waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                self.release()  # a slot was handed to us as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    queue.remove(waiter)
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def release(self) -> None:
        waiters = self._waiters
        interactive = waiters["interactive"]
        while interactive:
            waiter = interactive.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes to the next waiter directly
                return
        if self._free + 1 > self.reserved:
            background = waiters["background"]
            while background:
                waiter = background.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._free += 1


class Scheduler:
    """Sends requests for one app under a concurrency cap, a rate budget, a shared 429 gate and one deadline per call."""

    def __init__(
        self,
        config: Config,
        *,
        limiter: RateLimiter | None = None,
        gate: Gate | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.config = config
        self.clock = clock
        self._now: Callable[[], float] = time.monotonic if clock is SYSTEM_CLOCK else clock.now
        self._sleep: Callable[[float], Awaitable[None]] = asyncio.sleep if clock is SYSTEM_CLOCK else clock.sleep
        self.limiter: RateLimiter = limiter if limiter is not None else LocalRateLimiter(config.budget, clock=clock)
        self.gate: Gate = gate if gate is not None else LocalGate(clock=clock)
        self.retry: RetryDecider = config.retry_decider if config.retry_decider is not None else config.retry
        self._slots = Slots(config.max_concurrency, reserve=config.budget.reserve, clock=clock)
        self._hooks = HookSet(config.hooks)
        self._has_hooks = bool(self._hooks)
        t = config.timeouts
        #: ``Timeouts.total`` of each attempt, kept by one timer for all of them (``deadline.py``); ``None`` on Python
        #: 3.10, where aiohttp keeps it per request
        self.deadlines: AttemptDeadlines | None = attempt_deadlines(t.total)
        #: the timeouts aiohttp applies: connect and read always; the total only when ``deadlines`` does not keep it
        self.timeout = aiohttp.ClientTimeout(
            total=t.total if self.deadlines is None else None, connect=t.connect, sock_read=t.read
        )
        #: True when the HTTP session was built with ``self.timeout`` (ours): then no per-request timeout is passed
        self.session_has_timeout = False
        self.stats = SchedulerStats()
        self._waiting_budget = 0
        self._waiting_gate = 0
        self._authorization = _AuthHeaders()
        #: each API base's (scheme, authority, path), parsed once (:meth:`_target`)
        self._bases: dict[str, tuple[str, str, str]] = {}

    @property
    def slots(self) -> Slots:
        return self._slots

    def waiting(self) -> WaitSnapshot:
        """What calls are waiting for now: the queue, the budget, the gate (for a status display such as the demo)."""
        limiter = self.limiter
        gate = self.gate
        return WaitSnapshot(
            queue=self._slots.waiting,
            budget=self._waiting_budget,
            gate=self._waiting_gate,
            in_flight=self._slots.in_use,
            gate_open_in=gate.closed_for,
            gate_reason=gate.reason if isinstance(gate, LocalGate) else None,
            budget_limit=limiter.current_limit,
            budget_state=limiter.state if isinstance(limiter, LocalRateLimiter) else None,
        )

    # ----------------------------------------------------------------- the request path
    async def send(
        self,
        http: aiohttp.ClientSession,
        tokens: TokenSource[T],
        api_base: str,
        request: Request,
    ) -> Response:
        """Send ``request`` under every control described in the module docstring; return its Response or raise.

        Each round of the loop is one attempt: admission (:meth:`_admit_at_once`, and :meth:`_admit` only when
        something has to wait), the attempt, then the outcome (:meth:`_response`, :meth:`_reauthorize`,
        :meth:`_on_rate_limited`, :meth:`_retry_or_raise`). Per-call state stays in locals: this runs per request."""
        compiled = request.compiled
        rt = compiled.route
        method = rt.method
        url = api_base + compiled.path
        target = self._target(api_base, compiled.path)
        lane = request.lane
        started = self._now()
        deadline = started + (request.max_wait if request.max_wait is not None else self.config.max_wait)
        data, headers = _encode_body(request)
        params = request.params or None
        context = CallContext(rt.operation_id, method, rt.path, tokens.identity, lane) if self._has_hooks else None
        waited = 0.0
        attempts = failures = rate_limits = 0
        reauthorized = False
        try:
            while True:
                stage, token = self._admit_at_once(tokens, lane)
                if stage != _ADMITTED:
                    token, wait = await self._admit(tokens, lane, stage, token, deadline, context)
                    waited += wait
                assert token is not None
                attempts += 1
                self.stats.requests += 1
                if context is not None:
                    self._hooks.request(RequestEvent(context, attempts, waited))

                status, resp_headers, body, error, sent = await self._attempt(
                    http, method, target, params, data, headers, token
                )
                if context is not None and status:
                    self._hooks.response(ResponseEvent(context, attempts, status, self._now() - started, waited))

                if status and (status < 300 or status == 304):
                    return self._response(status, resp_headers, body, rt, url, attempts, waited, started)
                if status == 401:
                    self._reauthorize(tokens, token, reauthorized, body, resp_headers, method, url, attempts, context)
                    reauthorized = True
                    continue
                if status == 429:
                    rate_limits += 1
                    await self._on_rate_limited(
                        rt.operation_id, rt.idempotent, method, url, resp_headers, body,
                        attempts, failures, rate_limits, waited, deadline, context,
                    )  # fmt: skip
                    continue
                if status and status < 500:
                    raise error_from_response(status, body, method=method, url=url, headers=resp_headers)
                failures += 1
                waited += await self._retry_or_raise(
                    rt.operation_id, rt.idempotent, method, url, status, resp_headers, body, error, sent,
                    attempts, failures, rate_limits, waited, deadline, context,
                )  # fmt: skip
        except RateLimited as exc:
            exc.method, exc.url = method, url
            raise

    def _target(self, api_base: str, path: str) -> URL:
        """The URL aiohttp is given: built from its parts, already encoded (the base parsed once; the path is
        percent-encoded by :meth:`Route.compile`), so aiohttp does not parse the string again for every request."""
        base = self._bases.get(api_base)
        if base is None:  # the session checked it (spotify_async.session.check_base)
            parsed = URL(api_base)
            base = self._bases[api_base] = (parsed.scheme, parsed.raw_authority, parsed.raw_path.rstrip("/"))
        scheme, authority, prefix = base
        return URL.build(scheme=scheme, authority=authority, path=prefix + path, encoded=True)

    def _admit_at_once(self, tokens: TokenSource[T], lane: Lane) -> tuple[int, T | None]:
        """The synchronous fast path of admission: take a slot, the cached token, a budget unit and check the gate,
        stopping at the first that would have to wait. Returns how far it got (``_ADMITTED`` when all four passed;
        otherwise the ``stage`` :meth:`_admit` resumes from) and the token if it got one."""
        if not self._slots.try_acquire(lane):
            return 0, None
        token = tokens.fresh()
        if token is None:
            return 1, None
        if not self.limiter.try_acquire(lane):
            return 2, token
        if not self.gate.is_open():
            return 3, token
        return _ADMITTED, token

    def _response(
        self,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        rt: Route,
        url: str,
        attempts: int,
        waited: float,
        started: float,
    ) -> Response:
        """The Response of a successful attempt (2xx, or 304 for the cache), with what the call cost."""
        # positional, in the fields' order (status, headers, body, method, url, operation_id, attempts, waited,
        # elapsed): half the cost of keywords, and this runs for every request
        return Response(status, headers, body, rt.method, url, rt.operation_id, attempts, waited, self._now() - started)

    def _reauthorize(
        self,
        tokens: TokenSource[T],
        token: T,
        reauthorized: bool,
        body: bytes,
        headers: Mapping[str, str],
        method: str,
        url: str,
        attempts: int,
        context: CallContext | None,
    ) -> None:
        """After a 401: invalidate ``token`` so the next admission gets a fresh one, once per call; a second 401, or
        a token that cannot be refreshed, raises Unauthorized."""
        if reauthorized or not tokens.can_refresh:
            raise self._unauthorized(401, body, headers, method, url, reauthorized, tokens.can_refresh)
        tokens.invalidate(token)
        log.debug("401 on %s %s: refreshing the token and retrying once", method, url)
        if context is not None:
            self._hooks.retry(RetryEvent(context, attempts, 401, "401: token refreshed", 0.0))

    # ----------------------------------------------------------------- admission
    async def _admit(
        self,
        tokens: TokenSource[T],
        lane: Lane,
        stage: int,
        token: T | None,
        deadline: float,
        context: CallContext | None,
    ) -> tuple[T, float]:
        """Finish the admission the fast path began at ``stage`` (0: nothing held, 1: a slot, 2: and a token, 3: and
        a budget unit): wait for what is missing under the deadline. Returns the token and the seconds waited; on any
        failure releases what it holds."""
        now = self._now
        hooks = self._hooks
        stats = self.stats
        waited = 0.0
        try:
            if stage < 1:
                queue = self.config.timeouts.queue
                start = now()
                remaining = deadline - start
                if context is not None:
                    hooks.rate_limit(RateLimitEvent(context, "queue", 0.0, None, 0))
                try:
                    await self._slots.acquire(lane, remaining if queue is None else min(queue, remaining))
                except asyncio.TimeoutError:
                    if queue is not None and queue < remaining:
                        raise asyncio.TimeoutError(
                            f"waited more than timeouts.queue={queue:g}s for one of "
                            f"{self.config.max_concurrency} request slots"
                        ) from None
                    raise RateLimited(
                        0.0,
                        reason=f"all {self.config.max_concurrency} request slots busy",
                        max_wait=self._max_wait_of(deadline, start),
                        waiting_for="queue",
                    ) from None
                stage = 1
                wait = now() - start
                stats.queue_waited += wait
                waited += wait
            if stage < 2 or token is None:
                token = await tokens.get()
                stage = 2
            gate = self.gate
            while True:
                if stage < 3 and self.limiter.try_acquire(lane):
                    stage = 3
                if stage < 3:
                    remaining = deadline - now()
                    budget_max = self.config.budget.max_wait
                    if context is not None:
                        hooks.rate_limit(RateLimitEvent(context, "budget", 0.0, None, 0))
                    self._waiting_budget += 1
                    try:
                        wait = await self.limiter.acquire(
                            remaining if budget_max is None else min(remaining, budget_max), lane
                        )
                    finally:
                        self._waiting_budget -= 1
                    stage = 3
                    stats.budget_waited += wait
                    waited += wait
                if gate.is_open():
                    break
                closed_for = gate.closed_for
                known_shut = closed_for > 0
                if known_shut:
                    # a unit is held only on the wire: give it back while waiting at the gate (a request parked
                    # there is no evidence of what the server accepts, and must not hold budget others could use)
                    self._release_unit(accepted=False)
                    stage = 2
                # else a shared gate that cannot tell without I/O: ask it, keeping the unit (it is open, mostly)
                remaining = deadline - now()
                if context is not None and known_shut:
                    hooks.rate_limit(RateLimitEvent(context, "gate", closed_for, None, 0))
                self._waiting_gate += 1
                try:
                    wait = await gate.wait(remaining)
                finally:
                    self._waiting_gate -= 1
                stats.gate_waited += wait
                waited += wait
                if not known_shut:
                    break
            return token, waited
        except BaseException:
            if stage >= 3:
                self._release_unit(accepted=False)  # never sent: frees at once, teaches nothing
            if stage >= 1:
                self._slots.release()
            raise

    def _max_wait_of(self, deadline: float, started_wait: float) -> float:
        return max(0.0, deadline - started_wait)

    def _release_unit(self, *, accepted: bool) -> None:
        limiter = self.limiter
        if not limiter.release_nowait(accepted=accepted):
            task = asyncio.ensure_future(limiter.release(accepted=accepted))
            task.add_done_callback(_log_release_failure)

    # ----------------------------------------------------------------- the attempt
    async def _attempt(
        self,
        http: aiohttp.ClientSession,
        method: str,
        url: URL,
        params: Mapping[str, str] | None,
        data: bytes | None,
        headers: dict[str, str] | None,
        token: AccessToken,
    ) -> tuple[int, Mapping[str, str], bytes, str | None, bool]:
        """Send once, holding the admitted slot and unit, and release both. Returns (status, headers, body, failure
        name, sent): status 0 with the failure's type name for a network failure; ``sent`` is False when nothing
        reached the server."""
        authorization = self._authorization.of(token)
        sent_headers: Mapping[str, str] = authorization if headers is None else {**headers, **authorization}
        status = 0
        accepted = True
        deadlines = self.deadlines
        task = deadlines.enter() if deadlines is not None else None
        try:
            if self.session_has_timeout:
                request = http.request(method, url, params=params, data=data, headers=sent_headers)
            else:
                request = http.request(
                    method, url, params=params, data=data, headers=sent_headers, timeout=self.timeout
                )
            async with request as resp:
                body = await resp.read()
                status = resp.status
                accepted = status != 429
                return status, resp.headers, body, None, True
        except aiohttp.ClientConnectorError as exc:
            accepted = False  # nothing reached the server
            return 0, {}, b"", type(exc).__name__, False
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return 0, {}, b"", type(exc).__name__, True
        except asyncio.CancelledError:
            if deadlines is not None and deadlines.expired(task):
                return 0, {}, b"", "TimeoutError", True  # Timeouts.total passed (deadline.py)
            raise
        finally:
            if task is not None and deadlines is not None:
                deadlines.leave(task)
            release_nowait = self.limiter.release_nowait
            if not release_nowait(accepted=accepted):
                await self.limiter.release(accepted=accepted)
            self._slots.release()

    # ----------------------------------------------------------------- the outcome
    def _outcome(
        self,
        operation_id: str,
        idempotent: bool,
        method: str,
        status: int,
        error: str | None,
        sent: bool,
        attempts: int,
        failures: int,
        rate_limits: int,
        retry_after: float | None,
        waited: float,
    ) -> RetryOutcome:
        return RetryOutcome(
            method=method,
            operation_id=operation_id,
            idempotent=idempotent,
            status=status,
            error=error,
            sent=sent,
            attempt=attempts,
            failures=failures,
            rate_limits=rate_limits,
            retry_after=retry_after,
            waited=waited,
        )

    async def _on_rate_limited(
        self,
        operation_id: str,
        idempotent: bool,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        attempts: int,
        failures: int,
        rate_limits: int,
        waited: float,
        deadline: float,
        context: CallContext | None,
    ) -> None:
        """A 429: shut the gate, let the limiter learn, and raise RateLimited unless the call may wait it out."""
        self.stats.rate_limited += 1
        _, reason = parse_error_body(body)
        retry_after = parse_retry_after(headers.get("Retry-After"))
        outcome = self._outcome(
            operation_id, idempotent, method, 429, None, True, attempts, failures, rate_limits, retry_after, waited
        )
        delay = self.retry.retry_delay(outcome)
        closure = retry_after if retry_after is not None else 0.0
        if delay is not None:
            closure = max(closure, min(delay, MAX_RETRY_AFTER))
        elif retry_after is None:
            closure = self.config.retry.backoff(rate_limits)
        await self.gate.close(closure, reason)
        await self.limiter.on_rate_limited(closure, reason)
        log.debug("429 on %s %s: gate shut for %.2fs (reason %s)", method, url, closure, reason)
        if context is not None:
            self._hooks.rate_limit(RateLimitEvent(context, "gate", closure, reason, 429))
        remaining = deadline - self._now()
        if delay is None or reason == QUOTA_REASON or closure > remaining:
            raise RateLimited(closure, reason=reason, max_wait=max(0.0, remaining), waiting_for="gate")
        self.stats.retries += 1
        if context is not None:
            self._hooks.retry(RetryEvent(context, attempts, 429, "429", closure))

    async def _retry_or_raise(
        self,
        operation_id: str,
        idempotent: bool,
        method: str,
        url: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        error: str | None,
        sent: bool,
        attempts: int,
        failures: int,
        rate_limits: int,
        waited: float,
        deadline: float,
        context: CallContext | None,
    ) -> float:
        """A 5xx or a network failure: back off and return the seconds slept, or raise the attempt's error."""
        outcome = self._outcome(
            operation_id, idempotent, method, status, error, sent, attempts, failures, rate_limits, None, waited
        )
        delay = self.retry.retry_delay(outcome)
        if delay is not None:
            delay = max(0.0, min(delay, MAX_RETRY_AFTER))
        if delay is None or delay > deadline - self._now():
            if status:
                raise error_from_response(status, body, method=method, url=url, headers=headers)
            if not idempotent and sent:
                raise TransportError(
                    f"{error} on a non-idempotent request (not retried: the server may have acted)",
                    method=method,
                    url=url,
                    attempts=attempts,
                ) from None
            raise TransportError(str(error), method=method, url=url, attempts=attempts) from None
        self.stats.retries += 1
        reason = str(status) if status else str(error)
        log.debug("%s on %s %s: retry %d in %.2fs", reason, method, url, failures, delay)
        if context is not None:
            self._hooks.retry(RetryEvent(context, attempts, status, reason, delay))
        await self._sleep(delay)
        return delay

    def _unauthorized(
        self,
        status: int,
        body: bytes,
        headers: Mapping[str, str],
        method: str,
        url: str,
        reauthorized: bool,
        can_refresh: bool,
    ) -> Unauthorized:
        error = error_from_response(status, body, method=method, url=url, headers=headers)
        if reauthorized:
            error.message += " (after one token refresh)"
        elif not can_refresh:
            error.message += " (this token cannot be refreshed: it is fixed or has no refresh token)"
        return Unauthorized(status, error.message, reason=error.reason, method=method, url=url, headers=headers)


def _log_release_failure(task: asyncio.Future[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.warning("releasing a budget unit failed: %r", task.exception())
