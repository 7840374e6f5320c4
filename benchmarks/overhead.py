"""Scenario 1, overhead: the client's CPU per ``GET /tracks/{id}`` at concurrency 64, against FakeSpotify in its own
process (no latency, no rate limit), models included.

The figure is this process's CPU time (user + system, every thread, ``time.process_time``) divided by the requests
sent, so the server's work never counts and a client that waits cheaply is not penalised for waiting. Rounds
alternate the clients (floor, spotify_async, tekore, spotipy, spotifyaio, floor, ...) so machine drift cancels in the
ratios; each client first warms up (connections, generated structuring code) outside the measurement.
"""

from __future__ import annotations

from typing import Any

from ._clients import SPOTIPY_THREADS, make_clients
from ._common import Profile, Table, fmt, fmt_ratio, measure, median, ratio
from ._server import app_token, fake_process

__all__ = ["CLIENTS", "CONCURRENCY", "run"]

CONCURRENCY = 64
CLIENTS = ("aiohttp_floor", "spotify_async", "tekore", "spotipy", "spotifyaio")


async def run(prof: Profile, table: Table) -> dict[str, Any]:
    n, rounds = prof.overhead_requests, prof.overhead_rounds
    print(f"overhead: {n} GET /tracks/{{id}} per client per round, {rounds} round(s), concurrency {CONCURRENCY}")
    async with fake_process() as server:
        token = await app_token(server)
        ids: list[str] = list(server.catalog.tracks)
        clients = make_clients(server, token, CLIENTS)
        present = [c for c in clients if c.available]
        cpu: dict[str, list[float]] = {c.name: [] for c in present}
        wall: dict[str, list[float]] = {c.name: [] for c in present}
        failed: dict[str, int] = {c.name: 0 for c in present}
        gc_share: dict[str, list[float]] = {c.name: [] for c in present}
        try:
            for client in present:
                await client.open()
                failed[client.name] += await client.get_tracks(ids[: min(256, n)], CONCURRENCY)
            for r in range(rounds):
                batch = [ids[(r * n + i) % len(ids)] for i in range(n)]
                for client in present:
                    with measure() as m:
                        failed[client.name] += await client.get_tracks(batch, CONCURRENCY)
                    cpu[client.name].append(m.cpu / n * 1e6)
                    wall[client.name].append(m.wall / n * 1e6)
                    gc_share[client.name].append(m.gc / m.cpu if m.cpu > 0 else 0.0)
        finally:
            for client in present:
                await client.close()

    us = {c.name: (median(cpu[c.name]) if c.available else None) for c in clients}
    floor = us["aiohttp_floor"]
    for name in CLIENTS:
        note = f"GC {median(gc_share[name]):.0%} of CPU" if name in gc_share else ""
        if name == "spotipy":
            note += f", {SPOTIPY_THREADS} threads"
        if failed.get(name):
            note += f" {failed[name]} failed"
        table.add("overhead", name, fmt(us[name], "us CPU/req"), fmt_ratio(ratio(us[name], floor)), note.strip())
    return {
        "requests": n * rounds,
        "concurrency": CONCURRENCY,
        "us_per_request": us,
        "ratio_to_floor": {name: ratio(value, floor) for name, value in us.items()},
        "wall_us_per_request": {name: median(w) for name, w in wall.items()},
        # share of the client's CPU spent in CPython's cyclic garbage collector (gc.callbacks)
        "gc_share_of_cpu": {name: round(median(v), 4) for name, v in gc_share.items()},
        "rounds": rounds,
        "requests_per_round": n,
        "failed": failed,
        "spotipy_threads": SPOTIPY_THREADS,
        "samples_us_per_request": cpu,
    }
