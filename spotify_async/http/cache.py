"""The HTTP cache layer: what to keep of an answer, for how long, under which key, and what a write makes stale.

Theory
------
Every GET answer is keyed by **who asked and what**: the caller's identity key (``"app"`` for app tokens, whose
answers are the same for every app token; a digest of the access token for a user or a fixed token, so one user's
answer never reaches another and no token is ever part of a key), the path, the sorted query, and the request's pin
when it has one. The key is all a store sees.

What is kept follows the answer's ``Cache-Control`` (RFC 9111, as a private cache):

* ``no-store``: nothing is kept, ever (not even under a catalog TTL or a pin).
* ``max-age=N`` (less any ``Age``): fresh for ``N`` seconds; a fresh entry answers without a request (a *hit*).
* ``no-cache``, or no freshness left: the entry may only be used after the server confirms it, so it is kept only
  when it has an ``ETag``; the next read sends ``If-None-Match`` and a ``304`` answers with the kept body
  (*revalidated*), with the freshness of the 304's own headers.
* ``private``: may be kept by a private cache only. Every entry here is keyed by identity, so a ``private`` answer is
  only ever served to the identity that fetched it, in this process or (Redis store) any process of the app.
* No header: nothing fresh; kept for revalidation when there is an ETag.
* ``HttpCache.catalog_ttl`` (opt-in) makes a catalog read (``Route.catalog``) fresh for that long whatever its
  max-age or ``no-cache`` say (the user's decision; see :class:`~spotify_async.config.HttpCache`).
* A pinned request (``Request.pin``: a playlist page under its ``snapshot_id``) is fresh for ``HttpCache.keep``: the
  pin names the version of the content, and the caller only reuses a pin it has just confirmed.

Only ``200`` answers are kept. Entries needing revalidation live ``HttpCache.keep`` seconds in the store, and only
up to ``HttpCache.revalidate_max_bytes`` of body: a revalidated answer still costs a request (a 304 saves the bytes,
not the rate budget), so a large page that is not fresh is not worth its room in a bounded store.

A write (any non-GET) drops, once it has been answered or has failed (either way the server may have acted), every
entry tagged with what its route ``invalidates`` (:mod:`spotify_async.http.routes`): the tags are data on the routes,
filled with the request's path parameters and the caller's identity key.

Freshness is wall-clock time (``time.time``, injectable): entries in a shared store are read by other processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from .response import Request, Response
from .store import CacheStore

__all__ = ["CacheEntry", "HttpCacheLayer", "cache_key", "parse_cache_control"]

_NO_FRESHNESS = 0.0


#: parsed Cache-Control values (servers send a handful of distinct ones); cleared when full, so it stays bounded
_PARSED: dict[str, dict[str, str]] = {}
_PARSED_MAX = 256


def parse_cache_control(value: str | None) -> dict[str, str]:
    """``Cache-Control`` directives, lower-cased names mapping to their values (``""`` for bare directives).

    The result is memoised per header value and shared: read it, do not change it."""
    if not value:
        return {}
    parsed = _PARSED.get(value)
    if parsed is None:
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        parsed = _PARSED[value] = _parse_cache_control(value)
    return parsed


def _parse_cache_control(value: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in value.split(","):
        name, _, arg = part.strip().partition("=")
        name = name.strip().lower()
        if name:
            out[name] = arg.strip().strip('"')
    return out


#: what freshness needs of each Cache-Control value: (no-store, no-cache, max-age or None); bounded as _PARSED is
_FRESHNESS: dict[str | None, tuple[bool, bool, float | None]] = {}


def _freshness(value: str | None) -> tuple[bool, bool, float | None]:
    """(``no-store`` given, ``no-cache`` given, ``max-age`` in seconds or ``None``) of one ``Cache-Control`` value,
    read once per distinct value: every answer of a server carries one of a handful."""
    known = _FRESHNESS.get(value)
    if known is None:
        if len(_FRESHNESS) >= _PARSED_MAX:
            _FRESHNESS.clear()
        directives = _parse_cache_control(value) if value else {}  # memoised here, not in _PARSED as well
        known = _FRESHNESS[value] = (
            "no-store" in directives,
            "no-cache" in directives,
            _seconds(directives.get("max-age")),
        )
    return known


def _seconds(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        seconds = int(value)
    except ValueError:
        return None
    return float(seconds) if seconds >= 0 else None


def cache_key(identity: str, request: Request) -> str:
    """The key of a GET: identity, path, sorted query, and the pin when there is one."""
    params = request.params
    key = f"{identity} {request.compiled.path}"
    if params:
        key += "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    if request.pin is not None:
        key += f" @{request.pin}"
    return key


class CacheEntry:
    """One kept answer: its status, the headers worth keeping, the body, when it stops being fresh, and its ETag."""

    __slots__ = ("body", "etag", "fresh_until", "headers", "status")

    #: headers kept with an entry (the rest describe the transfer, not the content)
    KEPT = ("Content-Type", "ETag", "Cache-Control", "Last-Modified")

    def __init__(self, status: int, headers: dict[str, str], body: bytes, fresh_until: float, etag: str | None):
        self.status = status
        self.headers = headers
        self.body = body
        self.fresh_until = fresh_until
        self.etag = etag

    def encode(self) -> bytes:
        head = orjson.dumps({"s": self.status, "h": self.headers, "f": self.fresh_until, "e": self.etag})
        return head + b"\n" + self.body

    @classmethod
    def decode(cls, blob: bytes) -> CacheEntry | None:
        head, sep, body = blob.partition(b"\n")
        if not sep:
            return None
        try:
            meta = orjson.loads(head)
            return cls(int(meta["s"]), dict(meta["h"]), body, float(meta["f"]), meta["e"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None  # written by something else: a miss, not a crash

    def response(self, request: Request, url: str, *, revalidated: bool = False, attempts: int = 0) -> Response:
        route = request.compiled.route
        return Response(
            status=self.status,
            headers=self.headers,
            body=self.body,
            method=route.method,
            url=url,
            operation_id=route.operation_id,
            attempts=attempts,
            from_cache=True,
            revalidated=revalidated,
        )


class HttpCacheLayer:
    """Lookup before the send, store after it, invalidation after writes: one object over one :class:`CacheStore`."""

    __slots__ = ("_get_nowait", "catalog_ttl", "clock", "keep", "revalidate_max_bytes", "store")

    def __init__(
        self,
        store: CacheStore,
        *,
        catalog_ttl: float | None = None,
        keep: float = 3600.0,
        revalidate_max_bytes: int = 256 * 1024,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.revalidate_max_bytes = revalidate_max_bytes
        # a synchronous read when the store offers one (the memory store does): a miss then awaits nothing
        self._get_nowait: Callable[[str], bytes | None] | None = getattr(store, "get_nowait", None)
        self.catalog_ttl = catalog_ttl
        self.keep = keep
        self.clock = clock

    async def lookup(self, key: str) -> CacheEntry | None:
        """The entry kept under ``key`` (fresh or not: the caller checks :meth:`is_fresh`), or ``None``."""
        get_nowait = self._get_nowait
        blob = get_nowait(key) if get_nowait is not None else await self.store.get(key)
        if blob is None:
            return None
        return CacheEntry.decode(blob)

    @property
    def synchronous(self) -> bool:
        """The store answers lookups without awaiting (use :meth:`lookup_nowait`)."""
        return self._get_nowait is not None

    def lookup_nowait(self, key: str) -> CacheEntry | None:
        """:meth:`lookup` for a synchronous store."""
        assert self._get_nowait is not None
        blob = self._get_nowait(key)
        return None if blob is None else CacheEntry.decode(blob)

    def is_fresh(self, entry: CacheEntry) -> bool:
        return entry.fresh_until > self.clock()

    def _lifetime(self, request: Request, headers: Mapping[str, str]) -> tuple[float, bool]:
        """(seconds fresh, may be kept at all) for an answer with these headers."""
        no_store, no_cache, max_age = _freshness(headers.get("Cache-Control"))
        if no_store:
            return _NO_FRESHNESS, False
        if request.pin is not None:
            return self.keep, True
        lifetime = _NO_FRESHNESS
        if not no_cache and max_age:  # max-age=0 is no freshness, whatever the Age
            age = _seconds(headers.get("Age")) or 0.0
            lifetime = max(0.0, max_age - age)
        if self.catalog_ttl is not None and request.compiled.route.catalog:
            lifetime = max(lifetime, self.catalog_ttl)
        return lifetime, True

    def entry_for(self, request: Request, response: Response) -> tuple[CacheEntry, float] | None:
        """The entry to keep for a fresh 200 answer and how long the store should hold it; ``None``: keep nothing."""
        if response.status != 200:
            return None
        headers = response.headers
        lifetime, keepable = self._lifetime(request, headers)
        if not keepable:
            return None
        etag = headers.get("ETag")
        if lifetime <= 0 and (etag is None or len(response.body) > self.revalidate_max_bytes):
            return None  # nothing fresh, and nothing to revalidate with (or too large to keep only for that)
        kept = {name: headers[name] for name in CacheEntry.KEPT if name in headers}
        entry = CacheEntry(200, kept, response.body, self.clock() + lifetime, etag)
        return entry, (max(lifetime, self.keep) if etag is not None else lifetime)

    def refreshed(self, request: Request, entry: CacheEntry, headers: Mapping[str, str]) -> tuple[CacheEntry, float]:
        """The entry after a 304: the kept body with the freshness (and any new ETag) the 304 gave."""
        lifetime, _ = self._lifetime(request, headers)
        etag = headers.get("ETag") or entry.etag
        kept = dict(entry.headers)
        for name in ("Cache-Control", "ETag"):
            if name in headers:
                kept[name] = headers[name]
        fresh = CacheEntry(entry.status, kept, entry.body, self.clock() + lifetime, etag)
        return fresh, max(lifetime, self.keep)

    @staticmethod
    def tags(templates: tuple[str, ...], request: Request, identity: str) -> list[str]:
        values: dict[str, Any] = dict(request.compiled.params or {})
        values["identity"] = identity
        try:
            return [template.format_map(values) for template in templates]
        except KeyError:
            # a template naming a parameter the route lacks is a bug in the route table: fail loudly in tests
            raise ValueError(f"cache tag templates {templates} do not fit {request.compiled.route}") from None

    async def keep_entry(self, key: str, entry: CacheEntry, ttl: float, tags: list[str]) -> None:
        await self.store.set(key, entry.encode(), ttl, tags)

    async def invalidate(self, tags: list[str]) -> int:
        return await self.store.invalidate(tags)
