"""The route registry and the per-request context handlers receive.

Each area module declares its handlers with :func:`api`; :class:`Router` compiles the templates once and finds the
handler for a method and path (indexed by the first path segment, so a lookup tries only a handful of patterns).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web
from multidict import MultiMapping

from .._accounts import AccessToken
from .._util import ApiError, is_id
from .._world import UserState, World

__all__ = ["REGISTRY", "ApiError", "Call", "Handler", "RouteDef", "Router", "api"]


@dataclass(slots=True)
class Call:
    """What a handler needs about one request."""

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
        return self.world.user_state(self.user_id)

    def require_scope(self, *any_of: str) -> str:
        """The user id, after checking the token holds at least one of ``any_of``."""
        uid = self.user_id
        if any_of and not self.token.scopes.intersection(any_of):
            raise ApiError(403, "Insufficient client scope")
        return uid

    def path_id(self, name: str = "id") -> str:
        value = self.params[name]
        if not is_id(value):
            raise ApiError(400, "invalid id")
        return value

    async def json_body(self, required: bool = True) -> Any:
        raw = await self.request.read()
        if not raw:
            if required:
                raise ApiError(400, "Error parsing JSON.")
            return None
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise ApiError(400, "Error parsing JSON.") from None


Handler = Callable[[Call], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class RouteDef:
    method: str
    template: str
    operation_id: str
    handler: Handler
    pattern: re.Pattern[str]


REGISTRY: list[RouteDef] = []


def api(method: str, template: str, operation_id: str) -> Callable[[Handler], Handler]:
    """Register a handler for ``method template`` (a path below ``/v1``, e.g. ``/albums/{id}``)."""

    def deco(fn: Handler) -> Handler:
        regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "$"
        REGISTRY.append(RouteDef(method, template, operation_id, fn, re.compile(regex)))
        return fn

    return deco


def _first_segment(path: str) -> str:
    return path.split("/", 2)[1] if path.count("/") >= 1 else ""


class Router:
    def __init__(self, routes: list[RouteDef]) -> None:
        self._by_key: dict[tuple[str, str], list[RouteDef]] = {}
        self._by_segment: dict[str, list[RouteDef]] = {}
        for r in routes:
            seg = _first_segment(r.template)
            self._by_key.setdefault((r.method, seg), []).append(r)
            self._by_segment.setdefault(seg, []).append(r)
        # literal templates before parameterised ones, so /me/player/devices wins over any {id} pattern
        for lst in (*self._by_key.values(), *self._by_segment.values()):
            lst.sort(key=lambda r: (r.template.count("{"), -len(r.template)))

    def find(self, method: str, path: str) -> tuple[RouteDef | None, dict[str, str], bool]:
        """(route, path params, path exists for another method)."""
        seg = _first_segment(path)
        for r in self._by_key.get((method, seg), ()):
            m = r.pattern.match(path)
            if m is not None:
                return r, m.groupdict(), False
        other = any(r.pattern.match(path) for r in self._by_segment.get(seg, ()))
        return None, {}, other
