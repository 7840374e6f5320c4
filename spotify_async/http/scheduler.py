"""The Scheduler: every Web API request of an app goes through it, and it alone decides when one may be sent.

Theory
------
Spotify enforces one rate limit per app (client ID) over a rolling 30-second window and answers 429 past it, with a
``Retry-After`` that is usually a few seconds and occasionally many hours. Crawlers want every last request the limit
allows; bots want low latency and no hangs; backends serve many users' tokens under one app. One scheduler per app
serves all three by stacking four independent controls, each checked in this order for every attempt:

1. **Concurrency slot.** A FIFO counter (:class:`Slots`) caps requests in flight (``Config.max_concurrency``, also the
   size of the connection pool). It is the only queue callers stand in for long; waiters are served in order.
2. **A valid token.** The caller's :class:`~spotify_async.auth.TokenManager` returns the cached token or refreshes it
   once for all waiters. It comes before the budget and the gate so that a slow refresh cannot sit between the gate
   check and the send.
3. **Rate budget.** A :class:`~spotify_async.http.limiter.RateLimiter` admits at most its budget per rolling window.
   It is unlimited until the first 429 unless you give a limit, then adaptive: it learns what the server accepted,
   holds that, then creeps back up while the window stays clean. The local limiter serves one process; the Redis one
   shares the budget between processes.
4. **The 429 gate.** A :class:`~spotify_async.http.gate.Gate` that a 429 shuts for ``Retry-After``. It is checked *last*,
   immediately before the request is written, after any queueing for a slot or budget; so nothing that was queued while
   the gate shut can slip out before it reopens. Requests already on the wire come back with their own 429 and rejoin
   the wait. A closure longer than ``Config.max_wait`` raises :class:`~spotify_async.errors.RateLimited` at once.

When nothing has to wait (a free slot, a fresh token, budget to spare, an open gate) all four checks are synchronous:
the common request awaits nothing before it is written.

Then the request is sent and the outcome decides what happens next:

* 2xx/304: done. The rate budget starts the unit's cool-down when the response arrives (see the limiter).
* 401: the token is invalidated (only if it is still the current one) and the call is retried once with a fresh token;
  a second 401, or a token that cannot be refreshed, raises :class:`~spotify_async.errors.Unauthorized`.
* 429: shut the gate for ``Retry-After`` (seconds or an HTTP date; missing: exponential backoff with jitter), tell the
  limiter to slow down, and go around again. Safe for every method: a 429 was not acted on.
* 5xx (500/502/503/504), timeouts, connection failures: retried with exponential backoff and full jitter, at most
  ``RetryPolicy.max_retries`` times, for idempotent methods (GET, PUT, DELETE). A POST is retried only when the server
  surely did not act on it: a refused connection (nothing was sent) or a 429.
* Anything else maps to its typed error at once (404 -> NotFound, ...).

Backoff sleeps happen *without* holding a slot, so one unlucky call does not starve the others. Cancellation is safe at
every await: the slot is released by ``async with``, the budget unit by ``finally``, and aiohttp's response context
manager releases (or closes) the connection, so a cancelled call leaks nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import math
import random
import time
from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING

import aiohttp
import orjson

from ..config import Config
from ..errors import (
    RateLimited,
    TransportError,
    Unauthorized,
    error_from_response,
    parse_error_body,
)
from .gate import Gate, LocalGate
from .limiter import LocalRateLimiter, RateLimiter
from .response import Request, Response

if TYPE_CHECKING:
    from ..auth.manager import TokenManager

__all__ = ["Scheduler", "SchedulerStats", "Slots", "parse_retry_after"]

log = logging.getLogger("spotify_async.http")

_JSON = "application/json"


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date); None when absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        return max(0.0, when.timestamp() - (time.time() if now is None else now))
    if math.isnan(seconds) or seconds < 0:
        return None
    return seconds


class SchedulerStats:
    """Counters one scheduler keeps (the demo's summary, tests); cheap integer increments only."""

    __slots__ = ("budget_waited", "gate_waited", "rate_limited", "requests", "retries")

    def __init__(self) -> None:
        self.requests = 0
        self.retries = 0
        self.rate_limited = 0
        self.gate_waited = 0.0
        self.budget_waited = 0.0

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.__slots__}


class Slots:
    """The concurrency cap: a counter with a FIFO of waiters, and a synchronous fast path.

    ``asyncio.Semaphore`` would do, but every request would pay a coroutine to acquire it even when a slot is free.
    A released slot is handed straight to the longest waiter, so waiters are served in order.
    """

    __slots__ = ("_free", "_waiters", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._free = size
        self._waiters: deque[asyncio.Future[None]] = deque()

    @property
    def in_use(self) -> int:
        return self.size - self._free

    def try_acquire(self) -> bool:
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return True
        return False

    async def acquire(self) -> None:
        if self.try_acquire():
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # a slot was handed to us as we were cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)  # the slot passes to the next waiter directly
                return
        self._free += 1


class Scheduler:
    """Sends requests for one app under a concurrency cap, a rate budget and a shared 429 gate."""

    def __init__(
        self,
        config: Config,
        *,
        limiter: RateLimiter | None = None,
        gate: Gate | None = None,
    ) -> None:
        self.config = config
        self.limiter: RateLimiter = limiter if limiter is not None else LocalRateLimiter(config.budget)
        self.gate: Gate = gate if gate is not None else LocalGate()
        self._slots = Slots(config.max_concurrency)
        t = config.timeouts
        self.timeout = aiohttp.ClientTimeout(total=t.total, connect=t.connect, sock_read=t.read)
        #: True when the HTTP session was built with ``self.timeout`` (ours): then no per-request timeout is passed
        self.session_has_timeout = False
        self.stats = SchedulerStats()
        # synchronous fast paths, when the limiter and gate offer them (the local ones do): the common request then
        # awaits nothing before it is written
        self._try_acquire_budget = getattr(self.limiter, "try_acquire", None)
        self._release_budget_nowait = getattr(self.limiter, "release_nowait", None)
        self._gate_is_open = getattr(self.gate, "is_open", None)

    async def _acquire_slot(self) -> None:
        queue = self.config.timeouts.queue
        if queue is None:
            await self._slots.acquire()
            return
        try:
            await asyncio.wait_for(self._slots.acquire(), timeout=queue)
        except asyncio.TimeoutError:
            raise asyncio.TimeoutError(
                f"waited more than timeouts.queue={queue:g}s for one of {self.config.max_concurrency} request slots"
            ) from None

    def _backoff(self, attempt: int) -> float:
        policy = self.config.retry
        return random.uniform(0.0, min(policy.backoff_cap, policy.backoff_base * 2 ** (attempt - 1)))

    async def send(
        self,
        http: aiohttp.ClientSession,
        tokens: TokenManager,
        api_base: str,
        request: Request,
    ) -> Response:
        """Send ``request`` under every control described in the module docstring; return its Response or raise."""
        config = self.config
        route = request.route
        method = route.route.method
        url = request.url or api_base + route.path
        idempotent = route.route.idempotent
        max_wait = config.max_wait
        budget_max_wait = config.budget.max_wait if config.budget.max_wait is not None else math.inf
        started = time.monotonic()
        waited = 0.0
        attempts = 0
        failures = 0  # retryable failures so far (5xx, network)
        rate_limits = 0
        reauthorized = False
        headers: dict[str, str] = {**request.headers} if request.headers else {}
        data: bytes | None = request.data
        if request.json is not None:
            data = orjson.dumps(request.json)
            headers["Content-Type"] = _JSON
        elif request.content_type is not None:
            headers["Content-Type"] = request.content_type
        stats = self.stats
        limiter = self.limiter
        gate = self.gate

        slots = self._slots
        try_acquire_budget = self._try_acquire_budget
        release_budget_nowait = self._release_budget_nowait
        gate_is_open = self._gate_is_open
        params = request.params or None

        while True:
            if not slots.try_acquire():
                await self._acquire_slot()
            try:
                token = tokens.fresh() or await tokens.get()
                if try_acquire_budget is None or not try_acquire_budget():
                    budget_wait = await limiter.acquire(budget_max_wait)
                    if budget_wait:
                        stats.budget_waited += budget_wait
                        waited += budget_wait
                try:
                    if gate_is_open is None or not gate_is_open():
                        gate_wait = await gate.wait(max_wait)
                        if gate_wait:
                            stats.gate_waited += gate_wait
                            waited += gate_wait
                    headers["Authorization"] = f"{token.token_type} {token.access_token}"
                    attempts += 1
                    stats.requests += 1
                    status, resp_headers, body = await self._attempt(http, method, url, params, data, headers)
                finally:
                    if release_budget_nowait is not None:
                        release_budget_nowait()
                    else:
                        await limiter.release()
            except RateLimited as exc:
                exc.method, exc.url = method, url
                raise
            except aiohttp.ClientConnectorError as exc:
                # nothing reached the server: safe to retry for every method
                status, failure_name = 0, type(exc).__name__
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                if not idempotent:
                    raise TransportError(
                        f"{type(exc).__name__} on a non-idempotent request (not retried: the server may have acted)",
                        method=method,
                        url=url,
                        attempts=attempts,
                    ) from None
                status, failure_name = 0, type(exc).__name__
            finally:
                self._slots.release()

            if status:
                if status < 300 or status == 304:
                    return Response(
                        status=status,
                        headers=resp_headers,
                        body=body,
                        method=method,
                        url=url,
                        operation_id=route.route.operation_id,
                        attempts=attempts,
                        waited=waited,
                        elapsed=time.monotonic() - started,
                    )
                if status == 401:
                    if not reauthorized and tokens.can_refresh:
                        reauthorized = True
                        tokens.invalidate(token)
                        log.debug("401 on %s %s: refreshing the token and retrying once", method, url)
                        continue
                    error = error_from_response(status, body, method=method, url=url, headers=resp_headers)
                    if reauthorized:
                        error.message += " (after one token refresh)"
                    elif not tokens.can_refresh:
                        error.message += " (this token cannot be refreshed: it is fixed or has no refresh token)"
                    raise Unauthorized(
                        status,
                        error.message,
                        reason=error.reason,
                        method=method,
                        url=url,
                        headers=resp_headers,
                    )
                if status == 429:
                    rate_limits += 1
                    stats.rate_limited += 1
                    _, reason = parse_error_body(body)
                    retry_after = parse_retry_after(resp_headers.get("Retry-After"))
                    if retry_after is None:
                        retry_after = self._backoff(rate_limits) + 0.1
                    await gate.close(retry_after, reason)
                    await limiter.on_rate_limited(retry_after)
                    log.debug("429 on %s %s: gate shut for %.2fs (reason %s)", method, url, retry_after, reason)
                    if retry_after > max_wait or rate_limits > config.retry.max_rate_limit_retries:
                        raise RateLimited(retry_after, reason=reason, method=method, url=url, max_wait=max_wait)
                    stats.retries += 1
                    continue
                if status in config.retry.retry_statuses and idempotent and failures < config.retry.max_retries:
                    failures += 1
                    stats.retries += 1
                    delay = self._backoff(failures)
                    log.debug("%d on %s %s: retry %d in %.2fs", status, method, url, failures, delay)
                    await asyncio.sleep(delay)
                    waited += delay
                    continue
                raise error_from_response(status, body, method=method, url=url, headers=resp_headers)

            # a network failure that may be retried
            if failures >= config.retry.max_retries:
                raise TransportError(failure_name, method=method, url=url, attempts=attempts) from None
            failures += 1
            stats.retries += 1
            delay = self._backoff(failures)
            log.debug("%s on %s %s: retry %d in %.2fs", failure_name, method, url, failures, delay)
            await asyncio.sleep(delay)
            waited += delay

    async def _attempt(
        self,
        http: aiohttp.ClientSession,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        data: bytes | None,
        headers: Mapping[str, str],
    ) -> tuple[int, Mapping[str, str], bytes]:
        if self.session_has_timeout:
            request = http.request(method, url, params=params, data=data, headers=headers)
        else:
            request = http.request(method, url, params=params, data=data, headers=headers, timeout=self.timeout)
        async with request as resp:
            body = await resp.read()
            return resp.status, resp.headers, body
