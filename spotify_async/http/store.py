"""Cache stores: where the HTTP cache keeps answers. The :class:`CacheStore` protocol and :class:`MemoryCacheStore`.

A store maps a key (a string the cache builds from the caller's identity, the path and the query) to an opaque byte
string (the cache's encoded entry), each with a time to live and a few *tags* (``"playlist:{id}"``,
``"library:{identity}"``) so that a write can drop every entry of a group at once with :meth:`CacheStore.invalidate`.
Stores know nothing of HTTP; the cache (:mod:`spotify_async.http.cache`) decides what to keep and for how long.

:class:`MemoryCacheStore` is the default: least recently used entries go first, and it is bounded in *bytes*, counted
as CPython sizes the objects it holds (``sys.getsizeof`` of the key and the value, plus a fixed per-entry allowance
for the dictionary slots, the tuple and the tag index). The count is kept exactly on every insert, eviction, expiry
and invalidation, and it never exceeds ``max_bytes``: an insert first evicts until the new entry fits, and an entry
larger than the bound on its own is not kept at all. Expired entries are dropped when met (lookups) and, as a backstop,
when the least recently used end is trimmed.

The Redis store (one cache for every process of a crawler) is
:class:`spotify_async.distributed.RedisCacheStore`.
"""

from __future__ import annotations

import sys
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

__all__ = ["ENTRY_OVERHEAD", "CacheStore", "MemoryCacheStore"]

#: bytes counted per entry on top of its key and value: the OrderedDict slot and link, the entry tuple, the float,
#: and one set slot per tag in the tag index (measured with tracemalloc on CPython 3.11, rounded up)
ENTRY_OVERHEAD = 320


@runtime_checkable
class CacheStore(Protocol):
    """Where cached answers live. Every method is a coroutine; each must be bounded in time (a remote store times
    out rather than hanging a call) and must never raise for a missing key."""

    async def get(self, key: str) -> bytes | None:
        """The value kept under ``key``, or ``None`` (absent or expired)."""
        ...

    async def set(self, key: str, value: bytes, ttl: float, tags: Sequence[str] = ()) -> None:
        """Keep ``value`` under ``key`` for ``ttl`` seconds, indexed under each of ``tags``."""
        ...

    async def invalidate(self, tags: Sequence[str]) -> int:
        """Drop every entry indexed under any of ``tags``; return how many were dropped (when the store knows)."""
        ...

    async def clear(self) -> None:
        """Drop everything this store holds."""
        ...


class MemoryCacheStore:
    """An in-process LRU store bounded in bytes (see the module docstring for how bytes are counted)."""

    __slots__ = ("_clock", "_entries", "_tags", "max_bytes", "size")

    def __init__(self, max_bytes: int = 32 * 1024 * 1024, *, clock: Callable[[], float] = time.monotonic) -> None:
        if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 0:
            raise ValueError(f"max_bytes must be a non-negative integer, got {max_bytes!r}")
        self.max_bytes = max_bytes
        #: bytes currently counted (never above ``max_bytes``)
        self.size = 0
        self._clock = clock
        # key -> (value, expires_at, tags, counted bytes); oldest use first
        self._entries: OrderedDict[str, tuple[bytes, float, tuple[str, ...], int]] = OrderedDict()
        self._tags: dict[str, set[str]] = {}

    def __repr__(self) -> str:
        return f"<MemoryCacheStore {len(self._entries)} entries, {self.size} of {self.max_bytes} bytes>"

    def __len__(self) -> int:
        return len(self._entries)

    @staticmethod
    def cost(key: str, value: bytes, tags: Sequence[str] = ()) -> int:
        """The bytes one entry counts for."""
        return sys.getsizeof(key) + sys.getsizeof(value) + ENTRY_OVERHEAD + 64 * len(tags)

    def _drop(self, key: str) -> None:
        _, _, tags, counted = self._entries.pop(key)
        self.size -= counted
        for tag in tags:
            keys = self._tags.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._tags[tag]

    def get_nowait(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] <= self._clock():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry[0]

    async def get(self, key: str) -> bytes | None:
        return self.get_nowait(key)

    def set_nowait(self, key: str, value: bytes, ttl: float, tags: Sequence[str] = ()) -> None:
        if key in self._entries:
            self._drop(key)
        if ttl <= 0:
            return
        tags = tuple(tags)
        counted = self.cost(key, value, tags)
        if counted > self.max_bytes:
            return  # larger than the whole bound: never kept
        entries = self._entries
        while self.size + counted > self.max_bytes:
            self._drop(next(iter(entries)))
        now = self._clock()
        entries[key] = (value, now + ttl, tags, counted)
        self.size += counted
        for tag in tags:
            self._tags.setdefault(tag, set()).add(key)
        # backstop: expired entries at the cold end go now rather than waiting to be evicted
        while entries:
            oldest = next(iter(entries))
            if entries[oldest][1] > now:
                break
            self._drop(oldest)

    async def set(self, key: str, value: bytes, ttl: float, tags: Sequence[str] = ()) -> None:
        self.set_nowait(key, value, ttl, tags)

    def invalidate_nowait(self, tags: Sequence[str]) -> int:
        dropped = 0
        for tag in tags:
            for key in list(self._tags.get(tag, ())):
                if key in self._entries:
                    self._drop(key)
                    dropped += 1
            self._tags.pop(tag, None)
        return dropped

    async def invalidate(self, tags: Sequence[str]) -> int:
        return self.invalidate_nowait(tags)

    async def clear(self) -> None:
        self._entries.clear()
        self._tags.clear()
        self.size = 0
