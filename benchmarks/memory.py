"""Scenario 5, memory: what streaming, collecting and keeping playlist entries costs.

Three measurements, each in a fresh child process:

* **streaming**: peak RSS over baseline while iterating every item of a long playlist (100,000 items in the full run,
  the goal's size, and 50,000 to show the peak does not grow with N; the quick profile measures 10,000 and 5,000,
  the smoke profile 2,000 and 1,000, and the goal's line says so), keeping nothing;
* **collect**: ``await sp.playlists.items(id).collect()`` of 10,000 items (2,000 in the smoke profile): the peak RSS
  over baseline while collecting (the goal's figure), and the RSS over baseline once collected, with the list alive
  (the allocator keeps most of what the transient pages used, so this is close to the peak);
* **kept entry**: the bytes one structured playlist entry holds while the caller keeps it. ``tracemalloc`` counts
  what is allocated and still alive after structuring 1,000 entries of the real recorded 2026 page
  (``get_playlist_items__spotifyaio__1.json``: 185 markets on every track and album), each page decoded from its own
  bytes as separate responses would be, after one warm-up page; the total, minus the list holding them, divided by
  1,000. Beside it, the same entries kept as decoded JSON (the body decoded with its market arrays shared, as the
  client decodes it, each entry's dict kept): what a model that structured its nested objects only when read would
  hold for the parts nobody read (the reference against which lazy models were weighed, issue #15's fifth round). Run
  it alone with ``python -m benchmarks.memory --kept``.

Each measurement runs in a fresh child process (``python -m benchmarks.memory --child ...``) so that no other run's
heap, caches or arenas count. The child imports its client, opens its session, collects garbage, takes the baseline
RSS, resets the kernel's high-water mark (``/proc/self/clear_refs``) and iterates; the peak is the higher of that mark
(``VmHWM``) and what a 5 ms sampling thread saw. Nothing the iteration yields is kept, as in a streaming crawl.

Streaming clients: spotify_async ``async for`` (pages prefetched ``page_prefetch`` ahead, the default 8) and, for comparison, the
floor (raw aiohttp fetching every page at once under a cap of 64, ``orjson.loads``, discarding) and spotipy's
``next`` loop (one page at a time). tekore is left out: at about a millisecond per item its 100,000-item run alone
would take longer than this whole scenario.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import orjson

from ._common import Profile, Table, fmt, median
from ._server import app_token, fake_process

__all__ = ["CLIENTS", "COLLECT_ITEMS", "GOAL_STREAM_ITEMS", "kept_entry_bytes", "run"]

CLIENTS = ("spotify_async", "aiohttp_floor", "spotipy")
#: how many items the collect() measurement keeps (capped by the profile's largest streaming size)
COLLECT_ITEMS = 10_000
#: the streaming goal's size (the full profile's largest run; quick and smoke measure fewer and the goals say so)
GOAL_STREAM_ITEMS = 100_000
MiB = 1024 * 1024
REPO_ROOT = Path(__file__).resolve().parents[1]


# ---- the child: one client, one iteration, one line of JSON ------------------------------------------------------


def _rss() -> int:
    """Resident set size now, in bytes."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _reset_high_water_mark() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def _high_water_mark() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


class _Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.005):
            self.peak = max(self.peak, _rss())

    def stop(self) -> int:
        self._stop_event.set()
        self.join(1.0)
        return max(self.peak, _rss())


def kept_entry_bytes(entries: int = 1_000) -> dict[str, Any]:
    """Bytes a kept structured playlist entry holds, and the same entry kept as decoded JSON (see the module
    docstring): tracemalloc, 1,000 entries."""
    from spotify_async.models import Page, PlaylistTrack, loads
    from spotify_async.models._shared import decode_shared

    from .structuring import _read

    page = _read("get_playlist_items__spotifyaio__1.json")
    per_page = 100
    page["items"] = [page["items"][i % len(page["items"])] for i in range(per_page)]
    page["limit"] = page["total"] = per_page
    body = orjson.dumps(page)

    def structured() -> list[Any]:
        return list(loads(body, Page[PlaylistTrack]).items)

    def decoded() -> list[Any]:
        return list(decode_shared(body)[0]["items"])

    structured_bytes, count = _held_per_entry(structured, entries // per_page)
    decoded_bytes, _ = _held_per_entry(decoded, entries // per_page)
    return {
        "entries": count,
        "bytes_per_entry": structured_bytes,
        "json_bytes_per_entry": decoded_bytes,
        "body_bytes_per_entry": len(body) / per_page,
    }


def _held_per_entry(page: Callable[[], list[Any]], pages: int) -> tuple[float, int]:
    """(bytes still allocated per entry after keeping the entries of ``pages`` calls of ``page``, entries kept);
    one warm-up call first (generated code, the shared-value tables), the list holding them not counted."""
    import tracemalloc

    page()
    kept: list[Any] = []
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(pages):
            kept.extend(page())
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before - sys.getsizeof(kept)
    finally:
        tracemalloc.stop()
    return held / len(kept), len(kept)


async def _collect(client: Any, args: argparse.Namespace) -> dict[str, Any]:
    """``collect()`` of ``args.items`` items: the peak RSS over baseline while collecting, and the RSS after."""
    sp = client.sp
    gc.collect()
    baseline = _rss()
    exact = _reset_high_water_mark()
    sampler = _Sampler()
    sampler.start()
    started = time.perf_counter()
    items = await sp.playlists.items(
        args.playlist, limit=100, max_items=args.items, legacy_tracks_endpoint=True
    ).collect()
    seconds = time.perf_counter() - started
    sampled = sampler.stop()
    hwm = _high_water_mark() if exact else None
    gc.collect()
    after = _rss() - baseline
    peak = max(sampled, hwm or 0)
    return {
        "client": args.client,
        "available": True,
        "items": len(items),
        "seconds": seconds,
        "baseline_mib": baseline / MiB,
        "peak_mb_over_baseline": (peak - baseline) / 1e6,
        "rss_after_mb": after / 1e6,
        "rss_after_bytes_per_item": after / max(1, len(items)),
    }


async def _child(args: argparse.Namespace) -> dict[str, Any]:
    from ._clients import make_clients

    server = SimpleNamespace(
        api_base=args.api_base,
        accounts_base=args.accounts_base,
        client_id=args.client_id,
        client_secret=args.client_secret,
    )
    (client,) = make_clients(cast(Any, server), args.token, [args.client])
    if not client.available:
        return {"client": args.client, "available": False}
    await client.open()
    if args.collect:
        try:
            return await _collect(client, args)
        finally:
            await client.close()
    try:
        gc.collect()
        baseline = _rss()
        exact = _reset_high_water_mark()
        sampler = _Sampler()
        sampler.start()
        started = time.perf_counter()
        seen, _ = await client.all_items(args.playlist, limit=args.items)
        seconds = time.perf_counter() - started
        sampled = sampler.stop()
    finally:
        await client.close()
    hwm = _high_water_mark() if exact else None
    peak = max(sampled, hwm or 0)
    return {
        "client": args.client,
        "available": True,
        "items": seen,
        "seconds": seconds,
        "baseline_mib": baseline / MiB,
        "peak_mib": peak / MiB,
        "peak_mib_over_baseline": (peak - baseline) / MiB,
        "high_water_mark_reset": exact,
    }


def _child_main(argv: list[str]) -> int:
    if argv == ["--kept"]:
        sys.stdout.buffer.write(orjson.dumps(kept_entry_bytes()) + b"\n")
        return 0
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    parser.add_argument("--child", required=True, dest="client")
    parser.add_argument("--collect", action="store_true", help="collect() the items instead of streaming them")
    for name in ("api-base", "accounts-base", "client-id", "client-secret", "token", "playlist"):
        parser.add_argument(f"--{name}", required=True)
    parser.add_argument("--items", type=int, required=True)
    args = parser.parse_args(argv)
    result = asyncio.run(_child(args))
    sys.stdout.buffer.write(orjson.dumps(result) + b"\n")
    return 0


# ---- the parent: alternate children over clients and sizes ---------------------------------------------------------


def _spawn(client: str, items: int, server: Any, token: str, playlist: str, *, collect: bool = False) -> dict[str, Any]:
    argv = [sys.executable, "-m", "benchmarks.memory", "--child", client, "--items", str(items)]
    argv += ["--api-base", server.api_base, "--accounts-base", server.accounts_base]
    argv += ["--client-id", server.client_id, "--client-secret", server.client_secret]
    argv += ["--token", token, "--playlist", playlist]
    if collect:
        argv.append("--collect")
    return _run_child(argv)


def _run_child(argv: list[str]) -> dict[str, Any]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    done = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, timeout=600, check=False)
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        return {"argv": " ".join(argv[3:5]), "available": True, "error": " / ".join(tail)}
    result: dict[str, Any] = orjson.loads(done.stdout.strip().splitlines()[-1])
    return result


async def run(prof: Profile, table: Table) -> dict[str, Any]:
    sizes, rounds = prof.memory_items, prof.memory_rounds
    sizes_note = (
        "" if max(sizes) == GOAL_STREAM_ITEMS else f" (smaller than the goals' {GOAL_STREAM_ITEMS:,}: {prof.name})"
    )
    print(
        f"memory: streaming {', '.join(f'{n:,}' for n in sizes)} items{sizes_note}, collect() of "
        f"{min(COLLECT_ITEMS, max(sizes)):,}, {rounds} round(s), one child process per run"
    )
    runs: dict[str, dict[int, list[dict[str, Any]]]] = {c: {n: [] for n in sizes} for c in CLIENTS}
    collect_items = min(COLLECT_ITEMS, max(sizes))
    collected: list[dict[str, Any]] = []
    async with fake_process(big_playlist_size=max(sizes)) as server:
        token = await app_token(server)
        playlist: str = server.catalog.big_playlist_id
        for _ in range(rounds):
            for n in sizes:
                for client in CLIENTS:
                    result = await asyncio.to_thread(_spawn, client, n, server, token, playlist)
                    runs[client][n].append(result)
            collected.append(
                await asyncio.to_thread(_spawn, "spotify_async", collect_items, server, token, playlist, collect=True)
            )
    kept = await asyncio.to_thread(_run_child, [sys.executable, "-m", "benchmarks.memory", "--kept"])

    by_items: dict[str, dict[str, float | None]] = {}
    errors: dict[str, str] = {}
    for client in CLIENTS:
        by_items[client] = {}
        for n in sizes:
            good = [r for r in runs[client][n] if r.get("available") and "error" not in r]
            for r in runs[client][n]:
                if "error" in r:
                    errors[f"{client}/{n}"] = r["error"]
            by_items[client][str(n)] = median([r["peak_mib_over_baseline"] for r in good]) if good else None
    biggest, smallest = str(max(sizes)), str(min(sizes))

    def flat(client: str) -> bool | None:
        hi, lo = by_items[client][biggest], by_items[client][smallest]
        if hi is None or lo is None:
            return None
        # flat: doubling N adds at most 20 % (or 5 MiB, whichever is more) to the peak
        return hi - lo <= max(5.0, 0.2 * lo)

    peak = {client: by_items[client][biggest] for client in CLIENTS}
    for client in CLIENTS:
        figures = ", ".join(f"{int(n):,}: {fmt(v, 'MiB')}" for n, v in by_items[client].items())
        table.add("memory", client, fmt(peak[client], "MiB peak"), "", f"{figures}; flat: {flat(client)}")
    seconds = {client: median([r["seconds"] for r in runs[client][max(sizes)] if "seconds" in r]) for client in CLIENTS}
    good_collects = [r for r in collected if "error" not in r]
    for r in collected:
        if "error" in r:
            errors["collect"] = r["error"]
    collect = {
        "items": collect_items,
        "peak_mb_over_baseline": median([r["peak_mb_over_baseline"] for r in good_collects]) if good_collects else None,
        "rss_after_mb": median([r["rss_after_mb"] for r in good_collects]) if good_collects else None,
        "seconds": median([r["seconds"] for r in good_collects]) if good_collects else None,
    }
    table.add(
        "memory",
        "spotify_async collect()",
        fmt(collect["peak_mb_over_baseline"], "MB peak"),
        "",
        f"{collect_items:,} items; {fmt(collect['rss_after_mb'], 'MB')} over baseline once collected",
    )
    if "error" in kept:
        errors["kept"] = kept["error"]
    else:
        table.add(
            "memory",
            "spotify_async kept entry",
            fmt(kept["bytes_per_entry"] / 1024, "KiB"),
            "",
            f"tracemalloc, {kept['entries']:,} entries of the 2026 page ({kept['body_bytes_per_entry'] / 1024:.1f} KiB "
            f"of JSON each; kept as decoded JSON, {kept['json_bytes_per_entry'] / 1024:.1f} KiB)",
        )
    return {
        "collect": collect,
        "kept_entry": kept,
        "items": max(sizes),
        "peak_mib_over_baseline": peak,
        "flat": flat("spotify_async"),
        "flat_by_client": {client: flat(client) for client in CLIENTS},
        "by_items": by_items,
        "baseline_mib": {
            client: median([r["baseline_mib"] for r in runs[client][max(sizes)] if "baseline_mib" in r])
            for client in CLIENTS
        },
        "seconds": seconds,
        "errors": errors,
        "rounds": rounds,
    }


if __name__ == "__main__":
    raise SystemExit(_child_main(sys.argv[1:]))
