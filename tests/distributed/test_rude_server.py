"""Two sessions sharing one Redis (as two processes would) crawl a small in-test server that misbehaves as real servers
do: a hidden rolling-window limit whose 429s come back at once while accepted requests take their latency, Retry-After
in every form seen in the wild (integer, padded, fractional, an HTTP date, absent), a dropped connection, odd headers.

Not our emulator: this server is written here, so the shared limiter and gate are tested against the world, not only
against FakeSpotify. Bounded above and below in time: the limit makes the crawl take at least a few windows, and the
shared pace must not make it take much longer.
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from spotify_async import ClientCredentials, Config, RateBudget, RetryPolicy, Spotify
from spotify_async.distributed import connect

from ..unit.helpers import TRACK_ID, track_json
from .conftest import RedisServer

LIMIT, WINDOW, LATENCY = 20, 1.0, 0.02
CALLS_PER_SESSION = 40
RETRY_AFTERS = ("1", " 1 ", "1.0", "date", None)  # cycled through, one per 429


class RudeServer:
    """A Web API stand-in with a hidden limit of LIMIT accepted requests per rolling WINDOW (counted at arrival)."""

    def __init__(self) -> None:
        self.accepted: deque[float] = deque()
        self.accepted_at: list[float] = []
        self.refused = 0
        self.requests = 0
        self.dropped = 0
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _token(self, request: web.Request) -> web.Response:
        return web.json_response({"access_token": "rude-token", "token_type": "Bearer", "expires_in": 3600})

    async def _track(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        now = time.monotonic()
        if self.requests == 7 and request.transport is not None:  # one connection dropped without an answer
            self.dropped += 1
            request.transport.abort()
            raise asyncio.CancelledError
        while self.accepted and self.accepted[0] <= now - WINDOW:
            self.accepted.popleft()
        if len(self.accepted) >= LIMIT:
            form = RETRY_AFTERS[self.refused % len(RETRY_AFTERS)]
            self.refused += 1
            headers = {"x-ratelimit-note": "refused, try later", "Cache-Control": "private, max-age=0"}
            if form == "date":
                headers["retry-after"] = email.utils.formatdate(time.time() + 1, usegmt=True)
            elif form is not None:
                headers["retry-after"] = form
            body = {"error": {"status": 429, "message": "API rate limit exceeded"}}
            return web.json_response(body, status=429, headers=headers)  # at once: nothing was done
        self.accepted.append(now)
        self.accepted_at.append(now)
        await asyncio.sleep(LATENCY)
        return web.json_response(track_json(), headers={"X-Served-By": "rude-1", "content-language": "en"})

    async def __aenter__(self) -> RudeServer:
        app = web.Application()
        app.router.add_post("/api/token", self._token)
        app.router.add_get("/v1/tracks/{id}", self._track)
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self._runner = runner
        self.url = f"http://127.0.0.1:{runner.addresses[0][1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _max_in_window(times: list[float], window: float) -> int:
    best = lo = 0
    for hi, t in enumerate(times):
        while t - times[lo] >= window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


@pytest.fixture
async def rude() -> AsyncIterator[RudeServer]:
    async with RudeServer() as server:
        yield server


async def _crawl(url: str, redis_url: str, namespace: str, budget: RateBudget, calls: int) -> list[Any]:
    # every call asks for the same track: without coalescing off they would share one request
    config = Config(budget=budget, retry=RetryPolicy(backoff_base=0.05, backoff_cap=0.2), max_wait=30.0, coalesce=False)
    async with connect(redis_url, client_id="rude-app", budget=budget, namespace=namespace) as co:
        auth = co.auth(ClientCredentials("rude-app", "rude-secret"))
        async with Spotify(
            auth, api_base=url + "/v1", accounts_base=url, config=config, limiter=co.limiter, gate=co.gate
        ) as sp:
            return await asyncio.gather(*(sp.tracks.get(TRACK_ID) for _ in range(calls)), return_exceptions=True)


@pytest.mark.parametrize("limit", [None, LIMIT], ids=["limit-unknown", "limit-given"])
async def test_two_processes_crawl_a_rude_server_as_one(
    rude: RudeServer, redis_server: RedisServer, namespace: str, limit: int | None
) -> None:
    budget = RateBudget(limit=limit, window=WINDOW)
    started = time.monotonic()
    results = await asyncio.gather(
        *(_crawl(rude.url, redis_server.url, namespace, budget, CALLS_PER_SESSION) for _ in range(2))
    )
    elapsed = time.monotonic() - started
    failures = [r for session in results for r in session if isinstance(r, BaseException)]
    assert not failures, failures[:3]
    assert rude.dropped == 1  # and that call was retried
    total = 2 * CALLS_PER_SESSION
    assert len(rude.accepted_at) == total
    # the limit makes it take at least floor((80 - 1) / 20) = 3 windows; the shared pace must not make it crawl
    assert 3 * WINDOW <= elapsed < 9 * WINDOW
    if limit is not None:
        assert rude.refused == 0  # told the limit, two processes on one budget never exceed it
    else:
        # discovery costs a few 429s (at most the probe's requests in flight per overshoot), not a storm
        assert rude.refused <= 12
    assert _max_in_window(rude.accepted_at, WINDOW) <= LIMIT
