"""The request path below the endpoints, as a pipeline of small layers, each one object with one job:

    cache lookup -> coalescing -> Scheduler.send (lane, slot, token, budget, gate, send, retry policy)
                 -> cache store -> (back up in :mod:`~spotify_async.http.call`) structuring

:class:`Pipeline` holds the layers of one app (every client of the app, user clients included, shares it, as they
share the scheduler) and calls the scheduler at exactly one place, :meth:`Pipeline._upstream`. What it needs from the
session comes down as arguments (the caller's :class:`~spotify_async.auth.TokenManager` and identity kind), so nothing
here imports the session or the endpoints.

For a GET, the pipeline builds the identity key (``"app"`` for an app token; otherwise a digest of the access token,
memoised, so a token never appears in a key, a log or an event), then the cache key; a fresh cache entry answers at
once; otherwise the call joins or starts a flight in the coalescer, whose single request carries ``If-None-Match``
when a stale entry has an ETag; the answer (or the 304's refresh) is stored for the next caller. Other methods go
straight to the scheduler and then drop the cache tags their route invalidates; a read that was in flight across such
a write is not stored, and reads arriving after it do not join flights that began before it.

With the cache off and coalescing off (``Config(cache=HttpCache(enabled=False), coalesce=False)``) a GET goes to the
scheduler directly: the benchmarks' "before" figure. Cache events go to the session's hooks only when it has some:
``miss`` whenever a GET could not be answered without asking (a stale entry that is then revalidated reports ``miss``,
then ``revalidated``), ``stored`` when an answer is kept, ``coalesced`` for each call that joined a flight, ``hit``,
and ``invalidated`` once per invalidating write.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any

import aiohttp
import attrs

from ..config import Config
from ..hooks import CacheEvent, CacheOutcome, CallContext, HookSet, IdentityKind
from .cache import CacheEntry, HttpCacheLayer, cache_key
from .coalesce import Coalescer
from .response import Request, Response
from .store import MemoryCacheStore

if TYPE_CHECKING:
    from ..auth.manager import TokenManager
    from .scheduler import Scheduler

__all__ = ["CacheStats", "Pipeline"]


async def _ready(response: Response) -> Response:
    """An answer known without awaiting (a cache hit), as the coroutine :meth:`Pipeline.send` returns."""
    return response


#: identity digests remembered (one per access token seen); cleared when full, so it stays bounded
_IDENTITY_MEMO = 4096


class CacheStats:
    """Counters of the cache and the coalescer (``sp.stats`` reports them); plain integer increments."""

    __slots__ = ("coalesced", "hits", "invalidated", "misses", "revalidated", "stored")

    def __init__(self) -> None:
        self.hits = 0
        self.revalidated = 0
        self.misses = 0
        self.stored = 0
        self.invalidated = 0
        self.coalesced = 0

    def as_dict(self) -> dict[str, int]:
        return {f"cache_{name}": getattr(self, name) for name in self.__slots__}


class Pipeline:
    """Cache, coalescer and scheduler for one app, in that order (see the module docstring)."""

    __slots__ = ("_api_base", "_epoch", "_http", "_identities", "_scheduler", "cache", "coalescer", "hooks", "stats")

    def __init__(
        self,
        config: Config,
        scheduler: Scheduler,
        http: Callable[[], aiohttp.ClientSession],
        api_base: str,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._scheduler = scheduler
        self._http = http
        self._api_base = api_base
        settings = config.cache
        self.cache: HttpCacheLayer | None = None
        if settings.enabled:
            store = settings.store if settings.store is not None else MemoryCacheStore(settings.max_bytes)
            self.cache = HttpCacheLayer(
                store,
                catalog_ttl=settings.catalog_ttl,
                keep=settings.keep,
                revalidate_max_bytes=settings.revalidate_max_bytes,
                clock=clock,
            )
        self.coalescer: Coalescer | None = Coalescer() if config.coalesce else None
        self.hooks = HookSet(config.hooks)
        self.stats = CacheStats()
        self._identities: dict[str, str] = {}
        #: bumped by every invalidating write: a read that was in flight across one is not stored (it may predate it)
        self._epoch = 0

    # ------------------------------------------------------------------ the one call into the scheduler
    def _upstream(self, request: Request, tokens: TokenManager) -> Coroutine[Any, Any, Response]:
        # returns the scheduler's coroutine itself: no frame of our own between the caller and the scheduler
        return self._scheduler.send(self._http(), tokens, self._api_base, request)

    # ------------------------------------------------------------------ helpers
    async def _identity(self, tokens: TokenManager) -> str:
        token = tokens.fresh() or await tokens.get()
        access = token.access_token
        key = self._identities.get(access)
        if key is None:
            if len(self._identities) >= _IDENTITY_MEMO:
                self._identities.clear()
            key = "u" + hashlib.blake2b(access.encode(), digest_size=12).hexdigest()
            self._identities[access] = key
        return key

    def _emit(self, request: Request, kind: IdentityKind, outcome: CacheOutcome) -> None:
        route = request.compiled.route
        # the lane is the scheduler's business; the cache acts before any lane is chosen
        context = CallContext(route.operation_id, route.method, route.path, kind, "interactive")
        self.hooks.cache(CacheEvent(context, outcome))

    def _url(self, request: Request) -> str:
        return self._api_base + request.compiled.path

    # ------------------------------------------------------------------ the path
    def send(self, request: Request, tokens: TokenManager, kind: IdentityKind) -> Coroutine[Any, Any, Response]:
        """Answer ``request`` from the cache, a flight in progress, or the scheduler (see the module docstring).

        Not itself a coroutine: what can be decided without awaiting (the method, the identity of an app token, a
        lookup in the memory store) is decided here, and the coroutine returned is the one that waits (the
        coalescer's, the scheduler's), with no frame of the pipeline's own above it. Identity and lookups that must
        await go through :meth:`_read`. Call it only to await its result at once (errors are raised by the call)."""
        route = request.compiled.route
        cache = self.cache
        coalescer = self.coalescer
        if route.method != "GET":
            if cache is None or not route.invalidates:
                return self._upstream(request, tokens)
            return self._write(request, tokens, kind, cache)
        if cache is None and coalescer is None:
            return self._upstream(request, tokens)
        if kind != "app" or (cache is not None and not cache.synchronous):
            return self._read(request, tokens, kind)
        key = cache_key("app", request)
        entry: CacheEntry | None = None
        if cache is not None:
            entry = cache.lookup_nowait(key)
            if entry is not None and cache.is_fresh(entry):
                return _ready(self._hit(request, kind, entry))
            self._missed(request, kind)
        return self._flight(request, tokens, key, entry, "app", kind)

    async def _write(
        self, request: Request, tokens: TokenManager, kind: IdentityKind, cache: HttpCacheLayer
    ) -> Response:
        """A write whose route invalidates cached reads: send it, then drop what it made stale."""
        route = request.compiled.route
        try:
            return await self._upstream(request, tokens)
        finally:
            # answered or failed, the server may have acted: what it changes is stale either way
            self._epoch += 1
            if self.coalescer is not None:
                self.coalescer.detach()  # reads from now on start flights of their own, after the write
            identity = "app" if kind == "app" else await self._identity(tokens)
            dropped = await cache.invalidate(cache.tags(route.invalidates, request, identity))
            self.stats.invalidated += dropped
            if self.hooks:
                self._emit(request, kind, "invalidated")

    async def _read(self, request: Request, tokens: TokenManager, kind: IdentityKind) -> Response:
        """A GET that must await before it knows its key or its entry: a user's identity, a shared store."""
        cache = self.cache
        identity = "app" if kind == "app" else await self._identity(tokens)
        key = cache_key(identity, request)
        entry: CacheEntry | None = None
        if cache is not None:
            entry = cache.lookup_nowait(key) if cache.synchronous else await cache.lookup(key)
            if entry is not None and cache.is_fresh(entry):
                return self._hit(request, kind, entry)
            self._missed(request, kind)
        return await self._flight(request, tokens, key, entry, identity, kind)

    def _hit(self, request: Request, kind: IdentityKind, entry: CacheEntry) -> Response:
        self.stats.hits += 1
        if self.hooks:
            self._emit(request, kind, "hit")
        return entry.response(request, self._url(request))

    def _missed(self, request: Request, kind: IdentityKind) -> None:
        self.stats.misses += 1
        if self.hooks:
            self._emit(request, kind, "miss")

    def _flight(
        self,
        request: Request,
        tokens: TokenManager,
        key: str,
        entry: CacheEntry | None,
        identity: str,
        kind: IdentityKind,
    ) -> Coroutine[Any, Any, Response]:
        """The fetch, through the coalescer when there is one."""
        fetch = self._fetch(request, tokens, key, entry, identity, kind)
        coalescer = self.coalescer
        if coalescer is None:
            return fetch
        return coalescer.run(key, fetch, self._joined, request, kind)

    def _joined(self, request: Request, kind: IdentityKind) -> None:
        """A call joined a flight (called by the coalescer)."""
        self.stats.coalesced += 1
        if self.hooks:
            self._emit(request, kind, "coalesced")

    async def _fetch(
        self,
        request: Request,
        tokens: TokenManager,
        key: str,
        entry: CacheEntry | None,
        identity: str,
        kind: IdentityKind,
    ) -> Response:
        epoch = self._epoch
        sent = request
        if entry is not None and entry.etag is not None:
            sent = attrs.evolve(request, headers={**(request.headers or {}), "If-None-Match": entry.etag})
        response = await self._upstream(sent, tokens)
        cache = self.cache
        if cache is None:
            return response
        route = request.compiled.route
        if epoch != self._epoch:
            # a write was made while this read was in flight: its answer may be from before the write, so it is
            # handed to its callers but not kept (a 304 still gives the kept body, which the write has dropped)
            if response.status == 304 and sent is not request and entry is not None:
                return entry.response(request, response.url, revalidated=True, attempts=response.attempts)
            return response
        if response.status == 304 and sent is not request and entry is not None:
            fresh, ttl = cache.refreshed(request, entry, response.headers)
            tags = cache.tags(route.cache_tags, request, identity) if route.cache_tags else []
            await cache.keep_entry(key, fresh, ttl, tags)
            self.stats.revalidated += 1
            if self.hooks:
                self._emit(request, kind, "revalidated")
            out = fresh.response(request, response.url, revalidated=True, attempts=response.attempts)
            out.waited, out.elapsed = response.waited, response.elapsed
            return out
        kept = cache.entry_for(request, response)
        if kept is not None:
            tags = cache.tags(route.cache_tags, request, identity) if route.cache_tags else []
            await cache.keep_entry(key, kept[0], kept[1], tags)
            self.stats.stored += 1
            if self.hooks:
                self._emit(request, kind, "stored")
        return response
