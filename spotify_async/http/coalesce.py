"""Coalescing: identical GETs in flight at the same time share one request and one structured result.

"Identical" is the cache key (:func:`spotify_async.http.cache.cache_key`): the same identity (the app token, or one
user's token: never across users), path, query and pin. The first caller starts the request as a task of its own (a
*flight*); callers arriving while it is in flight join it instead of sending. When it completes, every caller gets its
own :meth:`~spotify_async.http.Response.view` of the one answer (joiners' views say ``coalesced=True``) carrying a
shared memo, so the answer is structured once, by the first caller to read it, and the same result handed to the rest.
A failure reaches every caller, each with an exception object of its own (:func:`_copy_exception`: same type, message,
attributes, cause and traceback so far), so one caller's handler that adds a note, or the frames its own raise adds to
the traceback, never shows in another's.

Cancellation: the request runs as a task of its own and each caller waits on a future of its own (cheaper than
:func:`asyncio.shield`, which would build a future and two callbacks more per call), so cancelling one caller (a
timeout, a user leaving a handler) cancels only its future and the request runs on for the others. The last caller to
leave while it is still in flight cancels the request, which then frees its slot and its connection (see the
scheduler).

Cost: that task is the price of the guarantee. Running the first caller's request inline would be cheaper, but then
cancelling that caller would abort the request under everyone who joined it, and they would have to send it again.
Measured (#15; ``benchmarks/RESULTS.md``, issue 15's second round): the task, the caller's future and the two loop turns
they add cost about 5.5 us of CPU per GET with the HTTP layer stubbed out. At 64 requests in flight the task's timing
also sets off the cyclic collector where its young threshold is 700 allocations (Python 3.11 and 3.12: 22 young
collections per 1,000 GETs on 3.11 against 8 without coalescing, issue 15's third round; 3.13's threshold of 2,000
leaves the floor's 2): a request's HTTP objects are freed in the flight's last step and the next request's allocated in
the next flight's first step, two loop turns later, so a burst of answers lowers the count of live objects and the burst
of new requests that follows raises it past the collector's threshold. Inline, both go, yet against the local fake the
inline variant measured costlier at 64 in flight in every run (1.28x the floor against 1.16x, ``python -m
benchmarks.request_path_ab``, row ``no_coalescing``; at 8 in flight it is cheaper, 1.32x against 1.43x): a request
written the moment its caller has structured the previous answer, rather than one turn later with the others of that
turn, made the client pay more for each write. And a request saved when a caller leaves is worth more than the CPU: the
task stays.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any

from .response import Response

__all__ = ["Coalescer"]


class _Flight:
    """One request in flight and the futures of the callers waiting for it."""

    __slots__ = ("coalescer", "detached", "joined", "key", "memo", "task", "waiters")

    def __init__(self, coalescer: Coalescer, key: str) -> None:
        self.coalescer = coalescer
        self.key = key
        self.task: asyncio.Task[None] | None = None
        self.waiters: list[asyncio.Future[Response]] = []
        self.joined = 0
        self.memo: dict[Any, Any] | None = None
        self.detached = False

    async def fly(self, request: Coroutine[Any, Any, Response]) -> None:
        """Run the request and hand its outcome to every caller still waiting, from inside the task (a done callback
        would cost one more turn of the loop before anyone wakes)."""
        try:
            response = await request
        except BaseException as exc:
            self._drop()
            first = True
            for waiter in self.waiters:
                if not waiter.done():
                    if isinstance(exc, asyncio.CancelledError):
                        waiter.cancel()
                    else:
                        waiter.set_exception(exc if first else _copy_exception(exc))
                        first = False
            if not isinstance(exc, Exception):
                raise  # cancellation (the last caller left) and interpreter exits propagate
            return
        self._drop()
        for waiter in self.waiters:
            if not waiter.done():
                waiter.set_result(response)

    def _drop(self) -> None:
        flights = self.coalescer._flights
        if not self.detached and flights.get(self.key) is self:
            del flights[self.key]


def _copy_exception(exc: BaseException) -> BaseException:
    """A copy of ``exc`` for another caller: built without running ``__init__`` (our errors' signatures differ from
    their ``args``), with the same ``args``, attributes, notes, cause, context and traceback; ``exc`` itself when the
    type cannot be copied that way."""
    try:
        copy = type(exc).__new__(type(exc), *exc.args)
        copy.args = exc.args
        state = getattr(exc, "__dict__", None)
        if state:
            copy.__dict__.update(state)
            if "__notes__" in state:
                copy.__notes__ = list(state["__notes__"])  # type: ignore[attr-defined]
        copy.__cause__ = exc.__cause__
        copy.__context__ = exc.__context__
        copy.__suppress_context__ = exc.__suppress_context__
        return copy.with_traceback(exc.__traceback__)
    except Exception:
        return exc


class Coalescer:
    """The flights in progress, by key."""

    __slots__ = ("_flights",)

    def __init__(self) -> None:
        self._flights: dict[str, _Flight] = {}

    def __len__(self) -> int:
        """How many distinct requests are in flight through the coalescer."""
        return len(self._flights)

    def detach(self) -> None:
        """Let the flights in progress finish for their callers, but let no new caller join them (after a write)."""
        for flight in self._flights.values():
            flight.detached = True
        self._flights.clear()

    async def run(
        self,
        key: str,
        request: Coroutine[Any, Any, Response],
        joined: Callable[..., None] | None = None,
        *args: Any,
    ) -> Response:
        """Join the flight for ``key``, or start it by running ``request``; ``joined(*args)`` is called when this call
        shares a flight (and ``request``, not needed then, is closed unrun)."""
        flight = self._flights.get(key)
        loop = asyncio.get_running_loop()
        leader = flight is None
        # each caller waits on a future of its own, never on the task itself: cancelling a caller cancels only
        # its future, and the request runs on for the others
        waiter: asyncio.Future[Response] = loop.create_future()
        if flight is None:
            flight = self._flights[key] = _Flight(self, key)
            # the leader's future is in place before the task exists: under an eager task factory (Python 3.12's
            # asyncio.eager_task_factory) the flight runs at once, and one that fails before its first await (a
            # RateLimited raised because the gate is shut past max_wait) completes inside create_task
            flight.waiters.append(waiter)
            flight.task = loop.create_task(flight.fly(request))
        else:
            request.close()  # never started: closing it keeps "coroutine was never awaited" away
            # flight.task may still be None here: under an eager task factory the flight's first steps run inside
            # create_task, and a call they start for the same key (a request hook's, say) joins before it returns
            flight.joined += 1
            if flight.memo is None:
                flight.memo = {}
            if joined is not None:
                joined(*args)
            flight.waiters.append(waiter)
        waiters = flight.waiters
        try:
            response = await waiter
        except asyncio.CancelledError:
            if waiter in waiters:
                waiters.remove(waiter)
            task = flight.task
            if not any(not w.done() for w in waiters) and task is not None and not task.done():
                task.cancel()  # the last caller left: nobody wants the answer any more
                if self._flights.get(key) is flight:
                    del self._flights[key]
            raise
        if flight.memo is None:
            return response  # nobody joined: the leader's own answer, as if there were no coalescer
        view = response.view(coalesced=not leader)
        view.memo = flight.memo
        return view
