"""The global 429 gate: when Spotify says "slow down", every request of the app waits, then they go in order.

A 429 closes the gate until ``Retry-After`` has passed. Every request checks the gate right before it is sent (after
queueing for a concurrency slot and for the rate budget), so nothing that was queued leaks through while it is closed,
and requests already in flight that come back with their own 429 simply extend the closure. Waiters are woken by one
``asyncio.Event`` whose waiters resume in the order they started waiting (FIFO).

A closure longer than the caller's ``max_wait`` raises :class:`~spotify_async.errors.RateLimited` at once, carrying the
remaining time and Spotify's ``reason``: nothing sleeps for hours because Spotify once said ``Retry-After: 86400``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, runtime_checkable

from ..errors import RateLimited

__all__ = ["Gate", "LocalGate"]


@runtime_checkable
class Gate(Protocol):
    """What the scheduler asks of the 429 gate (local here; a Redis gate shares it between processes)."""

    async def wait(self, max_wait: float) -> float:
        """Return once the gate is open (seconds waited); raise RateLimited if it stays shut longer than max_wait."""
        ...

    async def close(self, retry_after: float, reason: str | None = None) -> None:
        """Shut the gate for ``retry_after`` seconds from now (never shortens a longer closure)."""
        ...


class LocalGate:
    """The gate of one process."""

    def __init__(self) -> None:
        self._until = 0.0  # monotonic instant the gate opens
        self._reason: str | None = None
        self._opened: asyncio.Event | None = None
        self._timer: asyncio.TimerHandle | None = None
        #: closures so far (the demo reports it)
        self.closures = 0

    @property
    def closed_for(self) -> float:
        return max(0.0, self._until - time.monotonic())

    def is_open(self) -> bool:
        """Whether a request may go now (the scheduler's synchronous fast path)."""
        return self._until <= time.monotonic()

    async def wait(self, max_wait: float) -> float:
        remaining = self._until - time.monotonic()
        if remaining <= 0:
            return 0.0
        start = time.monotonic()
        while True:
            now = time.monotonic()
            remaining = self._until - now
            if remaining <= 0:
                return now - start
            if (now - start) + remaining > max_wait:
                raise RateLimited(remaining, reason=self._reason, max_wait=max_wait)
            event = self._opened
            if event is None:  # closed by a peer process state we only learned of; plain sleep is fine
                await asyncio.sleep(remaining)
            else:
                await event.wait()

    async def close(self, retry_after: float, reason: str | None = None) -> None:
        until = time.monotonic() + retry_after
        self._reason = reason
        if until <= self._until:
            return
        self.closures += 1
        self._until = until
        loop = asyncio.get_running_loop()
        if self._opened is None or self._opened.is_set():
            self._opened = asyncio.Event()
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(retry_after, self._open, self._opened)

    def _open(self, event: asyncio.Event) -> None:
        self._timer = None
        event.set()
