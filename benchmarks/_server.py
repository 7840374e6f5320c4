"""The server side of the scenarios: FakeSpotify in its own process, an app token for the peers, its counters.

Every throughput scenario talks to :class:`spotify_async.testing.FakeSpotifyProcess` on 127.0.0.1, so the
server's CPU never lands in the client's ``process_time``. Peers get their token here, straight from the fake's
accounts service (client credentials), so none of them depends on spotify_async to authenticate.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import orjson

from spotify_async.testing import FakeSpotifyProcess

__all__ = ["app_token", "fake_process", "stats"]


@asynccontextmanager
async def fake_process(
    *,
    latency: float = 0.0,
    rate_limit: tuple[int, float] | None = None,
    big_playlist_size: int = 10_000,
    artists: int = 200,
    rate_limited_latency: float | None = 0.0,
) -> AsyncIterator[FakeSpotifyProcess]:
    """A running FakeSpotify child in extended mode (100-item pages, batch endpoints), stopped on exit. Its 429s
    come back at once (``rate_limited_latency=0``), accepted requests after ``latency``, as from a real server."""
    server = FakeSpotifyProcess(
        latency=latency,
        rate_limit=rate_limit,
        rate_limited_latency=rate_limited_latency,
        big_playlist_size=big_playlist_size,
        artists=artists,
        start_timeout=60.0,
    )
    async with server:
        yield server


async def app_token(server: FakeSpotifyProcess) -> str:
    """An app access token from the fake's accounts service (client credentials grant)."""
    basic = base64.b64encode(f"{server.client_id}:{server.client_secret}".encode()).decode()
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            server.accounts_base + "/api/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
            timeout=aiohttp.ClientTimeout(total=10),
        ) as resp,
    ):
        payload: dict[str, Any] = orjson.loads(await resp.read())
    token = payload.get("access_token")
    if resp.status != 200 or not isinstance(token, str):
        raise RuntimeError(f"the fake's accounts service answered {resp.status} to a client credentials grant")
    return token


async def stats(server: FakeSpotifyProcess) -> dict[str, Any]:
    """The fake's counters: ``api_requests``, ``rate_limited``, ``by_status``, ``arrivals``..."""
    async with (
        aiohttp.ClientSession() as http,
        http.get(server.accounts_base + "/_fake/stats", timeout=aiohttp.ClientTimeout(total=30)) as resp,
    ):
        data: dict[str, Any] = orjson.loads(await resp.read())
    return data
