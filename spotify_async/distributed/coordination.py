"""connect(): the shared budget, 429 gate and token store of one app, on one Redis client, configured by URL."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

from ..auth.base import AuthFlow
from ..config import RateBudget
from ..errors import CoordinationError
from ._backend import DEFAULT_MAX_CONNECTIONS, DEFAULT_NAMESPACE, Backend, open_backend
from .gate import RedisGate
from .limiter import Fallback, RedisRateLimiter, check_fallback
from .tokens import DistributedAuth, RedisTokenStore

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["Coordination", "connect"]


class Coordination(tuple[RedisRateLimiter, RedisGate, RedisTokenStore]):
    """The Redis-backed limiter, gate and token store of one app, sharing one client. Close it when done.

    It is the tuple ``(limiter, gate, store)`` (so ``limiter, gate, store = connect(...)`` works, typed), with the
    same three as attributes, :meth:`auth` to wrap a flow so every process shares its token, and :meth:`aclose` /
    ``async with`` to stop the gate's listener and close the client.
    """

    limiter: RedisRateLimiter
    gate: RedisGate
    store: RedisTokenStore
    backend: Backend
    client_id: str
    fallback: Fallback
    lock_ttl: float

    def __new__(
        cls,
        backend: Backend,
        *,
        client_id: str,
        budget: RateBudget,
        namespace: str,
        fallback: Fallback,
        unit_ttl: float,
        lock_ttl: float,
        listen: bool,
    ) -> Coordination:
        limiter = RedisRateLimiter(
            backend.borrow(),
            client_id=client_id,
            budget=budget,
            namespace=namespace,
            unit_ttl=unit_ttl,
            fallback=fallback,
        )
        gate = RedisGate(backend.borrow(), client_id=client_id, namespace=namespace, fallback=fallback, listen=listen)
        store = RedisTokenStore(backend.borrow(), client_id=client_id, namespace=namespace)
        self = super().__new__(cls, (limiter, gate, store))
        self.limiter, self.gate, self.store = limiter, gate, store
        self.backend = backend
        self.client_id = client_id
        self.fallback = fallback
        self.lock_ttl = lock_ttl
        return self

    def __repr__(self) -> str:
        return f"<Coordination {self.backend.where} client_id={self.client_id!r}>"

    def auth(
        self,
        flow: AuthFlow,
        *,
        key: str | None = None,
        lock_ttl: float | None = None,
        margin: float = 60.0,
        wait_timeout: float | None = None,
        failure_cooldown: float = 5.0,
    ) -> DistributedAuth:
        """``flow`` with its token shared by every process through the store (one token request per expiry), under
        ``key``: by default a user flow's ``user_key``, else ``"app"``."""
        return DistributedAuth(
            flow,
            self.store,
            key=key,
            lock_ttl=self.lock_ttl if lock_ttl is None else lock_ttl,
            margin=margin,
            wait_timeout=wait_timeout,
            fallback=self.fallback,
            failure_cooldown=failure_cooldown,
        )

    async def ping(self) -> None:
        """Check that Redis answers (CoordinationError otherwise)."""
        await self.backend.ping()

    async def aclose(self) -> None:
        """Stop the gate's listener, let pending budget releases finish (bounded), close the Redis client."""
        await self.gate.aclose()
        await self.limiter.aclose()
        await self.store.aclose()
        await self.backend.aclose()

    async def __aenter__(self) -> Coordination:
        try:
            await self.ping()
        except CoordinationError:
            if self.fallback != "local":
                await self.backend.aclose()
                raise
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def connect(
    redis: str | Redis,
    *,
    client_id: str,
    budget: RateBudget | None = None,
    namespace: str = DEFAULT_NAMESPACE,
    timeout: float = 2.0,
    fallback: Fallback = "error",
    unit_ttl: float = 120.0,
    lock_ttl: float = 10.0,
    listen: bool = True,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> Coordination:
    """Shared coordination for the app ``client_id`` through Redis (a ``redis://``/``rediss://``/``unix://`` URL, or a
    redis.asyncio client that stays yours to close).

    ``budget`` is the rate budget every process shares (give them all the same one; default: unknown limit, adaptive,
    30 s window). Every Redis call is bounded by ``timeout`` seconds; a URL-built client opens at most
    ``max_connections`` connections (commands past it wait for one). ``fallback="local"`` keeps a process going on its
    own limiter, gate and token when Redis is unreachable; the default raises
    :class:`~spotify_async.errors.CoordinationError`. Use it as ``async with connect(...) as co:`` and pass
    ``co.auth(flow)``, ``limiter=co.limiter`` and ``gate=co.gate`` to :class:`~spotify_async.Spotify`.
    """
    check_fallback(fallback)
    backend = open_backend(
        redis, timeout=timeout, max_connections=max_connections
    )  # owns the client only when it made it from a URL
    return Coordination(
        backend,
        client_id=client_id,
        budget=budget if budget is not None else RateBudget(),
        namespace=namespace,
        fallback=fallback,
        unit_ttl=unit_ttl,
        lock_ttl=lock_ttl,
        listen=listen,
    )
