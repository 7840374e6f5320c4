"""FakeClock: virtual time for tests of anything that waits (the limiter, the gate, the scheduler).

Give it where a component takes a ``clock=`` (:class:`~spotify_async.http.clock.Clock`); its time moves only when a
test says so, so a test of a 30-second pause runs in microseconds and can assert exact lower *and* upper bounds::

    clock = FakeClock()
    gate = LocalGate(clock=clock)
    async with clock.autojump():         # whenever the loop is idle, jump to the next timer
        await gate.close(30.0)
        waited = await gate.wait(60.0)   # returns at once in real time
    assert waited == 30.0

:meth:`FakeClock.advance` moves time by hand instead. Real I/O (a socket) does not advance it: use it where the waits
under test are the component's own, and the real clock for tests of servers that take time to answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import AsyncIterator, Callable
from typing import Any

__all__ = ["FakeClock"]


class _Timer:
    __slots__ = ("args", "callback", "cancelled", "when")

    def __init__(self, when: float, callback: Callable[..., Any], args: tuple[Any, ...]) -> None:
        self.when = when
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class FakeClock:
    """A :class:`~spotify_async.http.clock.Clock` whose time moves only by :meth:`advance` or :meth:`autojump`."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._timers: list[tuple[float, int, _Timer]] = []
        self._seq = itertools.count()
        #: every sleep and timer delay asked for, in order (tests read it)
        self.delays: list[float] = []

    def now(self) -> float:
        return self._now

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> _Timer:
        delay = max(0.0, delay)
        self.delays.append(delay)
        timer = _Timer(self._now + delay, callback, args)
        heapq.heappush(self._timers, (timer.when, next(self._seq), timer))
        return timer

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        timer = self.call_later(seconds, _resolve, future)
        try:
            await future
        finally:
            timer.cancel()

    @property
    def next_timer(self) -> float | None:
        """When the earliest pending timer fires (``None``: none pending)."""
        self._drop_cancelled()
        return self._timers[0][0] if self._timers else None

    def _drop_cancelled(self) -> None:
        timers = self._timers
        while timers and timers[0][2].cancelled:
            heapq.heappop(timers)

    def advance(self, seconds: float) -> None:
        """Move time forward, firing every timer that falls due, in order, each at its own instant."""
        target = self._now + max(0.0, seconds)
        while True:
            self._drop_cancelled()
            if not self._timers or self._timers[0][0] > target:
                break
            when, _, timer = heapq.heappop(self._timers)
            self._now = max(self._now, when)
            timer.callback(*timer.args)
        self._now = target

    def jump(self) -> bool:
        """Move time to the next timer and fire it (and every other due then); False when none is pending."""
        when = self.next_timer
        if when is None:
            return False
        self.advance(when - self._now)
        return True

    @contextlib.asynccontextmanager
    async def autojump(self, idle_rounds: int = 20) -> AsyncIterator[FakeClock]:
        """While inside, whenever the event loop has had ``idle_rounds`` turns with nothing else ready, jump to the
        next timer. Lets a test await code that sleeps on this clock as if the sleeps took no time."""

        async def drive() -> None:
            loop = asyncio.get_running_loop()
            while True:
                for _ in range(idle_rounds):
                    await asyncio.sleep(0)
                ready = getattr(loop, "_ready", None)  # CPython's queue of callbacks due now
                if ready is not None and len(ready) > 0:
                    continue
                if not self.jump():
                    await asyncio.sleep(0)

        task = asyncio.ensure_future(drive())
        try:
            yield self
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def __repr__(self) -> str:
        return f"FakeClock(now={self._now:.3f}, timers={len(self._timers)})"


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
