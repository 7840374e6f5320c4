"""Attempt deadlines: ``Timeouts.total`` for every request in flight, kept by one timer per scheduler rather than one
timer per request.

Theory
------
Every attempt (one HTTP request: connect, send, read the whole body) must end within ``Timeouts.total``. aiohttp can
keep that bound itself, but it does so per request: a handle in the event loop's timer heap, a timeout handle, a timer
context that looks up the current task on the way in and out, and a callback record. After the request the cancelled
handle stays in the heap until the loop next rebuilds it, so each request leaves a few objects alive for the whole of
the total. Measured on this client (``benchmarks/RESULTS.md``, issue 15's third round): at 64 requests in flight those
objects, and the young collections of the cyclic collector they set off, cost 0.05x-0.14x of the raw floor's CPU per
GET.

So the scheduler keeps the total itself, with :class:`AttemptDeadlines`:

* an attempt **enters**: its task and its deadline (now plus the total) are stored in a dict, and the one timer is
  armed if it is not already;
* the timer **ticks** every ``resolution`` (a tenth of the total, at most one second) while any attempt is in flight,
  and cancels each task whose deadline has passed, remembering that it did (:meth:`AttemptDeadlines.expired`);
* the attempt **leaves** in its ``finally`` (one dict deletion). When no attempt is left, the next tick does not re-arm
  the timer, so an idle session holds no timer at all.

The attempt turns a cancellation it finds :meth:`~AttemptDeadlines.expired` into a timeout (``TimeoutError``, which the
retry policy treats like any other), and first takes that one cancellation back (``Task.uncancel``), so the task is
left exactly as cancelled as it was before. A cancellation that came from somewhere else (the caller left, a
``wait_for`` around the call) is never swallowed: if the task is still being cancelled once ours is taken back, the
``CancelledError`` goes on up. That is the rule aiohttp's own timer context and :func:`asyncio.timeout` follow.

An attempt therefore ends between ``total`` and ``total + resolution`` after it started (aiohttp, for a total of 5 s
or more, itself rounds the deadline up to the next whole second: the same order). The cancellation is delivered where
the task is suspended, which is always inside the request (a task is only registered while it awaits aiohttp), and
aiohttp closes the connection of a cancelled request rather than reusing it.

Python 3.10 has neither ``Task.uncancel`` nor ``Task.cancelling``: a timeout and a cancellation from elsewhere in the
same turn of the loop could not be told apart, so there :func:`attempt_deadlines` returns ``None`` and the total is
aiohttp's per request, as before.
"""

from __future__ import annotations

import asyncio
import sys

__all__ = ["EXACT", "MAX_RESOLUTION", "AttemptDeadlines", "attempt_deadlines"]

#: whether the total can be kept exactly here (``Task.uncancel`` and ``Task.cancelling`` exist: Python 3.11)
EXACT = sys.version_info >= (3, 11)

if sys.version_info >= (3, 11):

    def _cancelling(task: asyncio.Task[object]) -> int:
        return task.cancelling()

    def _uncancel(task: asyncio.Task[object]) -> int:
        return task.uncancel()

else:  # never used: attempt_deadlines returns None first

    def _cancelling(task: asyncio.Task[object]) -> int:
        raise NotImplementedError("Task.cancelling needs Python 3.11")

    def _uncancel(task: asyncio.Task[object]) -> int:
        raise NotImplementedError("Task.uncancel needs Python 3.11")


#: the longest interval between two ticks of the timer (seconds); shorter totals tick at a tenth of the total
MAX_RESOLUTION = 1.0
#: the message of the cancellation a tick sends (seen only in a traceback, should a caller ever catch it raw)
CANCEL_MESSAGE = "spotify_async: the attempt's Timeouts.total passed"


class AttemptDeadlines:
    """The deadlines of the attempts in flight under one scheduler, and the one timer that enforces them."""

    __slots__ = ("_expired", "_handle", "_loop", "_prior", "_running", "resolution", "total")

    def __init__(self, total: float) -> None:
        self.total = total
        self.resolution = min(MAX_RESOLUTION, total / 10)
        self._running: dict[asyncio.Task[object], float] = {}
        #: tasks a tick cancelled and whose attempt has not yet seen it
        self._expired: set[asyncio.Task[object]] = set()
        #: tasks that were already being cancelled when their attempt entered, with their count then (rare)
        self._prior: dict[asyncio.Task[object], int] = {}
        self._handle: asyncio.TimerHandle | None = None
        #: the loop the timer was armed on (a closed loop's handle never fires: the next loop arms its own)
        self._loop: asyncio.AbstractEventLoop | None = None

    def __repr__(self) -> str:
        return f"<AttemptDeadlines total={self.total} in_flight={len(self._running)} armed={self.armed}>"

    @property
    def armed(self) -> bool:
        """Whether the timer is set (only while attempts are in flight, and until the tick after the last left)."""
        return self._handle is not None

    @property
    def in_flight(self) -> int:
        return len(self._running)

    def enter(self) -> asyncio.Task[object] | None:
        """Register the current task's attempt; returns the task to pass to :meth:`leave` (``None``: not registered,
        because no task runs this or the task already has an attempt registered, whose deadline then bounds both)."""
        task = asyncio.current_task()
        if task is None or task in self._running:
            return None
        loop = task.get_loop()
        self._running[task] = loop.time() + self.total
        cancelling = _cancelling(task)
        if cancelling:
            self._prior[task] = cancelling
        if self._handle is None or self._loop is not loop:
            if self._loop is not loop:
                self._forget_other_loops(loop)
            self._loop = loop
            self._handle = loop.call_at(loop.time() + self.resolution, self._tick, loop)
        return task

    def leave(self, task: asyncio.Task[object]) -> None:
        """The attempt of ``task`` is over (called from its ``finally``)."""
        self._running.pop(task, None)  # gone already only if its loop was replaced (_forget_other_loops)
        if self._expired and task in self._expired:
            # cancelled by a tick, yet the attempt ended without the CancelledError reaching it (code below it turned
            # the cancellation into another error): take the cancellation back all the same
            self._expired.discard(task)
            _uncancel(task)
        if self._prior:
            self._prior.pop(task, None)

    def expired(self, task: asyncio.Task[object] | None) -> bool:
        """Called with the ``CancelledError`` an attempt caught: True when that cancellation was this timer's and
        nothing else is cancelling the task (the cancellation is then taken back, and the attempt timed out); False
        when it must propagate."""
        if task is None or task not in self._expired:
            return False
        self._expired.discard(task)
        remaining = _uncancel(task)
        return remaining <= self._prior.get(task, 0)

    def _forget_other_loops(self, loop: asyncio.AbstractEventLoop) -> None:
        """Drop the attempts of tasks on another loop (one closed without cancelling them: their attempts will never
        leave), so they are neither kept alive nor cancelled on a loop that is gone."""
        for task in [task for task in self._running if task.get_loop() is not loop]:
            del self._running[task]
            self._expired.discard(task)
            self._prior.pop(task, None)

    def _tick(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop is not self._loop:
            return  # armed on a loop since replaced; that loop's own tick keeps the deadlines
        self._handle = None
        running = self._running
        if not running:
            return
        now = loop.time()
        overdue = [task for task, deadline in running.items() if deadline <= now and task not in self._expired]
        for task in overdue:
            self._expired.add(task)
            task.cancel(CANCEL_MESSAGE)
        self._handle = loop.call_at(now + self.resolution, self._tick, loop)


def attempt_deadlines(total: float) -> AttemptDeadlines | None:
    """The scheduler's deadline keeper for ``total``, or ``None`` where it cannot be exact (Python 3.10, see the
    module docstring): the total is then left to aiohttp."""
    return AttemptDeadlines(total) if EXACT else None
