"""The HTTP layer: routes, the scheduler (slots, rate budget, 429 gate, one deadline per call, retries), the clock,
request/response types."""

from .call import Call, CursorPaged, Paged
from .clock import SYSTEM_CLOCK, Clock, SystemClock
from .gate import Gate, LocalGate
from .limiter import LANES, Lane, LocalRateLimiter, RateLimiter
from .response import Request, Response
from .routes import ALL_ROUTES, CompiledRoute, Route
from .scheduler import AccessToken, Scheduler, TokenSource, WaitSnapshot, parse_retry_after

__all__ = [
    "ALL_ROUTES",
    "LANES",
    "SYSTEM_CLOCK",
    "AccessToken",
    "Call",
    "Clock",
    "CompiledRoute",
    "CursorPaged",
    "Gate",
    "Lane",
    "LocalGate",
    "LocalRateLimiter",
    "Paged",
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
