"""Request and Response: what one call asks the scheduler to send, and the metadata it gets back.

Both are plain slotted classes rather than frozen ones: every request builds one of each, and a frozen attrs class
costs three times as much to create.

:class:`Response` is returned to the call that asked (``await sp.albums.get(id).with_response()``), never kept in a
shared "last response" slot: concurrent calls each see their own status, headers, attempts and waits. Calls that
shared one request (coalesced) or were answered from the cache each get their own :meth:`Response.view`, flagged so.
"""

from __future__ import annotations

import copy
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

    #: the operation's route with its path filled in (``request.compiled.route`` is the :class:`Route`); the URL is
    #: always ``api_base + compiled.path``: paging rebuilds every page request on its route, so a token never goes
    #: where a response body points
    compiled: CompiledRoute
    params: Mapping[str, str] | None = None
    json: Any = None
    data: bytes | None = None
    content_type: str | None = None
    #: extra request headers (the cache's ``If-None-Match``); never ``Authorization``, which the scheduler sets
    headers: Mapping[str, str] | None = None
    #: a version the caller knows the answer depends on (a playlist's ``snapshot_id``): the cache keeps such an
    #: answer, keyed by it, and serves it without asking again for as long as the caller names the same version
    pin: str | None = None
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
    #: served from the cache: nothing was sent, or a conditional request was answered 304 (``revalidated``)
    from_cache: bool = False
    #: a conditional request (``If-None-Match``) was answered 304 and the cached body is this one
    revalidated: bool = False
    #: this call shared an identical GET already in flight (its own view of that one request's answer)
    coalesced: bool = False
    #: structured results shared by every view of one coalesced answer, so it is structured once (internal)
    memo: dict[Any, Any] | None = attrs.field(default=None, repr=False)

    def view(self, *, coalesced: bool = False, from_cache: bool = False, revalidated: bool = False) -> Response:
        """A copy for another caller, flagged as shared or cached (the headers and body are shared, read-only)."""
        other = copy.copy(self)
        other.coalesced = coalesced or self.coalesced
        other.from_cache = from_cache or self.from_cache
        other.revalidated = revalidated or self.revalidated
        return other

    def json(self) -> Any:
        """The decoded body; ``None`` for an empty or non-JSON body (player commands answer either)."""
        if not self.body:
            return None
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError:
            return None
