"""RedisCacheStore: the HTTP cache's :class:`~spotify_async.http.store.CacheStore` in Redis, shared by every process
of a crawler, so an answer one process fetched (or revalidated) serves them all.

Keys are ``<ns>:{<client_id>}:cache:<digest>``, the digest being a BLAKE2b of the cache key (which names the caller's
identity digest, the path and the query, never a token). Each entry is a plain string with a ``PX`` expiry: Redis
forgets it when its time is up, so nothing needs sweeping. Tags are sets, ``<ns>:{<client_id>}:cache-tag:<tag>``, of the
entry keys filed under them, expiring no sooner than their longest-lived entry; an invalidation deletes every member
of the tag's sets and the sets themselves in one script (one round trip, atomic). Writing an entry and filing it under
its tags is one script as well.

Memory is bounded by Redis itself (``maxmemory`` with an eviction policy such as ``volatile-lru``: every entry has an
expiry): configure it on the server. Values above ``max_value_bytes`` are not written.

Failure: every call is bounded by ``timeout``. With ``fallback="error"`` (the default) a failure raises
:class:`~spotify_async.errors.CoordinationError`; with ``fallback="local"`` the process carries on with a
:class:`~spotify_async.http.store.MemoryCacheStore` of its own (``local_max_bytes``), trying Redis again every
``retry_interval`` seconds. A cache is an optimisation: ``"local"`` is usually the right choice for a crawler.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from ..errors import CoordinationError, InvalidInput
from ..http.store import MemoryCacheStore
from ._backend import DEFAULT_NAMESPACE, Backend, Keys, Script, open_backend
from .limiter import Fallback, check_fallback

if TYPE_CHECKING:
    from redis.asyncio import Redis

__all__ = ["RedisCacheStore"]

log = logging.getLogger("spotify_async.distributed")

T = TypeVar("T")

# KEYS: the entry key, then one set key per tag; ARGV: value, ttl ms
_SET = Script(
    "cache set",
    """
local ttl = tonumber(ARGV[2])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
for i = 2, #KEYS do
    redis.call('SADD', KEYS[i], KEYS[1])
    if redis.call('PTTL', KEYS[i]) < ttl then
        redis.call('PEXPIRE', KEYS[i], ttl)
    end
end
return 1
""",
)

# KEYS: tag set keys -> how many entries were deleted
_INVALIDATE = Script(
    "cache invalidate",
    """
local dropped = 0
for i = 1, #KEYS do
    local members = redis.call('SMEMBERS', KEYS[i])
    for j = 1, #members do
        dropped = dropped + redis.call('DEL', members[j])
    end
    redis.call('DEL', KEYS[i])
end
return dropped
""",
)


class RedisCacheStore:
    """A :class:`~spotify_async.http.store.CacheStore` in Redis (see the module docstring)."""

    def __init__(
        self,
        redis: str | Redis | Backend,
        *,
        client_id: str,
        namespace: str = DEFAULT_NAMESPACE,
        timeout: float = 1.0,
        fallback: Fallback = "error",
        retry_interval: float = 5.0,
        max_value_bytes: int = 1024 * 1024,
        local_max_bytes: int = 32 * 1024 * 1024,
    ) -> None:
        check_fallback(fallback)
        if max_value_bytes < 1:
            raise InvalidInput("max_value_bytes must be >= 1")
        if retry_interval <= 0:
            raise InvalidInput("retry_interval must be > 0 seconds")
        self._backend = open_backend(redis, timeout=timeout)
        keys = Keys(namespace, client_id)
        self._entry_prefix = keys("cache", "")
        self._tag_prefix = keys("cache-tag", "")
        self.fallback: Fallback = fallback
        self.retry_interval = retry_interval
        self.max_value_bytes = max_value_bytes
        self._local_max_bytes = local_max_bytes
        self._local: MemoryCacheStore | None = None
        self._retry_at = 0.0

    def __repr__(self) -> str:
        return f"<RedisCacheStore {self._backend.where} prefix={self._entry_prefix!r} fallback={self.fallback!r}>"

    def _key(self, key: str) -> str:
        return self._entry_prefix + hashlib.blake2b(key.encode(), digest_size=16).hexdigest()

    def _tag(self, tag: str) -> str:
        return self._tag_prefix + tag

    @property
    def degraded(self) -> bool:
        """True while this process uses its local fallback store instead of Redis."""
        return self._local is not None and time.monotonic() < self._retry_at

    async def _run(self, remote: Callable[[], Awaitable[T]], local: Callable[[MemoryCacheStore], Awaitable[T]]) -> T:
        if self.degraded:
            assert self._local is not None
            return await local(self._local)
        try:
            result = await remote()
        except CoordinationError as exc:
            if self.fallback == "error":
                raise
            if self._local is None:
                self._local = MemoryCacheStore(self._local_max_bytes)
            self._retry_at = time.monotonic() + self.retry_interval
            log.warning("cache store unavailable, using this process's memory for %gs: %s", self.retry_interval, exc)
            return await local(self._local)
        if self._local is not None:
            self._local = None  # Redis answers again: what was kept locally meanwhile is dropped
        return result

    async def get(self, key: str) -> bytes | None:
        async def remote() -> bytes | None:
            value: Any = await self._backend.execute("cache get", "GET", self._key(key))
            if value is None:
                return None
            return value if isinstance(value, bytes) else str(value).encode()

        return await self._run(remote, lambda store: store.get(key))

    async def set(self, key: str, value: bytes, ttl: float, tags: Sequence[str] = ()) -> None:
        ttl_ms = int(ttl * 1000)
        if ttl_ms <= 0 or len(value) > self.max_value_bytes:
            return

        async def remote() -> None:
            keys = [self._key(key), *(self._tag(t) for t in tags)]
            await self._backend.script(_SET, keys, [value, ttl_ms])  # type: ignore[list-item]

        await self._run(remote, lambda store: store.set(key, value, ttl, tags))

    async def invalidate(self, tags: Sequence[str]) -> int:
        if not tags:
            return 0

        async def remote() -> int:
            return int(await self._backend.script(_INVALIDATE, [self._tag(t) for t in tags], []))

        return await self._run(remote, lambda store: store.invalidate(tags))

    async def clear(self) -> None:
        """Delete every entry and tag of this app's cache (SCAN, in batches: meant for tests and maintenance)."""

        async def remote() -> None:
            for prefix in (self._entry_prefix, self._tag_prefix):
                cursor: Any = 0
                while True:
                    cursor, found = await self._backend.execute("cache clear", "SCAN", cursor, "MATCH", prefix + "*")
                    if found:
                        await self._backend.execute("cache clear", "DEL", *found)
                    if int(cursor) == 0:
                        break

        await self._run(remote, lambda store: store.clear())

    async def aclose(self) -> None:
        """Close the Redis client if this store created it from a URL."""
        await self._backend.aclose()

    async def __aenter__(self) -> RedisCacheStore:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
