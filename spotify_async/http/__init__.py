"""The HTTP layer: routes, the scheduler (concurrency cap, rate budget, 429 gate, retries), request/response types."""

from .call import Call, CursorPaged, Paged
from .gate import Gate, LocalGate
from .limiter import LocalRateLimiter, RateLimiter
from .response import Request, Response
from .routes import ALL_ROUTES, CompiledRoute, Route
from .scheduler import Scheduler, parse_retry_after

__all__ = [
    "Call",
    "CursorPaged",
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
