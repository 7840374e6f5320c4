"""Call and Paged: what an endpoint method returns.

A :class:`Call` is awaitable (``album = await sp.albums.get(id)``) and also offers
``await call.with_response()``, which returns the model together with this call's own
:class:`~spotify_async.http.Response` (status, headers, attempts, seconds waited). Nothing is sent until it is
awaited, and argument errors are raised when the method is called, before anything is sent.

A :class:`Paged` is what paged endpoints return. Awaiting it gives the first :class:`~spotify_async.models.Page`;
``async for item in paged`` yields every item in order, fetching the remaining offset pages concurrently (at most
``Config.page_prefetch`` ahead of the consumer) once the first page has told the total; ``paged.pages()`` yields the pages
themselves; ``max_items`` caps how many items are yielded. Leaving the loop early cancels the pages still in flight.
:class:`CursorPaged` walks cursor pages (recently played, followed artists) by following ``next``.
"""

from __future__ import annotations

import asyncio
import gc
import math
from collections import deque
from collections.abc import AsyncIterator, Callable, Generator
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import parse_qsl, urlsplit

import orjson

from ..errors import InvalidInput, ModelError
from ..models import CursorPage, Page
from .response import Request, Response

if TYPE_CHECKING:
    from ..session import Spotify

__all__ = ["Call", "CursorPaged", "Paged"]

T = TypeVar("T")
P = TypeVar("P")
R = TypeVar("R")
S = TypeVar("S", bound="_Pages[Any, Any]")


def decode(response: Response) -> Any:
    """The JSON body of a response, with a ModelError (not a crash) when Spotify sent something else."""
    try:
        return orjson.loads(response.body)
    except orjson.JSONDecodeError:
        snippet = response.body[:80].decode("utf-8", "replace")
        raise ModelError(
            f"{response.method} {response.url} answered {response.status} with a body that is not JSON: {snippet!r}"
        ) from None


def check_max_wait(seconds: float) -> float:
    """A per-call bound on waiting: a finite number of seconds, zero or more (InvalidInput otherwise)."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise InvalidInput(f"max_wait must be a number of seconds, not {type(seconds).__name__}")
    if not math.isfinite(seconds) or seconds < 0:
        raise InvalidInput(f"max_wait must be a finite number of seconds >= 0, got {seconds!r}")
    return float(seconds)


#: bodies at least this large are decoded and structured with the cyclic garbage collector paused
GC_PAUSE_BYTES = 64 * 1024


def parse_body(client: Spotify, response: Response, model: Any, key: str | None) -> Any:
    """Decode a body, pick ``key`` from it, and structure it into ``model`` (``Any``: the raw JSON).

    A large page (a 100-item playlist page is ~800 KiB) allocates tens of thousands of objects at once; CPython's
    cyclic collector would run several times over them although JSON trees and models hold no cycles. Pausing it for
    that stretch saves 8-20 % of a crawler's CPU; it is switched back on right after, and only if it was on.
    """
    pause = len(response.body) >= GC_PAUSE_BYTES and gc.isenabled()
    if pause:
        gc.disable()
    try:
        data = decode(response)
        if key is not None:
            data = data.get(key) if isinstance(data, dict) else None
        return data if model is Any else client._structure(data, model)
    finally:
        if pause:
            gc.enable()


class Call(Generic[T]):
    """One request and how to turn its response into a result. Await it, or ``await call.with_response()``."""

    __slots__ = ("_client", "_key", "_model", "_request", "_transform")

    def __init__(
        self,
        client: Spotify,
        request: Request,
        model: Any,
        *,
        key: str | None = None,
        transform: Callable[[Any], T] | None = None,
    ) -> None:
        self._client = client
        self._request = request
        self._model = model
        self._key = key
        self._transform = transform

    def __repr__(self) -> str:
        return f"<Call {self._request.route.method} {self._request.route.path}>"

    def __await__(self) -> Generator[Any, None, T]:
        return self._run().__await__()

    def _parse(self, response: Response) -> T:
        model = self._model
        value: Any = None if model is None else parse_body(self._client, response, model, self._key)
        if self._transform is not None:
            return self._transform(value)
        return value  # type: ignore[no-any-return]

    async def _run(self) -> T:
        return self._parse(await self._client._send(self._request))

    async def with_response(self) -> tuple[T, Response]:
        """Send the call; return its result and its own Response metadata."""
        response = await self._client._send(self._request)
        return self._parse(response), response

    def with_max_wait(self, seconds: float) -> Call[T]:
        """Bound every wait of this call (slot, budget, 429 gate, backoff; together) by ``seconds`` instead of
        ``Config.max_wait``; returns the call, so ``await sp.tracks.get(id).with_max_wait(2)`` reads naturally.
        Past the bound the call raises :class:`~spotify_async.errors.RateLimited` saying what it waited for."""
        self._request.max_wait = check_max_wait(seconds)
        return self


class _Pages(Generic[P, T]):
    """What offset and cursor pages share: the first request, structuring a page, awaiting and iterating."""

    __slots__ = ("_client", "_item_type", "_key", "_max_items", "_max_wait", "_request")

    #: the generic page model (``Page`` or ``CursorPage``), parametrised with the item type per instance
    _page_model: Any = None

    def __init__(
        self, client: Spotify, request: Request, item_type: Any, *, max_items: int | None = None, key: str | None = None
    ) -> None:
        self._client = client
        self._request = request
        self._item_type = item_type
        self._max_items = max_items
        self._key = key
        self._max_wait: float | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._request.route.path}>"

    def _structure_page(self, response: Response) -> P:
        page: P = parse_body(self._client, response, self._page_model[self._item_type], self._key)
        return page

    def with_max_wait(self: S, seconds: float) -> S:
        """Bound every wait of each page request (slot, budget, 429 gate, backoff; together, per page) by ``seconds``
        instead of ``Config.max_wait``; returns this object."""
        self._max_wait = check_max_wait(seconds)
        return self

    async def _fetch(self, request: Request) -> tuple[P, Response]:
        if self._max_wait is not None:
            request.max_wait = self._max_wait
        response = await self._client._send(request)
        return self._structure_page(response), response

    def _first_request(self) -> Request:
        return self._request

    def __await__(self) -> Generator[Any, None, P]:
        return self._first().__await__()

    async def _first(self) -> P:
        page, _ = await self._fetch(self._first_request())
        return page

    async def with_response(self) -> tuple[P, Response]:
        """The first page and its Response metadata."""
        return await self._fetch(self._first_request())

    def pages(self) -> AsyncIterator[P]:
        raise NotImplementedError

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for item in page.items:  # type: ignore[attr-defined]
                yield item

    async def collect(self) -> list[T]:
        """Every item as a list (mind the memory for very long lists: iterate instead)."""
        return [item async for item in self]


class Paged(_Pages[Page[T], T]):
    """An offset-paged result: await it for the first page, iterate it for every item."""

    __slots__ = ("_limit", "_offset", "_params")
    _page_model = Page

    def __init__(
        self,
        client: Spotify,
        request: Request,
        item_type: Any,
        *,
        limit: int,
        offset: int = 0,
        max_items: int | None = None,
        key: str | None = None,
    ) -> None:
        super().__init__(client, request, item_type, max_items=max_items, key=key)
        self._params = dict(request.params or {})
        self._limit = limit
        self._offset = offset

    def __repr__(self) -> str:
        return f"<Paged {self._request.route.path} limit={self._limit} offset={self._offset}>"

    def _request_at(self, offset: int) -> Request:
        params = dict(self._params)
        params["limit"] = str(self._limit)
        params["offset"] = str(offset)
        return Request(self._request.route, params)

    def _first_request(self) -> Request:
        return self._request_at(self._offset)

    async def pages(self) -> AsyncIterator[Page[T]]:
        """Every page in order; later pages are fetched concurrently once the total is known."""
        budget = self._max_items
        first, _ = await self._fetch(self._first_request())
        if budget is not None and len(first.items) > budget:
            first.items = first.items[:budget]
        yield first
        if budget is not None:
            budget -= len(first.items)
            if budget <= 0:
                return
        end = first.total
        if self._max_items is not None:
            end = min(end, self._offset + self._max_items)
        offsets = iter(range(self._offset + self._limit, end, self._limit))
        ahead = self._client._config.page_prefetch
        pending: deque[asyncio.Task[tuple[Page[T], Response]]] = deque()

        def schedule() -> None:
            offset = next(offsets, None)
            if offset is not None:
                pending.append(asyncio.ensure_future(self._fetch(self._request_at(offset))))

        try:
            for _ in range(ahead):
                schedule()
            while pending:
                page, _ = await pending.popleft()
                schedule()
                if budget is not None:
                    if len(page.items) > budget:
                        page.items = page.items[:budget]
                    budget -= len(page.items)
                yield page
                if budget is not None and budget <= 0:
                    return
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)


class CursorPaged(_Pages[CursorPage[T], T]):
    """A cursor-paged result: await it for the first page, iterate it for every item (pages follow ``next``)."""

    __slots__ = ()
    _page_model = CursorPage

    async def pages(self) -> AsyncIterator[CursorPage[T]]:
        """Every page in order, one after the other (each cursor comes from the page before)."""
        budget = self._max_items
        request: Request | None = self._request
        while request is not None:
            page, _ = await self._fetch(request)
            if budget is not None:
                page.items = page.items[:budget]
                budget -= len(page.items)
            yield page
            if not page.next or not page.items or (budget is not None and budget <= 0):
                return
            # follow the cursor on our own route: the token never goes to a host named in a response body
            request = Request(self._request.route, dict(parse_qsl(urlsplit(page.next).query)))
