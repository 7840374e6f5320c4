"""The HTTP layer: routes, the request pipeline (cache, coalescing, the scheduler with its slots, rate budget, 429 gate,
one deadline per call and retries), the clock, cache stores, request/response types. Nothing here imports the session
or the endpoints."""

from .cache import HttpCacheLayer
from .call import Batch, Call, Client, CursorPaged, Paged
from .clock import SYSTEM_CLOCK, Clock, SystemClock
from .coalesce import Coalescer
from .gate import Gate, LocalGate
from .limiter import LANES, Lane, LocalRateLimiter, RateLimiter
from .pipeline import Pipeline
from .response import Request, Response
from .routes import ALL_ROUTES, CompiledRoute, Route
from .scheduler import AccessToken, Scheduler, TokenSource, WaitSnapshot, parse_retry_after
from .store import CacheStore, MemoryCacheStore

__all__ = [
    "ALL_ROUTES",
    "LANES",
    "SYSTEM_CLOCK",
    "AccessToken",
    "Batch",
    "CacheStore",
    "Call",
    "Client",
    "Clock",
    "Coalescer",
    "CompiledRoute",
    "CursorPaged",
    "Gate",
    "HttpCacheLayer",
    "Lane",
    "LocalGate",
    "LocalRateLimiter",
    "MemoryCacheStore",
    "Paged",
    "Pipeline",
    "RateLimiter",
    "Request",
    "Response",
    "Route",
    "Scheduler",
    "SystemClock",
    "TokenSource",
    "WaitSnapshot",
    "parse_retry_after",
]
