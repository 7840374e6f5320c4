"""The HTTP layer: routes, the request pipeline (cache, coalescing, the scheduler with its concurrency cap, rate budget,
429 gate and retries), cache stores, request/response types. Nothing here imports the session or the endpoints."""

from .cache import HttpCacheLayer
from .call import Call, Client, CursorPaged, Paged
from .coalesce import Coalescer
from .gate import Gate, LocalGate
from .limiter import LocalRateLimiter, RateLimiter
from .pipeline import Pipeline
from .response import Request, Response
from .routes import ALL_ROUTES, CompiledRoute, Route
from .scheduler import Scheduler, parse_retry_after
from .store import CacheStore, MemoryCacheStore

__all__ = [
    "CacheStore",
    "Call",
    "Client",
    "Coalescer",
    "CursorPaged",
    "HttpCacheLayer",
    "MemoryCacheStore",
    "Pipeline",
    "Paged",
    "ALL_ROUTES",
    "CompiledRoute",
    "Gate",
    "LocalGate",
    "LocalRateLimiter",
    "RateLimiter",
    "Request",
    "Response",
    "Route",
    "Scheduler",
    "parse_retry_after",
]
