"""Clock: the one source of "now", sleeps and timers for the limiter, the gate and the scheduler.

Everything in the request path that waits reads time and arms timers through a :class:`Clock`, never through
``time.monotonic``, ``asyncio.sleep`` or ``loop.call_later`` directly. Production code uses :data:`SYSTEM_CLOCK` (the
monotonic clock the event loop itself uses); tests inject :class:`~spotify_async.testing.FakeClock`, whose virtual time
jumps straight to the next timer, so a test of a 30-second pause runs in milliseconds and can assert exact bounds.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

__all__ = ["SYSTEM_CLOCK", "Clock", "SystemClock", "TimerHandle"]


@runtime_checkable
class TimerHandle(Protocol):
    """What :meth:`Clock.call_later` returns: a timer that can be cancelled."""

    def cancel(self) -> None: ...


@runtime_checkable
class Clock(Protocol):
    """Monotonic seconds, an awaitable sleep, and timers, all on one time base."""

    def now(self) -> float:
        """Monotonic seconds (only differences mean anything)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` on this clock."""
        ...

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> TimerHandle:
        """Run ``callback(*args)`` on the running loop after ``delay`` seconds of this clock."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic`` (the event loop's own time base), ``asyncio.sleep``, ``loop.call_later``."""

    __slots__ = ()

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any) -> TimerHandle:
        return asyncio.get_running_loop().call_later(delay, callback, *args)

    def __repr__(self) -> str:
        return "SystemClock()"


#: the clock every component uses unless a test gives it another
SYSTEM_CLOCK = SystemClock()
