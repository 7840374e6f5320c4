"""Scenario ``interactive`` (issue #9): interactive calls made while a background crawl saturates a known budget.

The server is FakeSpotify in its own process with a hidden limit of ``R`` per ``W`` seconds (50 per 3 s) and 20 ms
latency; the client knows it (``RateBudget(limit=R, window=W)``, ``max_concurrency=64``). One session runs both:

* the crawl: 64 workers making track lookups back to back through ``sp.with_priority("background")`` (a view of the
  same client whose calls yield to the interactive lane). A client without lanes runs the crawl on ``sp`` itself,
  and the results say ``"lanes": false``;
* the interactive calls: ``calls`` lookups on ``sp`` (the default, interactive lane), one every ``spacing`` seconds
  once the crawl has filled the budget for a window, each bounded by ``cap`` seconds (a call still waiting then is
  cancelled and counted as waiting ``cap``: the figure is then a lower bound, and flagged).

Figures:

* ``wait_p50_s``, ``wait_p99_s``: an interactive call's time beyond its own latency (its elapsed time less the median
  of 10 lookups made before the crawl started, on an idle client), p99 by nearest rank (of 20 calls: the slowest);
* ``crawl_share``: crawl calls completed during the interactive phase over what the budget allows in that time
  (``R / W`` per second); ``total_share`` counts the interactive calls too.

Goal (issue #9): interactive p99 wait <= 1 s beyond its own latency while the crawl uses >= 85 % of the budget.
"""

from __future__ import annotations

import asyncio
import math
import statistics
import time
from typing import Any

from spotify_async import ClientCredentials, Config, RateBudget, Spotify

from ._common import Profile, Table
from ._server import fake_process

__all__ = ["CONCURRENCY", "GOAL", "LATENCY", "nearest_rank", "run"]

CONCURRENCY = 64
LATENCY = 0.020
GOAL = "interactive p99 wait <= 1 s beyond its own latency while the crawl uses >= 85 % of the budget"


def nearest_rank(values: list[float], q: float) -> float:
    """The ``q`` quantile (0 < q <= 1) by nearest rank: of 20 values, p50 is the 10th and p99 the 20th."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def background_view(sp: Spotify) -> tuple[Any, bool]:
    """``sp.with_priority("background")`` and True, or ``sp`` itself and False on a client without lanes."""
    with_priority = getattr(sp, "with_priority", None)
    if with_priority is None:
        return sp, False
    return with_priority("background"), True


async def run(prof: Profile, table: Table) -> dict[str, Any]:
    limit, window = prof.lanes_limit, prof.lanes_window
    calls, spacing, cap = prof.lanes_calls, prof.lanes_spacing, prof.lanes_cap
    print(
        f"interactive: {calls} interactive lookups, one every {spacing:g} s (each bounded by {cap:g} s), during a "
        f"background crawl of {CONCURRENCY} workers under a known budget of {limit} per {window:g} s"
    )
    out: dict[str, Any] = {
        "limit": limit,
        "window_s": window,
        "calls": calls,
        "spacing_s": spacing,
        "cap_s": cap,
        "latency_ms": LATENCY * 1000,
    }
    config = Config(budget=RateBudget(limit=limit, window=window), max_concurrency=CONCURRENCY)
    async with fake_process(latency=LATENCY, rate_limit=(limit, window)) as server:
        ids: list[str] = list(server.catalog.tracks)
        async with Spotify(
            ClientCredentials(server.client_id, server.client_secret),
            api_base=server.api_base,
            accounts_base=server.accounts_base,
            mode="extended",
            config=config,
        ) as sp:
            await sp.tokens.get()
            idle: list[float] = []
            for track_id in ids[:10]:
                t0 = time.perf_counter()
                await sp.tracks.get(track_id)
                idle.append(time.perf_counter() - t0)
            own_latency = statistics.median(idle)
            await asyncio.sleep(window + 0.25)  # the idle lookups leave the budget and the fake's window

            background, lanes = background_view(sp)
            crawl_done: list[float] = []
            crawl_failed = 0
            stop = asyncio.Event()

            async def crawler(k: int) -> None:
                nonlocal crawl_failed
                i = k
                while not stop.is_set():
                    try:
                        await background.tracks.get(ids[i % len(ids)])
                    except Exception:
                        crawl_failed += 1
                    else:
                        crawl_done.append(time.perf_counter())
                    i += CONCURRENCY

            crawl = [asyncio.ensure_future(crawler(k)) for k in range(CONCURRENCY)]
            waits: list[float] = []
            capped = 0
            failed = 0
            try:
                await asyncio.sleep(window)  # the crawl fills the budget
                phase_start = time.perf_counter()

                async def interactive(n: int) -> None:
                    nonlocal capped, failed
                    await asyncio.sleep(n * spacing)
                    t0 = time.perf_counter()
                    try:
                        await asyncio.wait_for(sp.tracks.get(ids[-1 - n]), cap)
                    except asyncio.TimeoutError:
                        capped += 1
                    except Exception:
                        failed += 1
                    waits.append(max(0.0, time.perf_counter() - t0 - own_latency))

                await asyncio.gather(*(interactive(n) for n in range(calls)))
                phase_end = time.perf_counter()
            finally:
                stop.set()
                for task in crawl:
                    task.cancel()
                await asyncio.wait(crawl, timeout=5.0)
    phase = phase_end - phase_start
    allowed = limit / window * phase
    crawl_in_phase = sum(1 for t in crawl_done if phase_start <= t < phase_end)
    figures: dict[str, Any] = {
        "lanes": lanes,
        "own_latency_ms": round(own_latency * 1000, 2),
        "wait_p50_s": round(nearest_rank(waits, 0.50), 3),
        "wait_p99_s": round(nearest_rank(waits, 0.99), 3),
        "wait_max_s": round(max(waits), 3),
        "capped": capped,
        "failed": failed,
        "crawl_share": round(crawl_in_phase / allowed, 4),
        "total_share": round((crawl_in_phase + calls - capped - failed) / allowed, 4),
        "crawl_failed": crawl_failed,
        "phase_s": round(phase, 3),
    }
    figures["met"] = bool(figures["wait_p99_s"] <= 1.0 and figures["crawl_share"] >= 0.85 and not failed)
    out.update(figures)
    bound = " (a lower bound: calls hit the cap)" if capped else ""
    table.add(
        "interactive",
        "spotify_async" + ("" if lanes else " (no lanes)"),
        f"p99 wait {figures['wait_p99_s']:.2f} s",
        "",
        f"p50 {figures['wait_p50_s']:.2f} s{bound}; crawl {figures['crawl_share']:.0%} of the budget; "
        f"goal {'met' if figures['met'] else 'MISSED'}",
    )
    return out
