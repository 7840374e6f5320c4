"""Scenario 4, rate-limited crawl: a fixed workload of ``GET /tracks/{id}`` against FakeSpotify with a hidden
rolling-window limit (``R`` requests per ``W`` seconds, scaled down from Spotify's 30 s window so a run is short).

Figures per client, from the fake's own counters (deltas around the run) and the client's clock:

* ``utilization``: the shortest time any client could take for the requests that succeeded, divided by the time this
  one took. An ideal client sends ``R`` at once and ``R`` more every ``W`` seconds, so ``A`` accepted requests need
  ``floor((A - 1) / R) * W`` seconds; 1.0 is the limit fully used.
* ``share_429``: 429 responses over all requests the fake received during the run.
* ``failed``: calls that raised (gave up) instead of returning a track.

Clients: spotify_async twice, adaptive (``Config(budget=RateBudget(window=W))``: it knows the window but not the
limit, and learns from 429s) and limit known (``RateBudget(limit=R, window=W)``); tekore with its
``RetryingSender``; spotipy with its default retrying session on threads. Async clients run 64 calls at once.
Between runs the harness waits one window so no run inherits another's budget.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from spotify_async.config import Config, RateBudget

from ._clients import SPOTIPY_THREADS, Client, SpotifyAsync, Spotipy, Tekore
from ._common import Profile, Table
from ._server import app_token, fake_process, stats

__all__ = ["CONCURRENCY", "ideal_seconds", "run"]

CONCURRENCY = 64


def ideal_seconds(accepted: int, limit: int, window: float) -> float:
    """The least time ``accepted`` requests take under ``limit`` per rolling ``window`` (bursts at 0, W, 2W ...)."""
    if accepted <= 0:
        return 0.0
    return math.floor((accepted - 1) / limit) * window


async def run(prof: Profile, table: Table) -> dict[str, Any]:
    limit, window, n = prof.crawl_limit, prof.crawl_window, prof.crawl_requests
    print(f"crawl: {n} requests per client, hidden limit {limit} per {window:g} s window")
    out: dict[str, Any] = {
        "limit": limit,
        "window_s": window,
        "requests": n,
        "concurrency": CONCURRENCY,
        "spotipy_threads": SPOTIPY_THREADS,
        "ideal_seconds": ideal_seconds(n, limit, window),
    }
    async with fake_process(rate_limit=(limit, window)) as server:
        token = await app_token(server)
        ids: list[str] = list(server.catalog.tracks)[:n]
        clients: list[Client] = [
            SpotifyAsync(server, token, Config(budget=RateBudget(window=window)), name="spotify_async"),
            SpotifyAsync(
                server, token, Config(budget=RateBudget(limit=limit, window=window)), name="spotify_async_limit_known"
            ),
            Tekore(server, token, retrying=True),
            Spotipy(server, token),
        ]
        for client in clients:
            if not client.available:
                out[client.name] = None
                table.add("crawl", client.name, "n/a", "", "not installed")
                continue
            await client.open()
            try:
                await asyncio.sleep(window + 0.25)  # the previous run's requests leave the fake's window
                before = await stats(server)
                started = time.perf_counter()
                failed = await client.get_tracks(ids, CONCURRENCY)
                elapsed = time.perf_counter() - started
                after = await stats(server)
            finally:
                await client.close()
            sent = after["api_requests"] - before["api_requests"]
            limited = after["rate_limited"] - before["rate_limited"]
            # API requests that were not refused (the fake's by_status also counts the accounts service)
            accepted = sent - limited
            figures = {
                "utilization": round(ideal_seconds(accepted, limit, window) / elapsed, 4) if elapsed > 0 else 0.0,
                "share_429": round(limited / sent, 4) if sent else 0.0,
                "failed": failed,
                "seconds": round(elapsed, 3),
                "requests_sent": sent,
                "responses_429": limited,
                "accepted": accepted,
            }
            out[client.name] = figures
            table.add(
                "crawl",
                client.name,
                f"{figures['utilization']:.1%} of limit",
                "",
                f"429s {figures['share_429']:.1%}, failed {failed}, {elapsed:.1f} s",
            )
    return out
