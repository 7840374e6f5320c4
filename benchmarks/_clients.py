"""The clients under test, each set up the way its users would, pointed at the local fake, doing the same work.

Two kinds of work: ``get_tracks`` (N ``GET /tracks/{id}``, the overhead and crawl scenarios) and ``all_items`` (every
item of one playlist, the pagination and memory scenarios). Every client returns how many calls failed.

How each peer is redirected (nothing else of theirs is changed):

* tekore: its module-level URL prefix ``tekore._client.base.prefix`` names the fake; the async client is
  ``tk.Spotify(token, asynchronous=True)`` (its default ``AsyncSender`` over ``httpx.AsyncClient``); for the crawl
  ``sender=tk.RetryingSender(sender=tk.AsyncSender())``, tekore's own answer to 429s.
* spotipy: ``spotipy.Spotify(auth=token)`` with its ``prefix`` attribute set; its default session retries 429/5xx
  three times honouring ``Retry-After`` (urllib3). It is synchronous: users fan out with threads, so it runs on
  ``SPOTIPY_THREADS`` threads sharing one client (requests keeps 10 pooled connections per host; more threads would
  reconnect).
* spotifyaio: builds ``https://{api_host}:443`` with ``yarl.URL.build``; the name ``URL`` inside ``spotifyaio.spotify``
  is swapped for a shim that returns the fake's ``http://`` origin. It has no single-track method, so a track GET is
  its own ``_get("v1/tracks/{id}")`` followed by ``Track.from_json``, which is what its methods do.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
import logging
import math
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import orjson

from spotify_async import ClientCredentials, Spotify
from spotify_async.config import Config
from spotify_async.http.limiter import DISCOVERY_SHARE, LocalRateLimiter
from spotify_async.testing import FakeSpotifyProcess

from ._common import peer

__all__ = ["SPOTIPY_THREADS", "Client", "SpotifyAsync", "make_clients"]

SPOTIPY_THREADS = 8


async def drive(fetch: Callable[[str], Awaitable[Any]], ids: Sequence[str], concurrency: int) -> int:
    """Run ``fetch`` over ``ids`` with ``concurrency`` workers; return the number of calls that raised."""
    it = iter(ids)
    failures = 0

    async def worker() -> None:
        nonlocal failures
        for item in it:
            try:
                await fetch(item)
            except Exception:
                failures += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return failures


class Client:
    """One client under test. ``available`` is False when its package is not installed."""

    name = ""
    available = True

    def __init__(self, server: FakeSpotifyProcess, token: str) -> None:
        self.server = server
        self.token = token

    async def open(self) -> None:
        """Set up what a user would keep between calls (sessions, pools, an authenticated client)."""

    async def close(self) -> None:
        pass

    async def get_tracks(self, ids: Sequence[str], concurrency: int) -> int:
        raise NotImplementedError

    async def all_items(self, playlist_id: str, limit: int | None = None) -> tuple[int, int]:
        """Iterate every item (at most ``limit``); return (items seen, failures)."""
        raise NotImplementedError


class AiohttpFloor(Client):
    """The floor: a raw aiohttp session and ``orjson.loads`` of each body, nothing else.

    ``concurrency`` caps its connections and its page fetch's requests in flight (the track GETs run at whatever
    concurrency the scenario drives them with, up to this cap). ``keep`` > 0 makes its page fetch hold on to the last
    ``keep`` decoded pages instead of dropping each one the moment its items are counted, as any consumer that uses
    the items does (a reference for the pagination figures: the cost of live pages is the collector's and the memory
    system's, not the client's).
    """

    name = "aiohttp_floor"

    def __init__(
        self, server: FakeSpotifyProcess, token: str, concurrency: int = 64, keep: int = 0, name: str = ""
    ) -> None:
        super().__init__(server, token)
        self.concurrency = concurrency
        self.keep = keep
        if name:
            self.name = name
        elif keep:
            self.name = f"aiohttp_floor_keep{keep}"
        self.http: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        self.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self.concurrency),
            headers={"Authorization": f"Bearer {self.token}"},
        )

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()

    async def _get_json(self, url: str, params: dict[str, str] | None = None) -> Any:
        assert self.http is not None
        async with self.http.get(url, params=params) as resp:
            body = await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}")
            return orjson.loads(body)

    async def get_tracks(self, ids: Sequence[str], concurrency: int) -> int:
        base = self.server.api_base + "/tracks/"
        return await drive(lambda tid: self._get_json(base + tid), ids, concurrency)

    async def all_items(self, playlist_id: str, limit: int | None = None) -> tuple[int, int]:
        """First page, then every other page at once under the concurrency cap: the fastest hand-written fetch."""
        url = (
            f"{self.server.api_base}/playlists/{playlist_id}/tracks"  # limit=100 needs the legacy /tracks (/items: 50)
        )
        first = await self._get_json(url, {"limit": "100", "offset": "0"})
        total = first["total"] if limit is None else min(first["total"], limit)
        seen = len(first["items"])
        slots = asyncio.Semaphore(self.concurrency)
        kept: deque[Any] = deque(maxlen=self.keep or None)

        async def page(offset: int) -> int:
            async with slots:
                data = await self._get_json(url, {"limit": "100", "offset": str(offset)})
            if self.keep:
                kept.append(data)
            return sum(1 for _ in data["items"])

        counts = await asyncio.gather(*(page(o) for o in range(100, total, 100)))
        return min(seen + sum(counts), total), 0


class SpotifyAsync(Client):
    """spotify_async as documented: ``ClientCredentials`` against the fake, extended mode (100-item pages)."""

    name = "spotify_async"

    def __init__(self, server: FakeSpotifyProcess, token: str, config: Config | None = None, name: str = "") -> None:
        super().__init__(server, token)
        self.config = config or Config()
        if name:
            self.name = name
        self.sp: Spotify | None = None

    async def open(self) -> None:
        sp = Spotify(
            ClientCredentials(self.server.client_id, self.server.client_secret),
            api_base=self.server.api_base,
            accounts_base=self.server.accounts_base,
            mode="extended",
            config=self.config,
        )
        self.sp = await sp.__aenter__()

    async def close(self) -> None:
        if self.sp is not None:
            await self.sp.close()

    async def get_tracks(self, ids: Sequence[str], concurrency: int) -> int:
        sp = self.sp
        assert sp is not None
        return await drive(lambda tid: sp.tracks.get(tid), ids, concurrency)

    async def all_items(self, playlist_id: str, limit: int | None = None) -> tuple[int, int]:
        assert self.sp is not None
        seen = 0
        async for _ in self.sp.playlists.items(playlist_id, limit=100, max_items=limit, legacy_tracks_endpoint=True):
            seen += 1
        return seen, 0

    def in_flight_allowance(self) -> float:
        """Requests the session's rate budget would admit in flight now (``inf``: the budget does not bound them).

        A session that was told no limit discovers it (``spotify_async/http/limiter.py``): while discovering it admits
        ``max(probe, DISCOVERY_SHARE * A)`` requests in flight, ``A`` being the responses accepted within the last
        window (``probe`` 4, ``DISCOVERY_SHARE`` 1/16, the window 30 s by default). With a known cap, what the window
        leaves of it.
        """
        assert self.sp is not None
        limiter = self.sp.scheduler.limiter
        if not isinstance(limiter, LocalRateLimiter) or limiter.state == "unlimited":
            return math.inf
        accepted = limiter.accepted_in_window()
        if limiter.state == "discovering":
            return max(float(limiter.budget.probe), DISCOVERY_SHARE * accepted)
        cap = limiter.current_limit
        return math.inf if cap is None else max(0.0, cap - accepted - limiter.in_flight)

    async def warm_past_discovery(
        self, ids: Sequence[str], concurrency: int, *, batch: int, max_requests: int, start: int = 0
    ) -> tuple[int, int]:
        """Send batches of ``GET /tracks/{id}`` at ``concurrency`` until the budget admits ``concurrency`` in flight.

        Returns (requests sent, failures); sends nothing when the budget already does. Raises RuntimeError after
        ``max_requests`` without getting there: measuring a session still discovering its limit would report the cold
        start as the steady state.
        """
        sent = failures = 0
        while self.in_flight_allowance() < concurrency:
            if sent >= max_requests:
                raise RuntimeError(
                    f"{self.name}: {sent} requests did not take the rate budget past discovery "
                    f"(it admits {self.in_flight_allowance():.1f} in flight, {concurrency} wanted)"
                )
            chunk = [ids[(start + sent + i) % len(ids)] for i in range(batch)]
            failures += await self.get_tracks(chunk, concurrency)
            sent += batch
        return sent, failures


class Tekore(Client):
    """tekore's async client (``asynchronous=True``), optionally over its ``RetryingSender``."""

    name = "tekore"

    def __init__(self, server: FakeSpotifyProcess, token: str, retrying: bool = False) -> None:
        super().__init__(server, token)
        self.tk: Any = peer("tekore")
        self.available = self.tk is not None
        self.retrying = retrying
        self.client: Any = None

    async def open(self) -> None:
        tk = self.tk
        base: Any = importlib.import_module("tekore._client.base")
        base.prefix = self.server.api_base + "/"
        sender = tk.RetryingSender(sender=tk.AsyncSender()) if self.retrying else tk.AsyncSender()
        self.client = tk.Spotify(self.token, sender=sender)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.sender.close()

    async def get_tracks(self, ids: Sequence[str], concurrency: int) -> int:
        client = self.client
        return await drive(lambda tid: client.track(tid), ids, concurrency)

    async def all_items(self, playlist_id: str, limit: int | None = None) -> tuple[int, int]:
        client = self.client
        first = await client.playlist_items(playlist_id, limit=100)
        seen = 0
        async for _ in client.all_items(first):
            seen += 1
            if limit is not None and seen >= limit:
                break
        return seen, 0


class Spotipy(Client):
    """spotipy on ``SPOTIPY_THREADS`` threads sharing one client (it is synchronous)."""

    name = "spotipy"

    def __init__(self, server: FakeSpotifyProcess, token: str) -> None:
        super().__init__(server, token)
        self.spotipy: Any = peer("spotipy")
        self.available = self.spotipy is not None
        self.client: Any = None

    async def open(self) -> None:
        self.client = self.spotipy.Spotify(auth=self.token)
        self.client.prefix = self.server.api_base + "/"
        # spotipy logs a warning per 429; the crawl provokes many
        logging.getLogger("spotipy").setLevel(logging.ERROR)

    async def close(self) -> None:
        if self.client is not None:
            self.client._session.close()

    async def get_tracks(self, ids: Sequence[str], concurrency: int) -> int:
        client = self.client

        def one(tid: str) -> int:
            try:
                client.track(tid)
            except Exception:
                return 1
            return 0

        def run() -> int:
            with concurrent.futures.ThreadPoolExecutor(max_workers=SPOTIPY_THREADS) as pool:
                return sum(pool.map(one, ids))

        return await asyncio.to_thread(run)

    async def all_items(self, playlist_id: str, limit: int | None = None) -> tuple[int, int]:
        client = self.client

        def run() -> int:
            # the legacy /tracks (100 a page), as for every client: spotipy's playlist_items goes to /items, whose
            # pages stop at the spec's 50 (FakeSpotify refuses more)
            page = client._get(f"playlists/{playlist_id}/tracks", limit=100)
            seen = len(page["items"])
            while page["next"] and (limit is None or seen < limit):
                page = client.next(page)
                seen += len(page["items"])
            return seen if limit is None else min(seen, limit)

        return await asyncio.to_thread(run), 0


class SpotifyAio(Client):
    """spotifyaio (aiohttp + mashumaro models; no paging helpers, no retries)."""

    name = "spotifyaio"

    def __init__(self, server: FakeSpotifyProcess, token: str) -> None:
        super().__init__(server, token)
        self.mod: Any = peer("spotifyaio")
        self.available = self.mod is not None
        self.client: Any = None
        self.track_model: Any = None

    async def open(self) -> None:
        spotify_mod: Any = importlib.import_module("spotifyaio.spotify")
        url_cls: Any = importlib.import_module("yarl").URL
        origin = url_cls(self.server.accounts_base)

        class _LocalURL:
            """Stands in for yarl.URL inside spotifyaio.spotify: build() answers the fake's origin."""

            @staticmethod
            def build(**_: Any) -> Any:
                return origin

        spotify_mod.URL = _LocalURL
        models: Any = importlib.import_module("spotifyaio.models")
        self.track_model = models.Track
        self.client = self.mod.SpotifyClient(session=aiohttp.ClientSession())
        self.client.authenticate(self.token)

    async def close(self) -> None:
        if self.client is not None:
            await self.client.session.close()

    async def get_tracks(self, ids: Sequence[str], concurrency: int) -> int:
        client, model = self.client, self.track_model

        async def one(tid: str) -> Any:
            return model.from_json(await client._get(f"v1/tracks/{tid}"))

        return await drive(one, ids, concurrency)


def make_clients(
    server: FakeSpotifyProcess, token: str, names: Sequence[str], *, floor_concurrency: int = 64
) -> list[Client]:
    """The named clients, in order (see the module docstring for how each is set up). ``floor_concurrency`` caps the
    floor's connections and page requests in flight (``aiohttp_floor`` and ``aiohttp_floor_keep8``);
    ``aiohttp_floor_64`` is the floor at 64 whatever it says, and ``spotify_async_cold`` a second spotify_async
    session (a scenario opens it fresh to measure a new session's first requests)."""
    factories: dict[str, Callable[[], Client]] = {
        "aiohttp_floor": lambda: AiohttpFloor(server, token, concurrency=floor_concurrency),
        "aiohttp_floor_keep8": lambda: AiohttpFloor(server, token, concurrency=floor_concurrency, keep=8),
        "aiohttp_floor_64": lambda: AiohttpFloor(server, token, concurrency=64, name="aiohttp_floor_64"),
        "spotify_async_cold": lambda: SpotifyAsync(server, token, name="spotify_async_cold"),
        "spotify_async": lambda: SpotifyAsync(server, token),
        "tekore": lambda: Tekore(server, token),
        "spotipy": lambda: Spotipy(server, token),
        "spotifyaio": lambda: SpotifyAio(server, token),
    }
    return [factories[name]() for name in names]
