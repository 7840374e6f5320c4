"""Scenario 3, pagination: every item of a 10,000-item playlist, FakeSpotify adding 20 ms to every request.

Page size 100 for everyone (extended mode, hence the legacy ``/tracks``: the spec caps ``/items`` pages at 50). The
floor fetches the first page, then every other page at once under a cap of 64 (the fastest hand-written fetch,
``orjson.loads`` per page); spotify_async iterates ``async for item in sp.playlists.items(id,
legacy_tracks_endpoint=True)`` with its default ``Config`` (pages prefetched ``page_prefetch`` ahead); tekore walks
``all_items`` (one ``next`` after another); spotipy loops on ``sp.next(page)``. spotifyaio has no paging helper (its
``get_playlist_items`` returns one 48-item page), so it is not in this scenario. Wall seconds, median over
alternating rounds; client CPU seconds (and the garbage collector's share of them) are reported beside them.

``aiohttp_floor_keep8`` is the same raw fetch holding on to its last 8 decoded pages instead of dropping each one as
soon as its items are counted (spotify_async holds up to ``page_prefetch`` pages ahead of the consumer). It is a
reference, not the floor: it shows what merely keeping pages alive costs in collector and memory traffic.
"""

from __future__ import annotations

from typing import Any

from ._clients import make_clients
from ._common import Profile, Table, fmt, fmt_ratio, measure, median, ratio
from ._server import app_token, fake_process

__all__ = ["CLIENTS", "run"]

CLIENTS = ("aiohttp_floor", "aiohttp_floor_keep8", "spotify_async", "tekore", "spotipy")


async def run(prof: Profile, table: Table) -> dict[str, Any]:
    items, latency, rounds = prof.pagination_items, prof.pagination_latency, prof.pagination_rounds
    print(f"pagination: {items} items at {latency * 1000:.0f} ms per request, {rounds} round(s)")
    async with fake_process(latency=latency, big_playlist_size=items) as server:
        token = await app_token(server)
        playlist: str = server.catalog.big_playlist_id
        clients = make_clients(server, token, CLIENTS)
        present = [c for c in clients if c.available]
        wall: dict[str, list[float]] = {c.name: [] for c in present}
        cpu: dict[str, list[float]] = {c.name: [] for c in present}
        seen: dict[str, int] = {}
        gc_share: dict[str, list[float]] = {c.name: [] for c in present}
        try:
            for client in present:
                await client.open()
                await client.all_items(playlist, limit=200)  # warm up: connection, token, generated code
            for _ in range(rounds):
                for client in present:
                    with measure() as m:
                        count, _ = await client.all_items(playlist)
                    seen[client.name] = count
                    wall[client.name].append(m.wall)
                    cpu[client.name].append(m.cpu)
                    gc_share[client.name].append(m.gc / m.cpu if m.cpu > 0 else 0.0)
        finally:
            for client in present:
                await client.close()

    seconds = {c.name: (median(wall[c.name]) if c.available else None) for c in clients}
    floor = seconds["aiohttp_floor"]
    for name in CLIENTS:
        note = f"CPU {median(cpu[name]):.2f} s, GC {median(gc_share[name]):.0%} of it" if name in cpu else ""
        if seen.get(name, items) != items:
            note += f"; saw {seen.get(name)} items"
        table.add("pagination", name, fmt(seconds[name], "s", 2), fmt_ratio(ratio(seconds[name], floor)), note)
    return {
        "items": items,
        "latency_ms": round(latency * 1000),
        "seconds": seconds,
        "ratio_to_floor": {name: ratio(value, floor) for name, value in seconds.items()},
        "cpu_seconds": {name: median(values) for name, values in cpu.items()},
        "gc_share_of_cpu": {name: round(median(v), 4) for name, v in gc_share.items()},
        "items_seen": seen,
        "rounds": rounds,
        "samples_seconds": wall,
    }
