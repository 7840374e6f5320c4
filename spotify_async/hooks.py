"""Hooks: what happens to each call (sent, answered, retried, rate-limited, served from the cache), for metrics and
tracing without forking the client.

A :class:`Hooks` is a plain object whose methods the request path calls *synchronously* at each event; override the
ones you need (the base class does nothing). Give hooks to a session with ``Config(hooks=(MyHooks(),))``. Each event
carries the call's :class:`CallContext`: the operationId, the method and route template (never a query string, an id
that could identify a user, or a token), the kind of identity the call runs as, and its priority lane.

Hooks run on the event loop inside the request path: keep them quick (increment a counter, record a span attribute).
One that raises is logged and otherwise ignored: a broken metric never breaks a call. When a session has no hooks, the
request path builds no event objects at all.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

__all__ = [
    "CacheEvent",
    "CacheOutcome",
    "CallContext",
    "HookSet",
    "Hooks",
    "IdentityKind",
    "RateLimitEvent",
    "RequestEvent",
    "ResponseEvent",
    "RetryEvent",
    "WaitedFor",
]

log = logging.getLogger("spotify_async.hooks")

#: ``"app"``: an app token (client credentials); ``"user"``: one user's token (a user flow); ``"token"``: a fixed
#: access token whose owner the client does not know
IdentityKind = Literal["app", "user", "token"]
#: what a call was waiting for when a rate-limit event fired
WaitedFor = Literal["gate", "budget", "queue"]
#: ``"hit"``: answered from the cache, nothing sent; ``"revalidated"``: a conditional request answered 304;
#: ``"miss"``: not in the cache; ``"stored"``: an answer kept; ``"invalidated"``: a write dropped cached reads;
#: ``"coalesced"``: the call shared an identical request already in flight
CacheOutcome = Literal["hit", "revalidated", "miss", "stored", "invalidated", "coalesced"]


class CallContext:
    """Who is calling what: the part of a call that every event of it shares."""

    __slots__ = ("identity", "lane", "method", "operation_id", "path")

    def __init__(self, operation_id: str, method: str, path: str, identity: IdentityKind, lane: str) -> None:
        #: the spec's operationId (``"get-track"``)
        self.operation_id = operation_id
        #: the HTTP method
        self.method = method
        #: the route's path template (``"/tracks/{id}"``), never the filled-in path
        self.path = path
        self.identity: IdentityKind = identity
        #: the priority lane (``"interactive"`` or ``"background"``)
        self.lane = lane

    def __repr__(self) -> str:
        return f"CallContext({self.operation_id!r}, identity={self.identity!r}, lane={self.lane!r})"


class RequestEvent:
    """An attempt is about to be written (after every wait)."""

    __slots__ = ("attempt", "context", "waited")

    def __init__(self, context: CallContext, attempt: int, waited: float) -> None:
        self.context = context
        #: 1 for the first attempt
        self.attempt = attempt
        #: seconds this call has waited so far (queue, budget, gate, backoff)
        self.waited = waited


class ResponseEvent:
    """An attempt came back with a status (any status, success or not)."""

    __slots__ = ("attempt", "context", "elapsed", "status", "waited")

    def __init__(self, context: CallContext, attempt: int, status: int, elapsed: float, waited: float) -> None:
        self.context = context
        self.attempt = attempt
        self.status = status
        #: seconds from the call's start to this response
        self.elapsed = elapsed
        self.waited = waited


class RetryEvent:
    """An attempt failed and the call will be tried again after ``delay`` seconds."""

    __slots__ = ("attempt", "context", "delay", "reason", "status")

    def __init__(self, context: CallContext, attempt: int, status: int, reason: str, delay: float) -> None:
        self.context = context
        #: the attempt that failed
        self.attempt = attempt
        #: its status (``0`` for a network failure or a timeout)
        self.status = status
        #: why (``"503"``, ``"ServerDisconnectedError"``, ``"401: token refreshed"``, ...)
        self.reason = reason
        self.delay = delay


class RateLimitEvent:
    """The call met the rate limit: a 429, or a wait for the client's own budget or gate."""

    __slots__ = ("context", "reason", "retry_after", "status", "waited_for")

    def __init__(
        self, context: CallContext, waited_for: WaitedFor, retry_after: float, reason: str | None, status: int
    ) -> None:
        self.context = context
        self.waited_for: WaitedFor = waited_for
        #: seconds until the call could go (a 429's closure, the gate's remaining closure); 0 when not known in
        #: advance (a wait for the budget or a slot: the event fires as the wait begins)
        self.retry_after = retry_after
        #: Spotify's ``reason`` (``"QUOTA_EXCEEDED"``) when a 429 said one
        self.reason = reason
        #: ``429`` when the server answered so; ``0`` when the client itself made the call wait
        self.status = status


class CacheEvent:
    """The cache or the coalescer answered, missed, kept or dropped something for this call."""

    __slots__ = ("context", "outcome")

    def __init__(self, context: CallContext, outcome: CacheOutcome) -> None:
        self.context = context
        self.outcome: CacheOutcome = outcome


class Hooks:
    """Override the events you want; each is called synchronously on the event loop and should return quickly."""

    def on_request(self, event: RequestEvent) -> None:
        """An attempt is about to be sent."""

    def on_response(self, event: ResponseEvent) -> None:
        """An attempt came back with a status."""

    def on_retry(self, event: RetryEvent) -> None:
        """A failed attempt will be retried."""

    def on_rate_limit(self, event: RateLimitEvent) -> None:
        """The call met the rate limit (a 429, or the client's budget or gate made it wait)."""

    def on_cache(self, event: CacheEvent) -> None:
        """The cache or the coalescer acted for this call."""


class HookSet:
    """The session's hooks as one object the request path calls; isolates each hook's exceptions.

    ``bool(hook_set)`` is false when there are none, so the request path can skip building events.
    """

    __slots__ = ("_hooks",)

    def __init__(self, hooks: Sequence[Hooks] = ()) -> None:
        self._hooks = tuple(hooks)

    def __bool__(self) -> bool:
        return bool(self._hooks)

    def _each(self, name: str, event: object) -> None:
        for hook in self._hooks:
            try:
                getattr(hook, name)(event)
            except Exception:
                log.exception("hook %s.%s raised; ignored", type(hook).__name__, name)

    def request(self, event: RequestEvent) -> None:
        self._each("on_request", event)

    def response(self, event: ResponseEvent) -> None:
        self._each("on_response", event)

    def retry(self, event: RetryEvent) -> None:
        self._each("on_retry", event)

    def rate_limit(self, event: RateLimitEvent) -> None:
        self._each("on_rate_limit", event)

    def cache(self, event: CacheEvent) -> None:
        self._each("on_cache", event)
