"""Call, Batch and Paged: what an endpoint method returns (each an awaitable with ``.with_response()``).

A :class:`Call` is awaitable (``album = await sp.albums.get(id)``) and also offers
``await call.with_response()``, which returns the model together with this call's own
:class:`~spotify_async.http.Response` (status, headers, attempts, seconds waited). Nothing is sent until it is
awaited, and argument errors are raised when the method is called, before anything is sent.

A :class:`Batch` is what a method that may send several requests returns (chunked writes, ``get_several``, a
development-mode stand-in made of two requests): awaiting it gives the combined result, ``with_response()`` the result
and the list of Responses. A Call or Batch dropped without being awaited warns (``RuntimeWarning``) naming the
endpoint method that made it, as a coroutine never awaited does.

A :class:`Paged` is what paged endpoints return. Awaiting it gives the first :class:`~spotify_async.models.Page`;
``async for item in paged`` yields every item in order, fetching the remaining offset pages concurrently (at most
``Config.page_prefetch`` ahead of the consumer) once the first page has told the total; ``paged.pages()`` yields the pages
themselves; ``max_items`` caps how many entries are read. Leaving the loop early cancels the pages still in flight.
:class:`CursorPaged` walks cursor pages (recently played, followed artists).

When paging ends
----------------
``total`` is a hint, never the end: search totals are estimates, a playlist grows while it is read, and a server may
simply be wrong (one answered 30 million with empty pages). Offset paging uses ``total`` only to decide how far ahead
to prefetch; it stops at the first page, in order, whose ``next`` is ``null`` or whose ``items`` are empty, and
cancels what is still in flight (at most ``page_prefetch`` requests are wasted on a ``total`` that is too large).
Past ``total``, while pages still name a ``next``, it goes on one page at a time. A ``fields=`` projection that leaves
``next`` out of the pages says nothing about the end: there, and only there, ``total`` decides. The offset step is the
one the first page's ``next`` names (a server that silently serves fewer items than asked would otherwise have
stretches skipped).

Cursor paging never sends the server's ``next`` URL as it is: the next request is the *original* request (every query
parameter the caller's method set, such as ``type=artist``) plus the cursor read from ``next`` (``after`` or
``before``) and its ``limit``. A cursor that has been seen before would loop for ever: paging stops there and logs a
warning.

``null`` entries
----------------
Spotify answers ``null`` for an item it can no longer resolve (still counted in ``total``). Pages keep those entries
at their positions (``Page.items`` is ``list[T | None]``, so offsets still line up); ``async for`` over a paged call
skips them and yields only items, and ``max_items`` counts entries read, ``null`` ones included.

What these need from above (sending a request through the session's checks and pipeline, structuring, the config) is
the small :class:`Client` protocol, which the session satisfies: nothing in ``http/`` imports the session. Calls that
shared one coalesced request structure its body once: the first to parse it leaves the result in the answer's memo
for the others, so a structured result may be shared (read it; copy before changing it).
"""

from __future__ import annotations

import asyncio
import copy
import gc
import logging
import math
import os
import sys
import warnings
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator, Iterable, Sequence
from types import CodeType
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import parse_qsl, urlsplit

import orjson

from ..config import Config
from ..errors import InvalidInput, ModelError, NotFound, NotModified
from ..models import CursorPage, Page
from ..models._converter import GC_PAUSE_BYTES, decode_models
from .response import Request, Response

__all__ = ["Batch", "Call", "Client", "CursorPaged", "Paged", "gather_ordered", "none_if_missing"]

log = logging.getLogger("spotify_async.http")

T = TypeVar("T")
P = TypeVar("P")
R = TypeVar("R")
S = TypeVar("S", bound="_Pages[Any, Any]")


class Client(Protocol):
    """What calls need from the session above them (``Spotify`` is one)."""

    @property
    def config(self) -> Config: ...

    async def _send(self, request: Request) -> Response:
        """Send through the session's checks (mode, scopes) and the request pipeline."""
        ...

    def _structure(self, data: Any, model: Any) -> Any:
        """Structure decoded JSON into ``model`` under the session's strictness."""
        ...


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


_MISSING = object()


def parse_body(client: Client, response: Response, model: Any, key: str | None) -> Any:
    """Decode a body, pick ``key`` from it, and structure it into ``model`` (``Any``: the raw JSON); a coalesced
    answer is structured once per (model, key) and the result shared through its memo.
    """
    memo = response.memo
    if memo is None:
        return _parse_body(client, response, model, key)
    try:
        value = memo.get((model, key), _MISSING)
    except TypeError:  # an unhashable model spec: structure this caller's own copy
        return _parse_body(client, response, model, key)
    if value is _MISSING:
        value = memo[(model, key)] = _parse_body(client, response, model, key)
    return value


def _parse_body(client: Client, response: Response, model: Any, key: str | None) -> Any:
    """Decode a body, pick ``key`` from it, and structure it into ``model`` (``Any``: the raw JSON).

    A large page (a 100-item playlist page is ~800 KiB) allocates tens of thousands of objects at once; CPython's
    cyclic collector would run several times over them although JSON trees and models hold no cycles. Pausing it for
    that stretch saves 8-20 % of a crawler's CPU; it is switched back on right after, and only if it was on.
    """
    if response.status == 304:
        # a conditional request's answer: the layer that sent the condition (an HTTP cache) owns it; the models
        # never see its empty body
        raise NotModified(
            304,
            "not modified: a 304 has no body to structure (answer it from the cached copy that sent the condition)",
            method=response.method,
            url=response.url,
            headers=response.headers,
        )
    pause = len(response.body) >= GC_PAUSE_BYTES and gc.isenabled()
    if pause:
        gc.disable()
    try:
        if model is Any:  # the JSON itself: decoded whole
            data = decode(response)
            if key is not None:
                data = data.get(key) if isinstance(data, dict) else None
            return data
        try:
            data, arrays = decode_models(response.body, model)
        except orjson.JSONDecodeError:
            data, arrays = decode(response), None  # raises the ModelError naming what came instead
        if key is not None:
            data = data.get(key) if isinstance(data, dict) else None
        if arrays is None:
            return client._structure(data, model)
        with arrays:  # the market arrays were shared before decoding: their placeholders resolve while this is active
            return client._structure(data, model)
    finally:
        if pause:
            gc.enable()


#: endpoint modules live here; a call names the outermost frame inside it as the method that made it
_ENDPOINTS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "endpoints") + os.sep
_CALL_FILE = os.path.abspath(__file__)


def _origin(frame: Any) -> CodeType:
    """The code of the public endpoint method that is building a call or batch: the outermost of the consecutive
    frames in ``spotify_async/endpoints/`` starting at ``frame`` (helpers such as ``_library`` sit inside it); the
    frame itself when it is not in an endpoint module (a Call built by hand)."""
    code: CodeType = frame.f_code
    if code.co_filename.startswith(_ENDPOINTS_DIR):
        back = frame.f_back
        while back is not None and back.f_code.co_filename.startswith(_ENDPOINTS_DIR):
            code = back.f_code
            back = back.f_back
    return code


def method_name(code: CodeType) -> str:
    """How a user would have written the call: ``sp.library.save_tracks(...)`` for an endpoint method."""
    if code.co_filename.startswith(_ENDPOINTS_DIR):
        group = os.path.splitext(os.path.basename(code.co_filename))[0]
        return f"sp.{group}(...)" if code.co_name == "__call__" else f"sp.{group}.{code.co_name}(...)"
    return f"{getattr(code, 'co_qualname', code.co_name)}(...)"


_NEVER_AWAITED = "was never awaited: nothing was sent (await it, or its .with_response())"
_NEVER_USED = (
    "was never awaited nor iterated: nothing was sent (await it for the first page, iterate it with async for, "
    "or .collect() it)"
)


def _warn_never_awaited(code: CodeType, what: str = _NEVER_AWAITED) -> None:
    try:
        warnings.warn(f"{method_name(code)} {what}", RuntimeWarning, stacklevel=2)
    except Exception:
        pass


class _WarnsIfUnused:
    """What ``Call``, ``Batch`` and the paged results share: ``_origin`` holds the code of the endpoint method that
    built the object until it is used (then ``None``); an object dropped with it still set warns, naming the method."""

    __slots__ = ()

    #: how the warning ends
    _unused = _NEVER_AWAITED
    _origin: CodeType | None

    def __del__(self) -> None:
        try:
            origin = self._origin
        except AttributeError:  # __init__ did not finish
            return
        if origin is not None:
            _warn_never_awaited(origin, self._unused)


class Call(_WarnsIfUnused, Generic[T]):
    """One request and how to turn its response into a result. Await it, or ``await call.with_response()``.

    Nothing is sent until it is awaited; a call dropped without being awaited warns (``RuntimeWarning``) naming the
    endpoint method that made it, as an unawaited coroutine does. The method is found once, when the call is built,
    by walking out of ``spotify_async/endpoints/`` frames (a code-object reference, no frame kept); the check when
    the call is collected is one slot read. A call wrapped in a task (``asyncio.ensure_future``) that is cancelled
    before it starts warns too: it never ran, and nothing was sent. ``close()`` drops a call quietly.
    """

    __slots__ = ("_client", "_key", "_model", "_origin", "_request", "_transform")

    def __init__(
        self,
        client: Client,
        request: Request,
        model: Any,
        *,
        key: str | None = None,
        transform: Callable[[Any], T] | None = None,
    ) -> None:
        self._client = client
        self._request = request
        self._model = model
        # the answer's envelope is a fact of the operation (``Route.envelope``); ``key`` picks another field
        self._key = key if key is not None else request.compiled.route.envelope
        self._transform = transform
        # inlined _origin(): this runs for every request
        frame = sys._getframe(1)
        code = frame.f_code
        if code.co_filename.startswith(_ENDPOINTS_DIR):
            back = frame.f_back
            while back is not None and back.f_code.co_filename.startswith(_ENDPOINTS_DIR):
                code = back.f_code
                back = back.f_back
        #: the code of the method that made the call, until it is awaited (then ``None``)
        self._origin: CodeType | None = code

    def __repr__(self) -> str:
        return f"<Call {self._request.compiled.method} {self._request.compiled.path}>"

    def __await__(self) -> Generator[Any, None, T]:
        self._origin = None
        return self._run().__await__()

    def _parse(self, response: Response) -> T:
        model = self._model
        value: Any = None if model is None else parse_body(self._client, response, model, self._key)
        if self._transform is not None:
            return self._transform(value)
        return value  # type: ignore[no-any-return]

    async def _run(self) -> T:
        return self._parse(await self._client._send(self._request))

    def with_response(self) -> Coroutine[Any, Any, tuple[T, Response]]:
        """Send the call; return its result and its own Response metadata."""
        self._origin = None
        return self._run_with_response()

    async def _run_with_response(self) -> tuple[T, Response]:
        response = await self._client._send(self._request)
        return self._parse(response), response

    def with_max_wait(self, seconds: float) -> Call[T]:
        """Bound every wait of this call (slot, budget, 429 gate, backoff; together) by ``seconds`` instead of
        ``Config.max_wait``; returns the call, so ``await sp.tracks.get(id).with_max_wait(2)`` reads naturally.
        Past the bound the call raises :class:`~spotify_async.errors.RateLimited` saying what it waited for."""
        try:
            self._request.max_wait = check_max_wait(seconds)
        except InvalidInput:
            self._origin = None  # the error says what went wrong; a never-awaited warning would only repeat it
            raise
        return self

    def close(self) -> None:
        """Drop the call without sending it, and without the never-awaited warning (as ``coroutine.close()``)."""
        self._origin = None


async def gather_ordered(awaitables: Iterable[Awaitable[T]]) -> list[T]:
    """Run concurrently, results in input order; on the first failure cancel the rest and raise it."""
    tasks = [asyncio.ensure_future(a) for a in awaitables]
    if not tasks:
        return []
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _missing(exc: NotFound) -> bool:
    """A 404 for the item (several-items reads keep ``None`` for unknown ids), not for the path itself ("Service not
    found": a wrong base URL or a route the server lacks, which would make every item look unknown)."""
    return "service not found" not in exc.message.lower()


async def none_if_missing(awaitable: Awaitable[T]) -> T | None:
    """The result, or ``None`` when Spotify answered 404 for the item (see :func:`_missing`)."""
    try:
        return await awaitable
    except NotFound as exc:
        if not _missing(exc):
            raise
        return None


class Sender:
    """What a batch's steps send through: each call awaited with the batch's ``max_wait``, its Response kept."""

    __slots__ = ("max_wait", "responses")

    def __init__(self, max_wait: float | None) -> None:
        self.max_wait = max_wait
        self.responses: list[Response] = []

    async def one(self, call: Call[R]) -> R:
        """Send one call (the batch's next step) and return its result."""
        result, response = await self._send(call)
        self.responses.append(response)
        return result

    async def all(self, calls: Sequence[Call[R]], *, none_if_missing: bool = False) -> list[Any]:
        """Send calls concurrently; results (and Responses) in input order. On the first failure the rest are
        cancelled and it is raised; ``none_if_missing``: an item's 404 gives ``None`` in its place (no Response)."""
        outcomes = await gather_ordered(
            self._send_missing_ok(call) if none_if_missing else self._send(call) for call in calls
        )
        results: list[Any] = []
        for outcome in outcomes:
            if outcome is None:
                results.append(None)
            else:
                results.append(outcome[0])
                self.responses.append(outcome[1])
        return results

    async def in_order(self, calls: Sequence[Call[R]]) -> list[R]:
        """Send calls one after the other (each only once the one before has succeeded)."""
        return [await self.one(call) for call in calls]

    def _send(self, call: Call[R]) -> Awaitable[tuple[R, Response]]:
        if self.max_wait is not None:
            call.with_max_wait(self.max_wait)
        return call.with_response()

    async def _send_missing_ok(self, call: Call[R]) -> tuple[R, Response] | None:
        try:
            return await self._send(call)
        except NotFound as exc:
            if not _missing(exc):
                raise
            return None


class Batch(_WarnsIfUnused, Generic[T]):
    """Several requests behind one awaitable: what a helper that sends more than one request returns.

    ``await batch`` gives the combined result (the library write's ``None``, ``get_several``'s list, the last
    snapshot id of a chunked playlist write); ``await batch.with_response()`` gives it with the list of the
    Responses, one per request sent, in the order of the requests. :meth:`with_max_wait` bounds each request's
    waits, as it does for each page of a :class:`Paged`. Nothing is sent until it is awaited; a batch dropped without
    being awaited warns naming the endpoint method (its calls do not warn on their own).

    The steps are an async function of a :class:`Sender` (``Batch.concurrent`` and ``Batch.in_order`` build the
    common ones); each await of the batch runs them again.
    """

    __slots__ = ("_max_wait", "_origin", "_steps")

    def __init__(self, steps: Callable[[Sender], Awaitable[T]], *, calls: Iterable[Call[Any]] = ()) -> None:
        self._steps = steps
        self._max_wait: float | None = None
        for call in calls:  # sent by the batch: a dropped batch warns once, for all of them
            call._origin = None
        self._origin: CodeType | None = _origin(sys._getframe(1))
        if self._origin.co_filename == _CALL_FILE:  # built by concurrent() or in_order(): name their caller
            self._origin = _origin(sys._getframe(2))

    @classmethod
    def concurrent(
        cls,
        calls: Sequence[Call[Any]],
        combine: Callable[[list[Any]], T],
        *,
        none_if_missing: bool = False,
    ) -> Batch[T]:
        """Send ``calls`` concurrently; ``combine`` gets their results in input order."""

        async def steps(send: Sender) -> T:
            return combine(await send.all(calls, none_if_missing=none_if_missing))

        return cls(steps, calls=calls)

    @classmethod
    def in_order(cls, calls: Sequence[Call[Any]], combine: Callable[[list[Any]], T]) -> Batch[T]:
        """Send ``calls`` one after the other; ``combine`` gets their results in order."""

        async def steps(send: Sender) -> T:
            return combine(await send.in_order(calls))

        return cls(steps, calls=calls)

    def __repr__(self) -> str:
        name = method_name(self._origin) if self._origin is not None else "awaited"
        return f"<Batch {name}>"

    def __await__(self) -> Generator[Any, None, T]:
        self._origin = None
        return self._steps(Sender(self._max_wait)).__await__()

    def with_response(self) -> Coroutine[Any, Any, tuple[T, list[Response]]]:
        """Send every request; return the combined result and each request's Response, in request order."""
        self._origin = None
        return self._run_with_responses()

    async def _run_with_responses(self) -> tuple[T, list[Response]]:
        send = Sender(self._max_wait)
        result = await self._steps(send)
        return result, send.responses

    def with_max_wait(self, seconds: float) -> Batch[T]:
        """Bound every wait of each request of the batch (slot, budget, 429 gate, backoff; together, per request) by
        ``seconds`` instead of ``Config.max_wait``; returns the batch."""
        try:
            self._max_wait = check_max_wait(seconds)
        except InvalidInput:
            self._origin = None
            raise
        return self

    def close(self) -> None:
        """Drop the batch without sending anything, and without the never-awaited warning."""
        self._origin = None


class _Pages(_WarnsIfUnused, Generic[P, T]):
    """What offset and cursor pages share: the first request, structuring a page, awaiting and iterating.

    Like a :class:`Call`, nothing is sent until it is used, and one dropped unused warns (``RuntimeWarning``) naming
    the endpoint method. Each way of using it (``await``, ``.with_response()``, ``async for``, ``.pages()``,
    ``.collect()``) clears ``_origin`` when it is *called*, not when its generator first runs, so ``.pages()`` handed
    to someone else to iterate later counts as used. ``close()`` drops one quietly.
    """

    __slots__ = ("_client", "_item_type", "_key", "_max_items", "_max_wait", "_origin", "_request")
    _unused = _NEVER_USED

    #: the generic page model (``Page`` or ``CursorPage``), parametrised with the item type per instance
    _page_model: Any = None

    def __init__(
        self, client: Client, request: Request, item_type: Any, *, max_items: int | None = None, key: str | None = None
    ) -> None:
        self._client = client
        self._request = request
        self._item_type = item_type
        self._max_items = max_items
        self._key = key if key is not None else request.compiled.route.envelope
        self._max_wait: float | None = None
        # Paged.__init__ adds one frame to step out of
        frame: Any = sys._getframe(1)
        if frame.f_code.co_filename == _CALL_FILE:
            frame = frame.f_back
        #: the code of the method that built this, until it is used (then ``None``)
        self._origin: CodeType | None = _origin(frame)

    def close(self) -> None:
        """Drop this without sending anything, and without the never-used warning."""
        self._origin = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._request.compiled.path}>"

    def _structure_page(self, response: Response) -> P:
        page: P = parse_body(self._client, response, self._page_model[self._item_type], self._key)
        return page

    def with_max_wait(self: S, seconds: float) -> S:
        """Bound every wait of each page request (slot, budget, 429 gate, backoff; together, per page) by ``seconds``
        instead of ``Config.max_wait``; returns this object."""
        try:
            self._max_wait = check_max_wait(seconds)
        except InvalidInput:
            self._origin = None  # the error says what went wrong; a never-used warning would only repeat it
            raise
        return self

    async def _fetch(self, request: Request) -> tuple[P, Response]:
        if self._max_wait is not None:
            request.max_wait = self._max_wait
        response = await self._client._send(request)
        return self._structure_page(response), response

    def _first_request(self) -> Request:
        return self._request

    def __await__(self) -> Generator[Any, None, P]:
        self._origin = None
        return self._first().__await__()

    async def _first(self) -> P:
        page, _ = await self._fetch(self._first_request())
        return page

    def with_response(self) -> Coroutine[Any, Any, tuple[P, Response]]:
        """The first page and its Response metadata."""
        self._origin = None
        return self._fetch(self._first_request())

    def pages(self) -> AsyncIterator[P]:
        """Every page in order (see the subclass's ``_iter_pages``)."""
        self._origin = None
        return self._iter_pages()

    def _iter_pages(self) -> AsyncIterator[P]:
        raise NotImplementedError

    def __aiter__(self) -> AsyncIterator[T]:
        self._origin = None
        return self._iter_items()

    async def _iter_items(self) -> AsyncIterator[T]:
        async for page in self._iter_pages():
            for item in page.items:  # type: ignore[attr-defined]
                if item is not None:  # an entry Spotify could not resolve (see the module docstring)
                    yield item

    def collect(self) -> Coroutine[Any, Any, list[T]]:
        """Every item as a list (mind the memory for very long lists: iterate instead)."""
        self._origin = None
        return self._collect()

    async def _collect(self) -> list[T]:
        return [item async for item in self._iter_items()]


class Paged(_Pages[Page[T], T]):
    """An offset-paged result: await it for the first page, iterate it for every item."""

    __slots__ = ("_limit", "_offset", "_params")
    _page_model = Page

    def __init__(
        self,
        client: Client,
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
        return f"<Paged {self._request.compiled.path} limit={self._limit} offset={self._offset}>"

    def _last_page(self, page: Page[Any]) -> bool:
        """The page ends the list: it is empty, or its ``next`` is ``null``. A ``fields=`` projection that leaves
        ``next`` out says nothing about the end, so there (and only there) ``total`` decides."""
        if not page.items:
            return True
        fields = self._params.get("fields")
        if fields is not None and "next" not in fields:
            return page.offset + len(page.items) >= page.total
        return page.next is None

    def _request_at(self, offset: int) -> Request:
        params = dict(self._params)
        params["limit"] = str(self._limit)
        params["offset"] = str(offset)
        return Request(self._request.compiled, params, pin=self._request.pin)

    def _first_request(self) -> Request:
        return self._request_at(self._offset)

    async def _iter_pages(self) -> AsyncIterator[Page[T]]:
        """Every page in order; later pages are fetched concurrently while ``total`` says there are more, and paging
        stops at the first page whose ``next`` is ``null`` or whose ``items`` are empty (see the module docstring)."""
        async for page, _ in self._pages_with_responses():
            yield page

    async def _collect_with_responses(self) -> tuple[list[T | None], list[Response]]:
        """Every entry, and the Response of each page (the snapshot reader asks whether any came from the network)."""
        self._origin = None
        items: list[T | None] = []
        responses: list[Response] = []
        async for page, response in self._pages_with_responses():
            items.extend(page.items)
            responses.append(response)
        return items, responses

    async def _pages_with_responses(self) -> AsyncIterator[tuple[Page[T], Response]]:
        budget = self._max_items
        limit = self._limit
        first, first_response = await self._fetch(self._first_request())
        if budget is not None:
            if len(first.items) > budget:
                first = copy.copy(first)  # the page may be shared with coalesced callers: trim a copy
                first.items = first.items[:budget]
            budget -= len(first.items)
        yield first, first_response
        if self._last_page(first) or (budget is not None and budget <= 0):
            return
        cap = self._offset + self._max_items if self._max_items is not None else None
        ahead = max(1, self._client.config.page_prefetch)
        # the step is what the server's `next` says when it says one: a server that serves fewer items than asked
        # (a silently clamped limit) would otherwise have whole stretches skipped
        step = _step(first, self._offset) or limit
        next_offset = self._offset + step
        last = first
        pending: deque[asyncio.Task[tuple[Page[T], Response]]] = deque()

        def schedule() -> None:
            nonlocal next_offset
            pending.append(asyncio.ensure_future(self._fetch(self._request_at(next_offset))))
            next_offset += step

        try:
            while True:
                # prefetch only as far as the latest total says; beyond it, one page at a time while `next` says so
                while len(pending) < ahead and next_offset < last.total and (cap is None or next_offset < cap):
                    schedule()
                if not pending:
                    if cap is not None and next_offset >= cap:
                        return
                    schedule()
                page, response = await pending.popleft()
                if budget is not None:
                    if len(page.items) > budget:
                        page = copy.copy(page)
                        page.items = page.items[:budget]
                    budget -= len(page.items)
                if not page.items:
                    return  # an empty page ends the list whatever `total` says; not yielded
                yield page, response
                if self._last_page(page) or (budget is not None and budget <= 0):
                    return
                last = page
        finally:
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)


def _step(page: Page[Any], offset: int) -> int | None:
    """How far the server's ``next`` moves the offset, when it names one further on."""
    named = _query_value(page.next, "offset") if page.next else None
    if named is None or not named.isdigit() or int(named) <= offset:
        return None
    return int(named) - offset


class CursorPaged(_Pages[CursorPage[T], T]):
    """A cursor-paged result: await it for the first page, iterate it for every item (pages follow ``next``)."""

    __slots__ = ()
    _page_model = CursorPage

    async def _iter_pages(self) -> AsyncIterator[CursorPage[T]]:
        """Every page in order, one after the other (each cursor comes from the page before). Each request is the
        original one plus the cursor; paging stops on a page without ``next``, an empty page, or a repeated cursor."""
        budget = self._max_items
        original = dict(self._request.params or {})
        seen: set[tuple[str, str]] = set()
        request: Request = self._request
        while True:
            page, _ = await self._fetch(request)
            if budget is not None:
                if len(page.items) > budget:
                    page = copy.copy(page)
                    page.items = page.items[:budget]
                budget -= len(page.items)
            yield page
            if not page.next or not page.items or (budget is not None and budget <= 0):
                return
            cursor = _cursor(page)
            if cursor is None:
                return
            if cursor in seen or original.get(cursor[0]) == cursor[1]:
                log.warning(
                    "%s: the server answered a cursor it had already given (%s=%s); stopping instead of looping",
                    self._request.compiled.path,
                    *cursor,
                )
                return
            seen.add(cursor)
            params = {k: v for k, v in original.items() if k not in ("after", "before")}
            params[cursor[0]] = cursor[1]
            next_limit = _query_value(page.next, "limit")
            if next_limit is not None:
                params["limit"] = next_limit
            # our own route and base URL: the token never goes to a host named in a response body
            request = Request(self._request.compiled, params)


def _query_value(url: str, name: str) -> str | None:
    """The first value of query parameter ``name`` in ``url``, or None."""
    for key, value in parse_qsl(urlsplit(url).query):
        if key == name:
            return value
    return None


def _cursor(page: CursorPage[Any]) -> tuple[str, str] | None:
    """The (``after`` | ``before``, value) that ``next`` names, else the page's ``cursors.after``; None at the end."""
    if not page.next:
        return None
    for key in ("after", "before"):
        value = _query_value(page.next, key)
        if value:
            return key, value
    if page.cursors is not None and page.cursors.after:
        return "after", page.cursors.after
    return None
