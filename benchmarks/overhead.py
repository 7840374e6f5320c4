"""Scenario 1, overhead: the client's CPU per ``GET /tracks/{id}`` at 64 and at 8 in flight, against FakeSpotify in its
own process (no latency, no rate limit), models included. What is measured is the **steady state** of a session that has
been running for a while; a new session's first requests are a separate row (``spotify_async_cold``).

The figure is this process's CPU time (user + system, every thread, ``time.process_time``) divided by the requests sent,
so the server's work never counts and a client that waits cheaply is not penalised for waiting.

**Rounds.** Each round measures both concurrencies (64 then 8, the order swapped every other round) and within each the
clients alternate (floor, spotify_async, tekore, spotipy, spotifyaio), so machine drift between rounds cancels in each
round's ratio. A client's figure is its median over rounds (``us_per_request``, its ratio ``ratio_to_floor`` is median
over median), reported with its spread: every round's figure (``samples_us_per_request``) and every round's ratio to
that round's floor (``round_ratios``; their min and max in the table and ``ratio_spread``, their median in
``median_round_ratio``). The goal is judged on both concurrencies. The profile sets the rounds; ``python -m benchmarks
--rounds N`` asks for more.

**Warm-up**, outside the measurement. Every client first sends ``PEER_WARMUP`` (256, at most a round's size) requests at
64 in flight: connections, pools, generated structuring code. Then spotify_async goes past the discovery of its rate
limit. A new session that was told no limit discovers it (``spotify_async/http/limiter.py``): it admits ``probe`` (4)
requests in flight, then 1/16 of the responses accepted in the last 30 s, so it reaches 64 in flight only once 1,024
responses were accepted within a window. Through that span it runs at lower concurrency and costs more CPU per request
(fewer requests per turn of the event loop: counted on this harness, one ``select()`` per request over a new session's
first 1,024, about one per 12 once past them). So the session keeps sending batches of 256 until its budget admits 64 in
flight, then one batch more at 64 (the connections it had not opened yet); before each of its measured rounds it is
checked again and topped up the same way should the window have emptied. ``warm_up`` records the requests this took;
``allowance_min`` the lowest allowance seen at the start or the end of any measured round (at least the concurrency, or
the figure would be a cold one). The floor and the peers have no such phase.

**Cold start** (``spotify_async_cold``, at 64 in flight only): each round a new session, after one request (its token
and first connection), sends its first ``Profile.overhead_cold_requests`` (1,024) requests at 64 in flight: the whole
discovery span, what a short script pays. Its ratio is to the same round's floor (warm), so it counts discovery and the
connections it opens on the way. It is reported, not judged.
"""

from __future__ import annotations

from typing import Any, cast

from ._clients import SPOTIPY_THREADS, Client, SpotifyAsync, make_clients
from ._common import Profile, Table, fmt, fmt_ratio, measure, median, ratio
from ._server import app_token, fake_process

__all__ = ["CLIENTS", "CONCURRENCIES", "CONCURRENCY", "PEER_WARMUP", "run"]

#: the concurrencies measured (the goal is judged on each); the first is the headline (``us_per_request``)
CONCURRENCIES = (64, 8)
CONCURRENCY = CONCURRENCIES[0]
CLIENTS = ("aiohttp_floor", "spotify_async", "tekore", "spotipy", "spotifyaio")
COLD = "spotify_async_cold"
#: requests every client sends before any measurement (capped at a round's size)
PEER_WARMUP = 256
#: spotify_async's discovery warm-up: batches of this many, at most this many requests in all
DISCOVERY_BATCH = 256
DISCOVERY_MAX = 8_192


class _Figures:
    """What one concurrency's rounds collect, per client."""

    def __init__(self, names: list[str]) -> None:
        self.cpu: dict[str, list[float]] = {name: [] for name in names}
        self.wall: dict[str, list[float]] = {name: [] for name in names}
        self.gc_share: dict[str, list[float]] = {name: [] for name in names}
        self.failed: dict[str, int] = dict.fromkeys(names, 0)
        self.allowance: list[float] = []  # spotify_async's, at the start and the end of each measured round

    def add(self, name: str, cpu: float, wall: float, gc: float, requests: int) -> None:
        self.cpu[name].append(cpu / requests * 1e6)
        self.wall[name].append(wall / requests * 1e6)
        self.gc_share[name].append(gc / cpu if cpu > 0 else 0.0)

    def summary(self, names: tuple[str, ...]) -> dict[str, Any]:
        us = {name: (median(self.cpu[name]) if self.cpu.get(name) else None) for name in names}
        floor_rounds = self.cpu.get("aiohttp_floor", [])
        round_ratios = {name: _round_ratios(values, floor_rounds) for name, values in self.cpu.items()}
        return {
            "us_per_request": us,
            "ratio_to_floor": {name: ratio(value, us["aiohttp_floor"]) for name, value in us.items()},
            "round_ratios": round_ratios,
            "ratio_spread": {name: [min(r), max(r)] for name, r in round_ratios.items() if r},
            "median_round_ratio": {name: median(r) for name, r in round_ratios.items() if r},
            "samples_us_per_request": {name: [round(v, 2) for v in values] for name, values in self.cpu.items()},
            "wall_us_per_request": {name: median(w) for name, w in self.wall.items() if w},
            # share of the client's CPU spent in CPython's cyclic garbage collector (gc.callbacks)
            "gc_share_of_cpu": {name: round(median(v), 4) for name, v in self.gc_share.items() if v},
            "failed": self.failed,
            "allowance_min": min(self.allowance) if self.allowance else None,
        }


def _round_ratios(values: list[float], floor_rounds: list[float]) -> list[float]:
    """Each round's figure over the same round's floor."""
    return [round(v / f, 4) for v, f in zip(values, floor_rounds, strict=False) if f > 0]


async def _measured(figures: _Figures, client: Client, batch: list[str], concurrency: int) -> None:
    with measure() as m:
        figures.failed[client.name] += await client.get_tracks(batch, concurrency)
    figures.add(client.name, m.cpu, m.wall, m.gc, len(batch))


async def run(prof: Profile, table: Table) -> dict[str, Any]:
    n, rounds, cold_n = prof.overhead_requests, prof.overhead_rounds, prof.overhead_cold_requests
    print(
        f"overhead: {n} GET /tracks/{{id}} per client per round at each of {', '.join(map(str, CONCURRENCIES))} in "
        f"flight, {rounds} round(s); steady state (spotify_async warmed past rate-limit discovery), and a new "
        f"session's first {cold_n} at {CONCURRENCY} in flight"
    )
    warm_up: dict[str, int] = {}
    async with fake_process() as server:
        token = await app_token(server)
        ids: list[str] = list(server.catalog.tracks)
        clients = make_clients(server, token, CLIENTS)
        present = [c for c in clients if c.available]
        names = [c.name for c in present]
        by_c = {c: _Figures(names) for c in CONCURRENCIES}
        cold = _Figures([COLD])
        sa = cast(SpotifyAsync, next(c for c in present if c.name == "spotify_async"))
        cursor = 0  # ids are drawn in order, so no two requests of one round ask for the same track

        def take(count: int) -> list[str]:
            nonlocal cursor
            out = [ids[(cursor + i) % len(ids)] for i in range(count)]
            cursor += count
            return out

        async def past_discovery(concurrency: int, figures: _Figures, *, extra: bool) -> None:
            sent, failures = await sa.warm_past_discovery(
                ids, concurrency, batch=DISCOVERY_BATCH, max_requests=DISCOVERY_MAX, start=cursor
            )
            take(sent)
            if sent and extra:  # the batch that crossed ran partly below the concurrency: open the rest of the pool
                failures += await sa.get_tracks(take(DISCOVERY_BATCH), concurrency)
                sent += DISCOVERY_BATCH
            warm_up["spotify_async"] = warm_up.get("spotify_async", 0) + sent
            figures.failed["spotify_async"] += failures

        try:
            for client in present:
                await client.open()
                warm = min(PEER_WARMUP, n)
                by_c[CONCURRENCY].failed[client.name] += await client.get_tracks(take(warm), CONCURRENCY)
                warm_up[client.name] = warm
            await past_discovery(max(CONCURRENCIES), by_c[CONCURRENCY], extra=True)
            for r in range(rounds):
                for concurrency in CONCURRENCIES if r % 2 == 0 else CONCURRENCIES[::-1]:
                    figures = by_c[concurrency]
                    for client in present:
                        if client is sa:
                            await past_discovery(concurrency, figures, extra=False)
                            figures.allowance.append(sa.in_flight_allowance())
                        await _measured(figures, client, take(n), concurrency)
                        if client is sa:
                            figures.allowance.append(sa.in_flight_allowance())
                            if concurrency == CONCURRENCY:
                                await _cold_round(server, token, cold, take(cold_n + 1), concurrency)
        finally:
            for client in present:
                await client.close()

    out_by_c = {str(c): by_c[c].summary(CLIENTS) for c in CONCURRENCIES}
    floor_rounds = by_c[CONCURRENCY].cpu.get("aiohttp_floor", [])
    cold_rounds = _round_ratios(cold.cpu[COLD], floor_rounds)
    cold_us = median(cold.cpu[COLD]) if cold.cpu[COLD] else None
    cold_summary = {
        "client": COLD,
        "concurrency": CONCURRENCY,
        "requests": cold_n,
        "us_per_request": cold_us,
        "ratio_to_floor": ratio(cold_us, out_by_c[str(CONCURRENCY)]["us_per_request"]["aiohttp_floor"]),
        "round_ratios": cold_rounds,
        "samples_us_per_request": [round(v, 2) for v in cold.cpu[COLD]],
        "gc_share_of_cpu": round(median(cold.gc_share[COLD]), 4) if cold.gc_share[COLD] else None,
        "failed": cold.failed[COLD],
    }
    for concurrency in CONCURRENCIES:
        summary = out_by_c[str(concurrency)]
        floor = summary["us_per_request"]["aiohttp_floor"]
        for name in CLIENTS:
            note = f"{SPOTIPY_THREADS} threads" if name == "spotipy" else ""
            if name == "spotify_async":
                note = f"budget admits >= {summary['allowance_min']:.0f} in flight"
            _row(table, concurrency, name, summary, note)
            if name == "spotify_async" and concurrency == CONCURRENCY and cold_us is not None:
                cold_table = {
                    "us_per_request": {COLD: cold_us, "aiohttp_floor": floor},
                    "samples_us_per_request": {COLD: cold.cpu[COLD]},
                    "ratio_spread": {COLD: [min(cold_rounds), max(cold_rounds)]} if cold_rounds else {},
                    "gc_share_of_cpu": {COLD: cold_summary["gc_share_of_cpu"]},
                    "failed": {COLD: cold.failed[COLD]},
                }
                _row(table, concurrency, COLD, cold_table, f"first {cold_n:,} requests of a new session, discovering")
    head = out_by_c[str(CONCURRENCY)]
    return {
        # the headline keys are the first concurrency's (64 in flight); every concurrency is under by_concurrency
        "requests": n * rounds,
        "concurrency": CONCURRENCY,
        "concurrencies": list(CONCURRENCIES),
        "us_per_request": head["us_per_request"],
        "ratio_to_floor": head["ratio_to_floor"],
        "wall_us_per_request": head["wall_us_per_request"],
        "gc_share_of_cpu": head["gc_share_of_cpu"],
        "samples_us_per_request": head["samples_us_per_request"],
        "by_concurrency": out_by_c,
        "cold_start": cold_summary,
        "warm_up": warm_up,
        "rounds": rounds,
        "requests_per_round": n,
        "failed": {name: sum(by_c[c].failed.get(name, 0) for c in CONCURRENCIES) for name in names},
        "spotipy_threads": SPOTIPY_THREADS,
    }


async def _cold_round(server: Any, token: str, figures: _Figures, batch: list[str], concurrency: int) -> None:
    """A new session: one request (token, first connection), then its first requests measured (the cold row)."""
    (cold,) = make_clients(server, token, [COLD])
    await cold.open()
    try:
        figures.failed[COLD] += await cold.get_tracks(batch[:1], 1)
        await _measured(figures, cold, batch[1:], concurrency)
    finally:
        await cold.close()


def _row(table: Table, concurrency: int, name: str, summary: dict[str, Any], note: str) -> None:
    us: float | None = summary["us_per_request"][name]
    floor: float | None = summary["us_per_request"]["aiohttp_floor"]
    samples: list[float] = summary["samples_us_per_request"].get(name, [])
    spread: list[float] | None = summary["ratio_spread"].get(name)
    parts = [note] if note else []
    if len(samples) > 1:  # the spread of the rounds: each round's figure, and its ratio to that round's floor
        parts.append(f"rounds {min(samples):,.1f}-{max(samples):,.1f} us")
        if spread and name != "aiohttp_floor":
            parts.append(f"{spread[0]:.2f}-{spread[1]:.2f}x")
    gc_share = summary["gc_share_of_cpu"].get(name)
    if gc_share is not None:
        parts.append(f"GC {gc_share:.0%} of CPU")
    failed = summary["failed"].get(name)
    if failed:
        parts.append(f"{failed} failed")
    table.add(
        f"overhead {concurrency} in flight", name, fmt(us, "us CPU/req"), fmt_ratio(ratio(us, floor)), "; ".join(parts)
    )
