"""Micro-benchmark: bytes -> models, against the floor of decoding the same bytes with ``orjson.loads`` alone.

Run ``python -m benchmarks.structuring`` (or ``python benchmarks/structuring.py``; ``--quick`` for a short run). It
prints microseconds per item (and per call) for ``orjson.loads``, ``json.loads`` and ``spotify_async.models.loads``
(decode + structure, lenient converter, as the session uses it) on real recorded bodies:

* ``playlist_page``: a 2026 playlist-items page (transitional shape, both ``track`` and ``item`` per entry), its
  entry replicated to 100 items as an extended-quota app receives them (full markets lists included);
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

    playlist_2019 = _read("get_playlist_items__rbrspotify__1.json")

    album = _read("get_album__spotifyaio__1.json")
    album["tracks"]["items"] = _replicate(album["tracks"]["items"], 50)
    album["tracks"]["limit"] = album["tracks"]["total"] = album["total_tracks"] = 50

    search = _read("search_track__spotifyaio__1.json")

    return [
        ("playlist_page", orjson.dumps(playlist), Page[PlaylistTrack], len(playlist["items"])),
        ("playlist_page_2019", orjson.dumps(playlist_2019), Page[PlaylistTrack], len(playlist_2019["items"])),
        ("album_50", orjson.dumps(album), Album, len(album["tracks"]["items"])),
        ("search_page", orjson.dumps(search), SearchResults, len(search["tracks"]["items"])),
    ]


def _time(fn: Callable[[], Any], *, quick: bool) -> float:
    """Best seconds per call over several rounds (the least disturbed by other processes), each long enough to swamp the timer."""
    fn()  # warm up (cattrs generates its functions on first use)
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        if time.perf_counter() - start > (0.02 if quick else 0.1):
            break
        calls *= 2
    rounds = []
    for _ in range(3 if quick else 9):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        rounds.append((time.perf_counter() - start) / calls)
    return min(rounds)


def run(*, quick: bool = False) -> dict[str, float]:
    """Measure every case; return ``{"<case>/<decoder>": microseconds per item}`` and print a table."""
    results: dict[str, float] = {}
    print(f"{'case':<20} {'items':>5} {'KiB':>7}  {'decoder':<14} {'us/item':>9} {'us/call':>10} {'x orjson':>9}")
    for name, body, model, count in _cases():
        decoders: list[tuple[str, Callable[[], Any]]] = [
            ("orjson.loads", functools.partial(orjson.loads, body)),
            ("json.loads", functools.partial(json.loads, body)),
            ("spotify_async", functools.partial(loads, body, model)),
        ]
        floor = 0.0
        for label, fn in decoders:
            seconds = _time(fn, quick=quick)
            if label == "orjson.loads":
                floor = seconds
            per_item = seconds / count * 1e6
            results[f"{name}/{label}"] = per_item
            print(
                f"{name:<20} {count:>5} {len(body) / 1024:>7.1f}  {label:<14} {per_item:>9.2f} "
                f"{seconds * 1e6:>10.1f} {seconds / floor:>9.2f}"
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
