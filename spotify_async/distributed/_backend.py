"""The one place that talks to redis-py: lazy import, clients built from URLs, bounded calls, scripts, key names.

Every Redis command the distributed package sends goes through :meth:`Backend.execute` or :meth:`Backend.script`, which
bound it with ``asyncio.wait_for`` (on top of redis-py's socket timeouts, which do not cover its own retries) and turn
any Redis or network failure into :class:`~spotify_async.errors.CoordinationError`. Messages name the host, port and
database of the server, never the password a ``redis://user:password@host`` URL may carry.

redis-py is imported here, lazily, so that ``import spotify_async`` (and ``import spotify_async.distributed``) works
without the optional ``[redis]`` extra; only building a client needs it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from ..errors import CoordinationError, InvalidInput

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from redis.asyncio.client import PubSub

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_NAMESPACE",
    "Backend",
    "Keys",
    "Script",
    "open_backend",
    "require_redis",
    "text",
]

DEFAULT_NAMESPACE = "spotify_async"
#: connections per process a URL-built client may open (commands past it wait, bounded by the timeout)
DEFAULT_MAX_CONNECTIONS = 128

_EXTRA_HINT = (
    "spotify_async.distributed needs the optional redis client: pip install 'spotify_async[redis]' (redis>=5.0)"
)


def require_redis() -> Any:
    """Import ``redis.asyncio`` or raise an ImportError that names the extra to install."""
    try:
        import redis.asyncio as redis_asyncio
    except ImportError as exc:
        raise ImportError(_EXTRA_HINT) from exc
    return redis_asyncio


def text(value: Any) -> str:
    """A Redis reply as str, whether the client decodes responses or not."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def describe_url(url: str) -> str:
    """``host:port/db`` of a Redis URL: what error messages may show (no user name, no password)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "redis (unparsable URL)"
    if parts.scheme == "unix":
        return f"unix:{parts.path}"
    host = parts.hostname or "localhost"
    try:
        port = parts.port or 6379
    except ValueError:
        port = 6379
    db = parts.path.lstrip("/") or "0"
    return f"{parts.scheme}://{host}:{port}/{db}"


def _describe_client(client: Any) -> str:
    try:
        kwargs = client.connection_pool.connection_kwargs
    except AttributeError:
        return "redis"
    if "path" in kwargs:
        return f"unix:{kwargs['path']}"
    return f"redis://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"


class Keys:
    """Key names for one app: ``<namespace>:{<client_id>}:<what>``.

    The braces are a Redis Cluster hash tag, so every key of one app lives in one slot and multi-key scripts stay legal
    there; on a single server they are just characters.
    """

    def __init__(self, namespace: str, client_id: str) -> None:
        if not isinstance(client_id, str) or not client_id:
            raise InvalidInput("client_id must be a non-empty string (keys are namespaced per app)")
        if not isinstance(namespace, str) or not namespace:
            raise InvalidInput("namespace must be a non-empty string")
        if any(c in client_id for c in "{} \r\n"):
            raise InvalidInput("client_id must not contain braces or whitespace")
        self.prefix = f"{namespace}:{{{client_id}}}:"

    def __call__(self, *parts: str) -> str:
        return self.prefix + ":".join(parts)


class Script:
    """A Lua script run with EVALSHA, falling back to EVAL (which caches it) the first time a server lacks it."""

    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()


class Backend:
    """A redis.asyncio client plus the rules for using it: a timeout on every call, typed errors, ownership."""

    def __init__(self, client: Redis, *, timeout: float, owns: bool, where: str | None = None) -> None:
        if timeout <= 0:
            raise InvalidInput("timeout must be > 0 seconds")
        redis_asyncio = require_redis()
        self.client = client
        # redis-py leaves execute_command unannotated; this is the one typed door to it
        self._execute = cast("Callable[..., Awaitable[Any]]", client.execute_command)
        self.timeout = timeout
        self.owns = owns
        self.where = where or _describe_client(client)
        self._errors: tuple[type[BaseException], ...] = (
            redis_asyncio.RedisError,
            OSError,
            asyncio.TimeoutError,
        )
        from redis.exceptions import NoScriptError

        self._no_script: type[BaseException] = NoScriptError
        self.closed = False
        self._pool: Any = None  # the pool from_url made (disconnected by aclose)

    @classmethod
    def from_url(cls, url: str, *, timeout: float, max_connections: int = DEFAULT_MAX_CONNECTIONS) -> Backend:
        """A client of its own for ``url`` (closed by :meth:`aclose`), with socket timeouts of ``timeout``.

        The pool is a *blocking* one: past ``max_connections`` a command waits for a free connection (still within
        ``timeout``) instead of failing, so a burst of 429s handled outside the scheduler's slots cannot exhaust it.
        """
        if not isinstance(url, str) or not url:
            raise InvalidInput("a Redis URL such as redis://127.0.0.1:6379/0 is required")
        if max_connections < 1:
            raise InvalidInput("max_connections must be >= 1")
        redis_asyncio = require_redis()
        try:
            pool = redis_asyncio.BlockingConnectionPool.from_url(
                url,
                max_connections=max_connections,
                timeout=timeout,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                health_check_interval=30,
            )
        except ValueError as exc:
            # redis-py's message quotes the scheme only, never the password; keep it short anyway
            raise InvalidInput(f"not a usable Redis URL for {describe_url(url)}: {str(exc)[:120]}") from None
        backend = cls(redis_asyncio.Redis(connection_pool=pool), timeout=timeout, owns=True, where=describe_url(url))
        backend._pool = pool
        return backend

    def _error(self, what: str, exc: BaseException) -> CoordinationError:
        if isinstance(exc, asyncio.TimeoutError):
            detail = f"no answer within {self.timeout:g}s"
        else:
            detail = f"{type(exc).__name__}: {str(exc)[:160]}"
        return CoordinationError(f"Redis at {self.where} failed during {what} ({detail})")

    async def execute(self, what: str, *args: Any) -> Any:
        """Run one command, bounded by the timeout; failures raise CoordinationError."""
        try:
            return await asyncio.wait_for(self._execute(*args), self.timeout)
        except self._errors as exc:
            raise self._error(what, exc) from exc

    async def script(self, script: Script, keys: list[str], args: list[str | int | float]) -> Any:
        """Run a Lua script in one round trip (two the first time a server has not cached it)."""
        try:
            try:
                return await asyncio.wait_for(
                    self._execute("EVALSHA", script.sha, len(keys), *keys, *args), self.timeout
                )
            except self._no_script:
                return await asyncio.wait_for(
                    self._execute("EVAL", script.source, len(keys), *keys, *args), self.timeout
                )
        except self._errors as exc:
            raise self._error(script.name, exc) from exc

    def borrow(self) -> Backend:
        """The same client for a component that must not close it (the owner closes it once)."""
        return Backend(self.client, timeout=self.timeout, owns=False, where=self.where)

    def pubsub(self) -> PubSub:
        return self.client.pubsub()

    async def ping(self) -> None:
        await self.execute("PING", "PING")

    async def aclose(self) -> None:
        """Close the client if this backend created it (a caller's client is left alone). Idempotent, bounded."""
        if self.closed:
            return
        self.closed = True
        if self.owns:
            try:
                await asyncio.wait_for(self.client.aclose(), self.timeout)
                if self._pool is not None:
                    await asyncio.wait_for(self._pool.disconnect(), self.timeout)
            except self._errors:
                pass


def open_backend(
    redis: str | Redis | Backend, *, timeout: float, max_connections: int = DEFAULT_MAX_CONNECTIONS
) -> Backend:
    """A Backend for a URL (owned), an existing Backend (shared as is) or a caller's client (never closed by us)."""
    if isinstance(redis, Backend):
        return redis
    if isinstance(redis, str):
        return Backend.from_url(redis, timeout=timeout, max_connections=max_connections)
    redis_asyncio = require_redis()
    if not isinstance(redis, redis_asyncio.Redis):
        raise InvalidInput(f"expected a redis:// URL or a redis.asyncio.Redis client, not {type(redis).__name__}")
    return Backend(redis, timeout=timeout, owns=False)
