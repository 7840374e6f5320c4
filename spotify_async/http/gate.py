"""The global 429 gate: when Spotify says "slow down", every request of the app waits, then they go in order.

A 429 closes the gate until ``Retry-After`` has passed. Every request checks the gate right before it is sent (after
queueing for a concurrency slot and for the rate budget), so nothing that was queued leaks through while it is closed,
and requests already in flight that come back with their own 429 simply extend the closure. Waiters share one future
per closure, resolved by one timer on the injected clock when the closure ends; they resume in the order they started
waiting (FIFO).

A closure that would outlast the caller's remaining ``max_wait`` raises :class:`~spotify_async.errors.RateLimited` at
once, carrying the remaining time and Spotify's ``reason``: nothing sleeps for hours because Spotify once said
``Retry-After: 86400``. The gate only ever waits for a known instant, so every wait it makes is bounded.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Protocol, runtime_checkable

from ..errors import RateLimited
from .clock import SYSTEM_CLOCK, Clock, TimerHandle

__all__ = ["Gate", "LocalGate"]


@runtime_checkable
class Gate(Protocol):
    """What the scheduler asks of the 429 gate (local here; a Redis gate shares it between processes).

    The scheduler calls :meth:`is_open` first (synchronous) and awaits :meth:`wait` only when it returns False; a gate
    that cannot tell without I/O returns False.
    """

    def is_open(self) -> bool:
        """True when the gate is surely open now, without awaiting anything."""
        ...

    async def wait(self, max_wait: float) -> float:
        """Return once the gate is open (seconds waited); raise RateLimited if it stays shut longer than max_wait."""
        ...

    async def close(self, retry_after: float, reason: str | None = None) -> None:
        """Shut the gate for ``retry_after`` seconds from now (never shortens a longer closure)."""
        ...

    @property
    def closed_for(self) -> float:
        """Seconds until the gate opens, as far as this process knows (0 when open)."""
        ...


class LocalGate:
    """The gate of one process."""

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self.clock = clock
        self._now: Callable[[], float] = time.monotonic if clock is SYSTEM_CLOCK else clock.now
        self._until = -1e18  # instant the gate opens, on the clock
        self._reason: str | None = None
        self._opened: asyncio.Future[None] | None = None
        self._timer: TimerHandle | None = None
        #: closures so far (the demo reports it)
        self.closures = 0
        #: calls waiting at the gate now
        self.waiting = 0

    @property
    def closed_for(self) -> float:
        return max(0.0, self._until - self._now())

    @property
    def reason(self) -> str | None:
        """Spotify's reason for the latest closure, if it gave one."""
        return self._reason

    def is_open(self) -> bool:
        """Whether a request may go now (the scheduler's synchronous fast path)."""
        return self._until <= self._now()

    async def wait(self, max_wait: float) -> float:
        now = self._now()
        if self._until <= now:
            return 0.0
        start = now
        self.waiting += 1
        try:
            while True:
                remaining = self._until - now
                if remaining <= 0:
                    return now - start
                if (now - start) + remaining > max_wait:
                    raise RateLimited(remaining, reason=self._reason, max_wait=max_wait, waiting_for="gate")
                opened = self._opened
                if opened is None or opened.done():  # closed by state learned elsewhere: arm our own timer
                    opened = self._arm(remaining)
                await asyncio.shield(opened)
                now = self._now()
        finally:
            self.waiting -= 1

    def _arm(self, delay: float) -> asyncio.Future[None]:
        opened = self._opened = asyncio.get_running_loop().create_future()
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self.clock.call_later(delay, self._open, opened)
        return opened

    async def close(self, retry_after: float, reason: str | None = None) -> None:
        self.close_nowait(retry_after, reason)

    def close_nowait(self, retry_after: float, reason: str | None = None) -> None:
        """Shut the gate for ``retry_after`` seconds (synchronous; :meth:`close` awaits nothing more)."""
        now = self._now()
        until = now + retry_after
        if until <= self._until:
            return
        self._reason = reason
        self.closures += 1
        self._until = until
        # waiters of a shorter closure wake now and re-check: those whose max_wait the new end exceeds raise at once,
        # the others wait again, in the same order, for the new end
        previous = self._opened
        self._arm(retry_after)
        if previous is not None and not previous.done():
            previous.set_result(None)

    def _open(self, opened: asyncio.Future[None]) -> None:
        self._timer = None
        if not opened.done():
            opened.set_result(None)
