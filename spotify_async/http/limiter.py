"""Rate limiters: the client-side rolling-window budget, as a protocol with a local (in-process) implementation.

Theory
------
Spotify counts requests per app over a rolling 30-second window and answers 429 past a number it does not publish. The
limiter keeps the number of requests that *could* fall inside the server's window at or under a budget:

* A request holds a unit of budget from the moment it is admitted until ``window`` seconds after its response arrived.
  Counting from the response, not the send, is what makes the bound exact: the server saw the request at some instant
  between our send and our receipt, so a unit released ``window`` after the receipt can no longer share a server window
  with its successor, whatever the latency did in between. It costs one latency per window of use (well under 1 %).
* With no known limit (the default) nothing waits; the limiter only remembers when recent responses arrived.
* On a 429 the budget becomes adaptive (multiplicative decrease): it drops to ``decrease`` times the number of
  responses that came back within the last window before this 429, which is what the server accepted: requests still
  in flight are not counted (they were sent blind and may be refused too; counting them made the first cut land far
  above the real limit). It happens at most once per window (a burst of 429s from one overshoot is one signal, not
  fifty). The learned pace is then held for ``hold`` windows (probing above a pace that just met a 429 costs a 429
  and a ``Retry-After`` pause every time); after that, every full window without a 429 lets it creep up by
  ``increase`` of itself, never above the configured ``limit`` when one is given.
* Waiters are served first come, first served (one ``asyncio.Lock`` orders them), and a wait that would run past the
  caller's ``max_wait`` raises :class:`~spotify_async.errors.RateLimited` instead of sleeping.

The :class:`RateLimiter` protocol is what the scheduler needs; the Redis implementation shares one budget between
processes with the same semantics.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from typing import Protocol, runtime_checkable

from ..config import RateBudget
from ..errors import RateLimited

__all__ = ["LocalRateLimiter", "RateLimiter"]


@runtime_checkable
class RateLimiter(Protocol):
    """What the scheduler asks of a rate budget."""

    async def acquire(self, max_wait: float) -> float:
        """Wait for a unit of budget; return the seconds waited. Raise RateLimited rather than wait past max_wait."""
        ...

    async def release(self) -> None:
        """The request admitted by the matching acquire() has its response (or failed): start its cool-down."""
        ...

    async def on_rate_limited(self, retry_after: float) -> None:
        """A 429 arrived: lower the pace."""
        ...

    @property
    def current_limit(self) -> float | None:
        """The budget per window now in force (``None``: unlimited)."""
        ...


class LocalRateLimiter:
    """An adaptive rolling-window budget for one process."""

    def __init__(self, budget: RateBudget) -> None:
        self.budget = budget
        self.window = budget.window
        self._limit: float | None = float(budget.limit) if budget.limit is not None else None
        self._in_flight = 0
        self._released: deque[float] = deque()  # monotonic receipt times of responses within the window
        self._lock = asyncio.Lock()
        self._last_decrease = -math.inf
        self._last_adjust = time.monotonic()
        #: adaptive decreases so far (demo and tests read it)
        self.decreases = 0

    @property
    def current_limit(self) -> float | None:
        return self._limit

    def _prune(self, now: float) -> None:
        cutoff = now - self.window
        released = self._released
        while released and released[0] <= cutoff:
            released.popleft()

    def _occupied(self, now: float) -> int:
        self._prune(now)
        return self._in_flight + len(self._released)

    def _creep(self, now: float) -> None:
        limit = self._limit
        if limit is None or not self.budget.adaptive:
            return
        windows = int((now - self._last_adjust) / self.window)
        if windows <= 0:
            return
        self._last_adjust += windows * self.window
        grown = limit * (1 + self.budget.increase) ** windows
        ceiling = self.budget.limit
        self._limit = min(grown, float(ceiling)) if ceiling is not None else grown

    async def acquire(self, max_wait: float) -> float:
        if self.try_acquire():
            return 0.0
        return await self._acquire_slow(time.monotonic(), max_wait)

    async def _acquire_slow(self, start: float, max_wait: float) -> float:
        deadline = start + max_wait
        try:
            await asyncio.wait_for(self._lock.acquire(), timeout=max(0.0, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            raise RateLimited(time.monotonic() - start, reason="client rate budget", max_wait=max_wait) from None
        try:
            while True:
                now = time.monotonic()
                self._creep(now)
                limit = self._limit
                if limit is None or self._occupied(now) < limit:
                    self._in_flight += 1
                    return now - start
                # a unit frees when the oldest receipt leaves the window; when every unit is still in flight, poll
                # briefly: their responses are on the way and start their own cool-down
                wait = self._released[0] + self.window - now if self._released else 0.05
                if now + wait > deadline:
                    raise RateLimited(wait, reason="client rate budget", max_wait=max_wait)
                await asyncio.sleep(max(wait, 0.001))
        finally:
            self._lock.release()

    def try_acquire(self) -> bool:
        """Admit at once when the budget allows it without waiting (the scheduler's synchronous fast path)."""
        if self._limit is None:
            self._in_flight += 1
            return True
        now = time.monotonic()
        self._creep(now)
        if not self._lock.locked() and self._occupied(now) < self._limit:
            self._in_flight += 1
            return True
        return False

    def release_nowait(self) -> None:
        self._in_flight -= 1
        now = time.monotonic()
        released = self._released
        released.append(now)
        # prune here too: while the budget is unlimited nothing else would, and the deque would grow forever
        cutoff = now - self.window
        while released[0] <= cutoff:
            released.popleft()

    async def release(self) -> None:
        self.release_nowait()

    async def on_rate_limited(self, retry_after: float) -> None:
        if not self.budget.adaptive and self._limit is not None:
            return
        now = time.monotonic()
        if now - self._last_decrease < self.window:
            return
        self._last_decrease = now
        # hold the learned pace for `hold` windows before creeping (the creep counts windows from _last_adjust)
        self._last_adjust = now + self.budget.hold * self.window
        self._prune(now)
        accepted = len(self._released) - 1  # the 429 itself came back too; it was not accepted
        base = accepted if accepted > 0 else (self._limit or float(self.budget.floor))
        self._limit = max(float(self.budget.floor), base * self.budget.decrease)
        self.decreases += 1
