"""Request and Response: what one call asks the scheduler to send, and the metadata it gets back.

Both are plain slotted classes rather than frozen ones: every request builds one of each, and a frozen attrs class
costs three times as much to create.

:class:`Response` is returned to the call that asked (``await sp.albums.get(id).with_response()``), never kept in a
shared "last response" slot: concurrent calls each see their own status, headers, attempts and waits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import orjson

from .limiter import Lane
from .routes import CompiledRoute

__all__ = ["Request", "Response"]


@attrs.define(slots=True, eq=False)
class Request:
    """One API call, before the scheduler sends it."""

    route: CompiledRoute
    params: Mapping[str, str] | None = None
    json: Any = None
    data: bytes | None = None
    content_type: str | None = None
    #: an absolute URL to use instead of ``api_base + route.path`` (following a cursor page's ``next``)
    url: str | None = None
    #: the priority lane the call runs in (set by the client view that sends it)
    lane: Lane = "interactive"
    #: this call's bound on all its waits (seconds); ``None``: ``Config.max_wait``
    max_wait: float | None = None


@attrs.define(slots=True, eq=False)
class Response:
    """A successful response with the metadata of the call that produced it (read it; do not change it)."""

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=False)
    method: str
    url: str
    operation_id: str
    #: how many times the request was sent (1 when the first attempt succeeded)
    attempts: int = 1
    #: seconds spent waiting for budget, at the 429 gate and in backoff before the final attempt
    waited: float = 0.0
    #: wall seconds from the call to its response
    elapsed: float = 0.0

    def json(self) -> Any:
        """The decoded body; ``None`` for an empty or non-JSON body (player commands answer either)."""
        if not self.body:
            return None
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None
