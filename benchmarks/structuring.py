"""Micro-benchmark: bytes -> models, against the floor of decoding the same bytes with ``orjson.loads`` alone.

Run ``python -m benchmarks.structuring`` (or ``python benchmarks/structuring.py``; ``--quick`` for a short run). It
prints microseconds per item (and per call) for ``orjson.loads``, ``json.loads`` and ``spotify_async.models.loads``
(decode + structure, lenient converter, as the session uses it) on real recorded bodies, each timed with the cyclic
garbage collector on (as a process runs) and paused (as ``timeit`` does), and the ratio of each to ``orjson.loads``
timed the same way:

* ``playlist_page``: a 2026 playlist-items page (transitional shape, both ``track`` and ``item`` per entry), its
  entry replicated to 100 items as an extended-quota app receives them (full markets lists included);
* ``playlist_page_dev``: the same page as a development-mode app receives it since February 2026: without the
  fields Spotify removed for those apps (``available_markets`` above all, ``popularity``, ``linked_from``, the
  album's ``album_group`` and ``label``), so there are no market lists to share;
* ``playlist_page_2019``: a live-recorded 100-item page from 2019 (local files included), unreplicated;
* ``album_50``: a 2026 album with its track page replicated to 50 tracks;
* ``search_page``: a 2026 track search page (5 items, the development-mode default).

The recorded bodies are read from ``../shared/fixtures/real/`` next to the repository (override with the
``SPOTIFY_ASYNC_FIXTURES`` environment variable). Peers (tekore, spotipy...) are added by the comparison benchmark,
not here.
"""

from __future__ import annotations

import argparse
import copy
import functools
import gc
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from spotify_async.models import Album, Page, PlaylistTrack, SearchResults, loads

REPO_ROOT = Path(__file__).resolve().parents[1]


def _fixtures_dir() -> Path:
    override = os.environ.get("SPOTIFY_ASYNC_FIXTURES")
    path = Path(override) if override else REPO_ROOT.parent / "shared" / "fixtures" / "real"
    if not path.is_dir():
        raise SystemExit(f"recorded Spotify responses not found at {path} (set SPOTIFY_ASYNC_FIXTURES)")
    return path


def _read(name: str) -> Any:
    return orjson.loads((_fixtures_dir() / name).read_bytes())


def _replicate(items: list[Any], count: int) -> list[Any]:
    # Deep copies, so the decoder and the structurer see distinct objects as in a real body.
    return [copy.deepcopy(items[i % len(items)]) for i in range(count)]


def _cases() -> list[tuple[str, bytes, Any, int]]:
    """(name, body, model, items per body)."""
    playlist = _read("get_playlist_items__spotifyaio__1.json")
    playlist["items"] = _replicate(playlist["items"], 100)
    playlist["limit"] = playlist["total"] = 100

    # the same page as a development-mode app receives it: Spotify leaves out the fields it removed for them in
    # February 2026 (PLATFORM.md), the market lists above all, so there is nothing to share
    playlist_dev = copy.deepcopy(playlist)
    for entry in playlist_dev["items"]:
        for key in ("track", "item"):
            track = entry.get(key)
            if isinstance(track, dict):
                for field in ("available_markets", "linked_from", "popularity"):
                    track.pop(field, None)
                album = track.get("album")
                if isinstance(album, dict):
                    for field in ("available_markets", "album_group", "label", "popularity"):
                        album.pop(field, None)

    playlist_2019 = _read("get_playlist_items__rbrspotify__1.json")

    album = _read("get_album__spotifyaio__1.json")
    album["tracks"]["items"] = _replicate(album["tracks"]["items"], 50)
    album["tracks"]["limit"] = album["tracks"]["total"] = album["total_tracks"] = 50

    search = _read("search_track__spotifyaio__1.json")

    return [
        ("playlist_page", orjson.dumps(playlist), Page[PlaylistTrack], len(playlist["items"])),
        ("playlist_page_dev", orjson.dumps(playlist_dev), Page[PlaylistTrack], len(playlist_dev["items"])),
        ("playlist_page_2019", orjson.dumps(playlist_2019), Page[PlaylistTrack], len(playlist_2019["items"])),
        ("album_50", orjson.dumps(album), Album, len(album["tracks"]["items"])),
        ("search_page", orjson.dumps(search), SearchResults, len(search["tracks"]["items"])),
    ]


def _calls(fn: Callable[[], Any], *, quick: bool) -> int:
    """Calls per timing, so that one timing is long enough to swamp the timer."""
    fn()  # warm up (cattrs generates its functions on first use)
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        if time.perf_counter() - start > (0.02 if quick else 0.1):
            return calls
        calls *= 2


def _timed(fn: Callable[[], Any], calls: int, *, collector: bool) -> float:
    gc.collect()
    if not collector:
        gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        return (time.perf_counter() - start) / calls
    finally:
        gc.enable()


def run(*, quick: bool = False) -> dict[str, float]:
    """Measure every case; return ``{"<case>/<decoder>": us per item, "<case>/<decoder>/gc_paused": ...}``.

    The decoders of a case alternate within each round, and each figure is the best round (the least disturbed by
    other processes on the machine).
    """
    results: dict[str, float] = {}
    print(
        f"{'case':<20} {'items':>5} {'KiB':>7}  {'decoder':<14} {'us/item':>9} {'x orjson':>9}"
        f" {'GC paused':>10} {'x orjson':>9}"
    )
    for name, body, model, count in _cases():
        decoders: dict[str, Callable[[], Any]] = {
            "orjson.loads": functools.partial(orjson.loads, body),
            "json.loads": functools.partial(json.loads, body),
            "spotify_async": functools.partial(loads, body, model),
        }
        calls = {label: _calls(fn, quick=quick) for label, fn in decoders.items()}
        best: dict[tuple[str, bool], float] = {}
        for _ in range(3 if quick else 9):
            for label, fn in decoders.items():
                for collector in (True, False):
                    seconds = _timed(fn, calls[label], collector=collector)
                    best[label, collector] = min(best.get((label, collector), seconds), seconds)
        for label in decoders:
            on, paused = best[label, True], best[label, False]
            results[f"{name}/{label}"] = on / count * 1e6
            results[f"{name}/{label}/gc_paused"] = paused / count * 1e6
            print(
                f"{name:<20} {count:>5} {len(body) / 1024:>7.1f}  {label:<14} {on / count * 1e6:>9.2f}"
                f" {on / best['orjson.loads', True]:>9.2f} {paused / count * 1e6:>10.2f}"
                f" {paused / best['orjson.loads', False]:>9.2f}"
            )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}, orjson {orjson.__version__}")
    run(quick=args.quick)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
