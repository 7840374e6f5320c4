"""Scenario 2, structuring: bytes to models, microseconds per item, spotify_async beside its floor and the peers.

The bodies are the real recorded responses that :mod:`benchmarks.structuring` (the models' own micro-benchmark)
prepares: a 100-item 2026 playlist page (the headline figure), a live 2019 playlist page, a 50-track album and a track
search page. Each decoder does what its client does with a response body, end to end:

* ``orjson_floor``: ``orjson.loads`` alone (the floor);
* ``json_loads``: ``json.loads`` alone, which is all spotipy does (requests' ``Response.json``);
* ``spotify_async``: ``spotify_async.models.loads(body, model)`` (orjson + the lenient cattrs converter);
* ``tekore``: ``json.loads`` (httpx's ``Response.json``) then tekore's pydantic model, as its ``send_and_process``;
* ``spotifyaio``: ``Model.from_json(body.decode())`` (mashumaro + orjson), as its client does with ``response.text()``.

Decoders alternate within each round (A B C A B C ...) and the figure is the median over rounds. Each decoder is
timed twice per round: as a process runs (the cyclic garbage collector on, the headline figure) and with the collector
paused as ``timeit`` does (``us_per_item_gc_paused``). The difference is the collector's cost, which depends on what
else lives in the process's heap: decoding a 100-item page allocates tens of thousands of containers.
"""

from __future__ import annotations

import gc
import json
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import orjson

from spotify_async.models import loads

from . import structuring
from ._common import Profile, Table, fmt, fmt_ratio, median, peer, ratio

__all__ = ["DECODERS", "DEV_CASE", "HEADLINE_CASE", "run"]

HEADLINE_CASE = "playlist_page"
#: the headline page as a development-mode app receives it (no market lists to share): judged too
DEV_CASE = "playlist_page_dev"
DECODERS = ("orjson_floor", "json_loads", "spotify_async", "tekore", "spotifyaio")


def _peer_decoders(case: str) -> dict[str, Callable[[bytes], Any] | None]:
    """tekore's and spotifyaio's decoder for a case (None when the peer is missing or has no model for it)."""
    out: dict[str, Callable[[bytes], Any] | None] = {"tekore": None, "spotifyaio": None}
    tk_model: Any = peer("tekore.model")
    if tk_model is not None:
        search_result: Any = peer("tekore._client.api.search")
        tekore_models: dict[str, Callable[[Any], Any]] = {
            "playlist_page": lambda d: tk_model.PlaylistTrackPaging(**d),
            "playlist_page_dev": lambda d: tk_model.PlaylistTrackPaging(**d),
            "playlist_page_2019": lambda d: tk_model.PlaylistTrackPaging(**d),
            "album_50": lambda d: tk_model.FullAlbum(**d),
        }
        if search_result is not None:
            tekore_models["search_page"] = search_result.search_result
        make = tekore_models.get(case)
        if make is not None:

            def tekore_decode(body: bytes, make: Callable[[Any], Any] = make) -> Any:
                return make(json.loads(body))

            out["tekore"] = tekore_decode
    sa_models: Any = peer("spotifyaio.models")
    if sa_models is not None:
        model = {
            "playlist_page": sa_models.PlaylistTrackResponse,
            "playlist_page_dev": sa_models.PlaylistTrackResponse,
            "playlist_page_2019": sa_models.PlaylistTrackResponse,
            "album_50": sa_models.Album,
            "search_page": sa_models.SearchResult,
        }.get(case)
        if model is not None:

            def spotifyaio_decode(body: bytes, model: Any = model) -> Any:
                return model.from_json(body.decode())

            out["spotifyaio"] = spotifyaio_decode
    return out


def _loads_as(model: Any, body: bytes) -> Any:
    return loads(body, model)


def _calibrate(fn: Callable[[], Any], min_seconds: float) -> int:
    """Calls per timing so that one timing lasts at least ``min_seconds`` (swamps the timer's resolution)."""
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        if time.perf_counter() - start >= min_seconds:
            return calls
        calls *= 2


async def run(prof: Profile, table: Table) -> dict[str, Any]:
    rounds = 3 if prof.structuring_quick else 9
    min_seconds = 0.005 if prof.name == "smoke" else 0.02 if prof.structuring_quick else 0.1
    if prof.name == "smoke":
        rounds = 1
    cases: dict[str, dict[str, float | None]] = {}
    cases_paused: dict[str, dict[str, float | None]] = {}
    meta: dict[str, dict[str, Any]] = {}
    errors: dict[str, str] = {}
    for name, body, model, count in structuring._cases():
        if prof.structuring_cases is not None and name not in prof.structuring_cases:
            continue
        print(f"structuring: {name} ({count} items, {len(body) / 1024:.1f} KiB), {rounds} round(s)")
        candidates: dict[str, Callable[[bytes], Any] | None] = {
            "orjson_floor": orjson.loads,
            "json_loads": json.loads,
            "spotify_async": partial(_loads_as, model),
            **_peer_decoders(name),
        }
        runnable: dict[str, tuple[Callable[[], Any], int]] = {}
        for label, decode in candidates.items():
            if decode is None:
                continue

            call: Callable[[], Any] = partial(decode, body)
            try:
                call()  # warm up: generated structuring code, caches; and see that it parses at all
            except Exception as exc:  # a peer whose models reject this real body: report it, do not time it
                errors[f"{name}/{label}"] = f"{type(exc).__name__}: {str(exc)[:200]}"
                continue
            runnable[label] = (call, _calibrate(call, min_seconds))
        samples: dict[str, list[float]] = {label: [] for label in runnable}
        paused: dict[str, list[float]] = {label: [] for label in runnable}
        for _ in range(rounds):
            for label, (fn, calls) in runnable.items():
                for store, collector in ((samples, True), (paused, False)):
                    gc.collect()
                    if not collector:
                        gc.disable()  # what timeit does: the collector's cost depends on the heap, not the decoder
                    try:
                        start = time.perf_counter()
                        for _ in range(calls):
                            fn()
                        elapsed = time.perf_counter() - start
                    finally:
                        gc.enable()
                    store[label].append(elapsed / calls / count * 1e6)
        cases[name] = {label: (median(samples[label]) if label in samples else None) for label in DECODERS}
        cases_paused[name] = {label: (median(paused[label]) if label in paused else None) for label in DECODERS}
        meta[name] = {"items": count, "bytes": len(body)}
        floor = cases[name]["orjson_floor"]
        floor_paused = cases_paused[name]["orjson_floor"]
        for label in DECODERS:
            value, quiet = cases[name][label], cases_paused[name][label]
            note = f"{name}; " if label == "orjson_floor" else ""
            note += f"GC paused: {fmt(quiet, 'us', 2)} ({fmt_ratio(ratio(quiet, floor_paused))})" if quiet else ""
            if f"{name}/{label}" in errors:
                note = "models rejected the body"
            table.add("structuring", label, fmt(value, "us/item", 2), fmt_ratio(ratio(value, floor)), note)

    headline = cases.get(HEADLINE_CASE) or next(iter(cases.values()), {})
    headline_name = HEADLINE_CASE if HEADLINE_CASE in cases else next(iter(cases), None)
    headline_paused = cases_paused.get(headline_name or "", {})
    return {
        "us_per_item": dict(headline),
        "us_per_item_gc_paused": dict(headline_paused),
        "ratio_to_orjson_gc_paused": {
            k: ratio(v, headline_paused.get("orjson_floor")) for k, v in headline_paused.items()
        },
        "case": headline_name,
        "ratio_to_orjson": {k: ratio(v, headline.get("orjson_floor")) for k, v in headline.items()},
        "cases": cases,
        "cases_gc_paused": cases_paused,
        "case_sizes": meta,
        "errors": errors,
        "rounds": rounds,
    }
