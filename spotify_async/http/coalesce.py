"""Coalescing: identical GETs in flight at the same time share one request and one structured result.

"Identical" is the cache key (:func:`spotify_async.http.cache.cache_key`): the same identity (the app token, or one
user's token: never across users), path, query and pin. The first caller starts the request as a task of its own (a
*flight*); callers arriving while it is in flight join it instead of sending. When it completes, every caller gets its
own :meth:`~spotify_async.http.Response.view` of the one answer (joiners' views say ``coalesced=True``) carrying a
shared memo, so the answer is structured once, by the first caller to read it, and the same result handed to the rest.
A failure reaches every caller.

Cancellation: each caller waits through :func:`asyncio.shield`, so cancelling one caller (a timeout, a user leaving a
handler) leaves the request running for the others. The flight keeps a count of its callers; the last one to leave
while it is still in flight cancels the request, which then frees its slot and its connection (see the scheduler).
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any

from .response import Response

__all__ = ["Coalescer"]


class _Flight:
    __slots__ = ("joined", "memo", "task", "waiters")

    def __init__(self, task: asyncio.Future[Response]) -> None:
        self.task = task
        self.waiters = 0
        self.joined = 0
        self.memo: dict[Any, Any] | None = None


class Coalescer:
    """The flights in progress, by key."""

    __slots__ = ("_flights",)

    def __init__(self) -> None:
        self._flights: dict[str, _Flight] = {}

    def __len__(self) -> int:
        """How many distinct requests are in flight through the coalescer."""
        return len(self._flights)

    def _done(self, key: str, flight: _Flight, _: object) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]

    async def run(
        self,
        key: str,
        factory: Callable[[], Awaitable[Response]],
        joined: Callable[[], None] | None = None,
    ) -> Response:
        """Join the flight for ``key``, or start it with ``factory()``; ``joined`` is called when this call shares."""
        flights = self._flights
        flight = flights.get(key)
        leader = flight is None
        if flight is None:
            flight = _Flight(asyncio.ensure_future(factory()))
            flights[key] = flight
            flight.task.add_done_callback(functools.partial(self._done, key, flight))
        else:
            flight.joined += 1
            if flight.memo is None:
                flight.memo = {}
            if joined is not None:
                joined()
        flight.waiters += 1
        try:
            response = await asyncio.shield(flight.task)
        except asyncio.CancelledError:
            flight.waiters -= 1
            if flight.waiters == 0 and not flight.task.done():
                flight.task.cancel()  # the last caller left: nobody wants the answer any more
                if flights.get(key) is flight:
                    del flights[key]
            raise
        flight.waiters -= 1
        if flight.memo is None:
            return response  # nobody joined: the leader's own answer, as if there were no coalescer
        view = response.view(coalesced=not leader)
        view.memo = flight.memo
        return view
