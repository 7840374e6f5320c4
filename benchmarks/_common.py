"""What every scenario shares: run profiles (smoke, quick, full), optional peers, CPU/wall clocks, the machine
description, and the table the command prints.

Peers (tekore, spotipy, spotifyaio, psutil) come from the ``[bench]`` extra and are imported here, as ``Any``, so
a missing one turns into a ``null`` figure and a note instead of an ImportError, and the harness still runs in the
project's own virtualenv (the smoke test does exactly that).
"""

from __future__ import annotations

import gc
import importlib
import importlib.metadata
import importlib.util
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "PEERS",
    "Measure",
    "Profile",
    "Table",
    "machine",
    "measure",
    "median",
    "peer",
    "profile",
    "ratio",
    "versions",
]

#: import name of each peer the harness knows, and the distribution that provides it
PEERS = {"tekore": "tekore", "spotipy": "spotipy", "spotifyaio": "spotifyaio", "psutil": "psutil"}


@dataclass(frozen=True)
class Profile:
    """How big each scenario is. ``smoke`` exists for the harness's own test: every code path, in seconds."""

    name: str
    overhead_requests: int  # per client, per concurrency, per round
    overhead_rounds: int
    structuring_quick: bool
    structuring_cases: tuple[str, ...] | None  # None: every case of benchmarks.structuring
    pagination_items: int
    pagination_latency: float
    pagination_rounds: int
    crawl_limit: int  # requests per window (the fake's hidden limit)
    crawl_window: float
    crawl_requests: int  # fixed workload per client
    memory_items: tuple[int, ...]
    memory_rounds: int
    # a new spotify_async session's first requests at 64 in flight (the overhead scenario's cold-start row): 1,024 is
    # the span in which discovering its rate limit keeps it under 64 in flight (benchmarks/overhead.py)
    overhead_cold_requests: int = 1_024
    # more alternating rounds of the pagination floor and spotify_async alone (the judged pair), after the full rounds
    pagination_judged_rounds: int = 0
    # issue #9: the hidden rolling-window limit (limit per window, calls per run, process counts of the runs)
    hidden_limit: int = 50
    hidden_window: float = 3.0
    hidden_calls: int = 1_000
    hidden_processes: tuple[int, ...] = (1, 3, 4)
    # one isolated 429 in a steady stream: the client's window (scaled from Spotify's 30 s) and the offered rate
    isolated_window: float = 10.0
    isolated_rate: float = 100.0
    # interactive calls during a saturating background crawl: budget per window, calls, spacing, per-call bound
    lanes_limit: int = 50
    lanes_window: float = 3.0
    lanes_calls: int = 20
    lanes_spacing: float = 1.0
    lanes_cap: float = 15.0


PROFILES = {
    "smoke": Profile(
        name="smoke",
        overhead_requests=64,
        overhead_rounds=1,
        overhead_cold_requests=128,
        structuring_quick=True,
        structuring_cases=("playlist_page",),
        pagination_items=1_000,
        pagination_latency=0.005,
        pagination_rounds=1,
        pagination_judged_rounds=1,
        crawl_limit=10,
        crawl_window=1.0,
        crawl_requests=20,
        memory_items=(2_000, 1_000),
        memory_rounds=1,
        hidden_limit=10,
        hidden_window=1.0,
        hidden_calls=25,
        hidden_processes=(1, 2),
        isolated_window=1.0,
        isolated_rate=50.0,
        lanes_limit=10,
        lanes_window=1.0,
        lanes_calls=5,
        lanes_spacing=0.2,
        lanes_cap=3.0,
    ),
    "quick": Profile(
        name="quick",
        overhead_requests=800,
        overhead_rounds=3,
        structuring_quick=True,
        structuring_cases=None,
        pagination_items=10_000,
        pagination_latency=0.020,
        pagination_rounds=1,
        pagination_judged_rounds=2,
        crawl_limit=20,
        crawl_window=2.0,
        crawl_requests=60,
        memory_items=(10_000, 5_000),
        memory_rounds=1,
        hidden_calls=300,
        hidden_processes=(1, 3),
        isolated_window=5.0,
        lanes_spacing=0.6,
        lanes_cap=8.0,
    ),
    "full": Profile(
        name="full",
        overhead_requests=3_000,
        overhead_rounds=5,
        structuring_quick=False,
        structuring_cases=None,
        pagination_items=10_000,
        pagination_latency=0.020,
        pagination_rounds=5,
        crawl_limit=50,
        crawl_window=3.0,
        crawl_requests=500,
        memory_items=(100_000, 50_000),
        memory_rounds=2,
    ),
}


def profile(name: str) -> Profile:
    return PROFILES[name]


_missing: dict[str, str] = {}


def peer(name: str) -> Any | None:
    """The peer module, or None when it is not installed (remembered for the notes)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        _missing[name] = f"{type(exc).__name__}: {exc}"
        return None


def missing_peers() -> dict[str, str]:
    return dict(_missing)


@dataclass
class Measure:
    """CPU (user + system of this process, every thread), wall seconds, and seconds spent in CPython's cyclic
    garbage collector (and how many collections of each generation) during one block."""

    cpu: float = 0.0
    wall: float = 0.0
    gc: float = 0.0
    collections: list[int] = field(default_factory=lambda: [0, 0, 0])


class _GCClock:
    """Accumulates the time CPython spends in collections (``gc.callbacks``), for the measure in progress."""

    def __init__(self) -> None:
        self.current: Measure | None = None
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        current = self.current
        if current is None:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            current.gc += time.perf_counter() - self._started
            current.collections[info["generation"]] += 1


_gc_clock = _GCClock()
gc.callbacks.append(_gc_clock)


@contextmanager
def measure() -> Iterator[Measure]:
    """Time a block with ``time.process_time`` and ``time.perf_counter``, after a full collection so that one
    client's garbage is not charged to the next."""
    gc.collect()
    out = Measure()
    _gc_clock.current = out
    cpu0, wall0 = time.process_time(), time.perf_counter()
    try:
        yield out
    finally:
        out.cpu = time.process_time() - cpu0
        out.wall = time.perf_counter() - wall0
        _gc_clock.current = None


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def ratio(value: float | None, floor: float | None) -> float | None:
    if value is None or floor is None or floor <= 0:
        return None
    return value / floor


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    return {
        "machine": f"{_cpu_model()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
    }


def versions() -> dict[str, str | None]:
    """Installed versions of everything whose speed the figures depend on (None: not installed)."""
    out: dict[str, str | None] = {}
    for dist in (
        "spotify_async",
        "aiohttp",
        "orjson",
        "cattrs",
        "attrs",
        "tekore",
        "httpx",
        "httpcore",
        "anyio",
        "sniffio",
        "pydantic",
        "spotipy",
        "requests",
        "urllib3",
        "spotifyaio",
        "mashumaro",
        "psutil",
    ):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def settings() -> dict[str, Any]:
    """Environment facts known to move peers' figures (and the machine's load, which moves everyone's)."""
    return {
        "load_average": [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None,
        # httpcore imports sniffio on every request to learn the async library; without it, every call pays a
        # failed import (a sys.path scan), which makes tekore's async sender markedly slower
        "sniffio_installed": importlib.util.find_spec("sniffio") is not None,
        "uvloop_used": False,
        "gc_enabled": gc.isenabled(),
    }


@dataclass
class Table:
    """The figures as printed: one row per (scenario, client)."""

    rows: list[tuple[str, str, str, str, str]] = field(default_factory=list)

    def add(self, scenario: str, client: str, figure: str, vs_floor: str = "", note: str = "") -> None:
        self.rows.append((scenario, client, figure, vs_floor, note))
        print(f"  {client:<26} {figure:>22} {vs_floor:>9}  {note}", flush=True)

    def render(self) -> str:
        header = ("scenario", "client", "figure", "x floor", "note")
        widths = [max(len(r[i]) for r in [header, *self.rows]) for i in range(5)]
        lines = [" | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
        lines.append("-+-".join("-" * w for w in widths))
        for row in self.rows:
            lines.append(" | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        return "\n".join(lines)

    def markdown(self) -> str:
        out = ["| scenario | client | figure | x floor | note |", "| --- | --- | ---: | ---: | --- |"]
        out += [f"| {' | '.join(row)} |" for row in self.rows]
        return "\n".join(out)


def fmt_ratio(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else ""


def fmt(value: float | None, unit: str, digits: int = 1) -> str:
    return f"{value:,.{digits}f} {unit}" if value is not None else "n/a"
