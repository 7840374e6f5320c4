"""FakeSpotify's built-in handlers by operationId, the context a handler receives, and the router.

Per-operation facts live once, in :data:`spotify_async.http.routes.ALL_ROUTES`: an area module declares a handler
with :func:`handles` and the spec's operationId alone, and the method and path come from the route table (an
operationId the table does not hold fails at import). :data:`DEFAULT_HANDLERS` is the built-in answer to each
operation; every :class:`~spotify_async.testing.FakeSpotify` starts from a copy of it, which
:meth:`~spotify_async.testing.FakeSpotify.handle` changes for that instance alone. :data:`UNSERVED` lists the table's
operations the fake deliberately does not answer (none today); a test checks that every route is in one of the two.

:class:`Router` maps a method and a path below ``/v1`` to its :class:`~spotify_async.http.routes.Route`: it compiles
each template once and indexes them by the first path segment, so a lookup tries only a handful of patterns.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any, TypeAlias, TypeVar

import orjson
from aiohttp import web
from multidict import MultiMapping

from ...http.routes import ALL_ROUTES, Route
from .._accounts import AccessToken
from .._util import ApiError, is_id
from .._world import UserState, World

__all__ = [
    "DEFAULT_HANDLERS",
    "UNSERVED",
    "ApiError",
    "Handler",
    "HandlerResult",
    "RequestContext",
    "Router",
    "handles",
]


@dataclass(slots=True)
class RequestContext:
    """What a handler is given about one request: the request itself, the fake's state (``world``: the catalogue
    and every user's library, playlists and player), and what the edge already worked out (path parameters, the
    checked token, the operationId)."""

    world: World
    request: web.Request
    query: MultiMapping[str]
    params: dict[str, str]
    token: AccessToken
    operation_id: str

    @property
    def user_id(self) -> str:
        """The token's user; client-credentials tokens cannot call user endpoints."""
        uid = self.token.user_id
        if uid is None:
            raise ApiError(401, "Valid user authentication required")
        return uid

    @property
    def user(self) -> UserState:
        """The token's user's state (library, playlists, player)."""
        return self.world.user_state(self.user_id)

    def require_scope(self, *any_of: str) -> str:
        """The user id, after checking the token holds at least one of ``any_of``."""
        uid = self.user_id
        if any_of and not self.token.scopes.intersection(any_of):
            raise ApiError(403, "Insufficient client scope")
        return uid

    def path_id(self, name: str = "id") -> str:
        """The path parameter ``name``, refused with Spotify's 400 unless it is a base-62 id."""
        value = self.params[name]
        if not is_id(value):
            raise ApiError(400, "invalid id")
        return value

    async def json_body(self, required: bool = True) -> Any:
        """The request's JSON body; an empty body is None unless ``required``, bad JSON Spotify's 400."""
        raw = await self.request.read()
        if not raw:
            if required:
                raise ApiError(400, "Error parsing JSON.")
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ApiError(400, "Error parsing JSON.") from None

    async def default_json(self) -> Any:
        """What the built-in handler of this operation answers, as JSON (None for an empty body): a replacement
        that changes one field starts from it. The built-in handler's :class:`ApiError` propagates."""
        builtin = DEFAULT_HANDLERS.get(self.operation_id)
        if builtin is None:
            raise LookupError(f"{self.operation_id!r} has no built-in handler")
        answer = builtin(self)
        if isawaitable(answer):
            answer = await answer
        if isinstance(answer, web.Response) and isinstance(answer.body, bytes):
            return orjson.loads(answer.body) if answer.body else None
        return answer


#: what a handler may return: an aiohttp response, sent as it is, or a JSON value, sent as ``200`` with a JSON body
#: (``None`` is ``204 No Content``)
HandlerResult: TypeAlias = web.StreamResponse | Mapping[str, Any] | Sequence[Any] | str | int | float | bool | None
#: a handler: a function or coroutine function of the :class:`RequestContext` (raise :class:`ApiError` for one of
#: Spotify's error bodies)
Handler: TypeAlias = Callable[[RequestContext], Awaitable[HandlerResult] | HandlerResult]
_BuiltIn = Callable[[RequestContext], Awaitable[web.StreamResponse]]
_H = TypeVar("_H", bound=_BuiltIn)

#: the built-in handler of each operation, by operationId (filled as the area modules import)
DEFAULT_HANDLERS: dict[str, Handler] = {}
#: operations of the route table the fake deliberately does not answer (it says so with a 501)
UNSERVED: frozenset[str] = frozenset()


def handles(*operation_ids: str) -> Callable[[_H], _H]:
    """Make the decorated coroutine function the built-in handler of ``operation_ids`` (each an operationId of the
    route table, which gives method and path)."""
    for operation_id in operation_ids:
        if operation_id not in ALL_ROUTES:
            raise LookupError(f"no route has the operationId {operation_id!r}")

    def deco(fn: _H) -> _H:
        taken = [op for op in operation_ids if op in DEFAULT_HANDLERS]
        if taken:
            raise LookupError(f"already served by a built-in handler: {', '.join(map(repr, taken))}")
        for operation_id in operation_ids:
            DEFAULT_HANDLERS[operation_id] = fn
        return fn

    return deco


def _first_segment(path: str) -> str:
    return path.split("/", 2)[1] if path.count("/") >= 1 else ""


def _pattern(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$")


class Router:
    """Finds the route of a method and a path below ``/v1`` among ``routes``."""

    __slots__ = ("_by_key", "_by_segment")

    def __init__(self, routes: Iterable[Route]) -> None:
        self._by_key: dict[tuple[str, str], list[tuple[re.Pattern[str], Route]]] = {}
        self._by_segment: dict[str, list[tuple[re.Pattern[str], Route]]] = {}
        for route in routes:
            entry = (_pattern(route.path), route)
            seg = _first_segment(route.path)
            self._by_key.setdefault((route.method, seg), []).append(entry)
            self._by_segment.setdefault(seg, []).append(entry)
        # literal templates before parameterised ones, so /me/player/devices wins over any {id} pattern
        for lst in (*self._by_key.values(), *self._by_segment.values()):
            lst.sort(key=lambda e: (e[1].path.count("{"), -len(e[1].path)))

    def find(self, method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
        """(route, path params, whether the path exists for another method)."""
        seg = _first_segment(path)
        for pattern, route in self._by_key.get((method, seg), ()):
            m = pattern.match(path)
            if m is not None:
                return route, m.groupdict(), False
        other = any(pattern.match(path) for pattern, _ in self._by_segment.get(seg, ()))
        return None, {}, other
