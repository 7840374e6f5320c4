"""The benchmark harness runs end to end (``python -m benchmarks --smoke``) and writes the documented results keys.

No timing is asserted: benchmarks report figures, tests check that the harness measures and reports them. Peers
(tekore, spotipy, spotifyaio) are usually absent from the test virtualenv; their figures must then be ``null``.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from benchmarks.__main__ import GOALS, check_goals, parse
from benchmarks._common import PROFILES
from benchmarks.crawl import ideal_seconds
from benchmarks.interactive import nearest_rank
from benchmarks.isolated_429 import first_back, recovery, worst_span
from benchmarks.memory import COLLECT_ITEMS, GOAL_STREAM_ITEMS
from benchmarks.overhead import CONCURRENCIES
from spotify_async.config import Config
from spotify_async.http.deadline import EXACT
from spotify_async.http.limiter import DISCOVERY_SHARE
from tests.resources import shared_fixtures


def _fcntl() -> ModuleType | None:
    try:
        return importlib.import_module("fcntl")
    except ImportError:  # Windows: every xdist worker runs its own smoke run
        return None


fcntl = _fcntl()
REPO_ROOT = Path(__file__).resolve().parents[2]
FLOOR_AND_US = ("aiohttp_floor", "spotify_async")

OVERHEAD_KEYS: list[tuple[str, ...]] = [
    *[("overhead", k) for k in ("requests", "concurrency", "rounds")],
    *[("overhead", "us_per_request", c) for c in ("aiohttp_floor", "spotify_async", "tekore", "spotipy")],
    *[
        ("overhead", "by_concurrency", str(n), key, c)
        for n in CONCURRENCIES
        for key in ("us_per_request", "ratio_to_floor")
        for c in ("aiohttp_floor", "spotify_async", "tekore", "spotipy")
    ],
    *[("overhead", "by_concurrency", str(n), "samples_us_per_request", "spotify_async") for n in CONCURRENCIES],
    *[("overhead", "by_concurrency", str(n), "round_ratios", "spotify_async") for n in CONCURRENCIES],
    *[("overhead", "cold_start", k) for k in ("requests", "us_per_request", "ratio_to_floor")],
]

# the keys the issue documents for the results file (more may be added, none removed or renamed)
DOCUMENTED: dict[str, list[tuple[str, ...]]] = {
    "top": [("machine",), ("python",)],
    "overhead": OVERHEAD_KEYS,
    "structuring": [("structuring", "us_per_item", c) for c in ("orjson_floor", "spotify_async", "tekore")]
    + [("structuring", t, "playlist_page", c) for t in ("cases", "cases_gc_paused") for c in ("orjson_floor",)],
    "pagination": [("pagination", "items"), ("pagination", "latency_ms"), ("pagination", "floor_concurrency")]
    + [
        ("pagination", "seconds", c)
        for c in ("aiohttp_floor", "aiohttp_floor_64", "spotify_async", "spotify_async_cold", "tekore", "spotipy")
    ],
    "crawl": [("rate_limited_crawl", c) for c in ("spotify_async", "tekore", "spotipy")],
    "memory": [("memory", "items"), ("memory", "peak_mib_over_baseline", "spotify_async")]
    + [("memory", "collect", k) for k in ("items", "peak_mb_over_baseline", "rss_after_mb")]
    + [("memory", "kept_entry", k) for k in ("bytes_per_entry", "json_bytes_per_entry")],
    "hidden_limit": [("hidden_limit", "limit"), ("hidden_limit", "window_s")]
    + [("hidden_limit", "runs", r) for r in ("1p_unknown", "1p_given")],
    "isolated_429": [("isolated_429", "cases", c, "recovered_after_s") for c in ("steady", "first_request")],
    "interactive": [("interactive", k) for k in ("wait_p50_s", "wait_p99_s", "crawl_share", "lanes", "met")],
}
MEASURED_BY_US = [
    ("overhead", "us_per_request", "aiohttp_floor"),
    ("overhead", "us_per_request", "spotify_async"),
    *(("overhead", "by_concurrency", str(n), "us_per_request", c) for n in CONCURRENCIES for c in FLOOR_AND_US),
    ("overhead", "cold_start", "us_per_request"),
    ("structuring", "cases", "playlist_page", "spotify_async"),
    ("structuring", "cases_gc_paused", "playlist_page", "spotify_async"),
    ("structuring", "us_per_item", "orjson_floor"),
    ("structuring", "us_per_item", "spotify_async"),
    ("pagination", "seconds", "aiohttp_floor"),
    ("pagination", "seconds", "spotify_async"),
    ("memory", "peak_mib_over_baseline", "spotify_async"),
    ("memory", "collect", "rss_after_mb"),
    ("memory", "kept_entry", "bytes_per_entry"),
    ("memory", "kept_entry", "json_bytes_per_entry"),
]


def _get(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = data
    for key in path:
        assert isinstance(value, dict), f"{'.'.join(path)}: not an object"
        assert key in value, f"missing key {'.'.join(path)}"
        value = value[key]
    return value


def _run_smoke(out: Path) -> str:
    """``python -m benchmarks --smoke --json out``; its stdout."""
    # the structuring scenario reads the recorded responses: skip (fail under CI) when they are missing
    recorded = shared_fixtures() / "real"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--json", str(out)],
        cwd=REPO_ROOT,
        env={**os.environ, "SPOTIFY_ASYNC_FIXTURES": str(recorded)},
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """One smoke run for the whole session. Under pytest-xdist each worker imports this module and would run its own
    (two runs of a minute competing for the same cores); the workers share a temporary root, so the first one to
    take the lock runs it and the others read its results."""
    if os.environ.get("PYTEST_XDIST_WORKER") is None or fcntl is None:
        out = tmp_path_factory.mktemp("bench") / "results.json"
        stdout = _run_smoke(out)
    else:
        shared = tmp_path_factory.getbasetemp().parent
        out, log = shared / "bench-smoke.json", shared / "bench-smoke.stdout"
        with open(shared / "bench-smoke.lock", "w", encoding="ascii") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if out.is_file():
                stdout = log.read_text(encoding="utf-8")
            else:
                stdout = _run_smoke(out.with_suffix(".partial"))
                log.write_text(stdout, encoding="utf-8")
                out.with_suffix(".partial").rename(out)
    data: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return data, stdout


def test_smoke_run_writes_every_documented_key(smoke: tuple[dict[str, Any], str]) -> None:
    data, _ = smoke
    for paths in DOCUMENTED.values():
        for path in paths:
            _get(data, path)
    assert data["profile"] == "smoke"
    assert data["python"] == ".".join(map(str, sys.version_info[:3]))


def test_floor_and_spotify_async_are_measured(smoke: tuple[dict[str, Any], str]) -> None:
    data, _ = smoke
    for path in MEASURED_BY_US:
        value = _get(data, path)
        assert isinstance(value, (int, float)), f"{'.'.join(path)} = {value!r}"
        assert value > 0, f"{'.'.join(path)} = {value!r}"
    assert data["pagination"]["items_seen"]["spotify_async"] == data["pagination"]["items"]
    crawl = data["rate_limited_crawl"]
    for name in ("spotify_async", "spotify_async_limit_known"):
        figures = crawl[name]
        assert figures["failed"] == 0
        assert figures["accepted"] == crawl["requests"]
        assert 0 < figures["utilization"] <= 1.5
        assert 0 <= figures["share_429"] < 1
    # told the limit, spotify_async never exceeds it
    assert crawl["spotify_async_limit_known"]["responses_429"] == 0


def test_missing_peers_are_null_not_errors(smoke: tuple[dict[str, Any], str]) -> None:
    data, stdout = smoke
    for peer in ("tekore", "spotipy"):
        value = data["overhead"]["us_per_request"][peer]
        if peer in data["missing_peers"]:
            assert value is None
            assert data["rate_limited_crawl"][peer] is None
        else:
            assert value > 0
    assert "goals:" in stdout
    assert set(data["goals"]) <= set(GOALS)


def test_the_caching_scenario_counts_requests_per_answer(smoke: tuple[dict[str, Any], str]) -> None:
    data, _ = smoke
    bot = data["caching"]["bot"]
    assert bot["ids"] == 10_000
    defaults = bot["clients"]["spotify_async"]
    ttl = bot["clients"]["spotify_async_catalog_ttl"]
    for figures in (defaults, ttl):
        assert figures["failed"] == 0
        assert figures["answers"] == figures["lookups"]
        assert 0 < figures["requests"] <= figures["lookups"]
    # with a TTL each distinct id is fetched at most once (coalescing shares the ones in flight)
    assert ttl["requests"] <= bot["distinct_ids_drawn"]
    overhead = data["caching"]["miss_overhead"]
    assert set(overhead["us_per_request"]) == {"without_cache_layers", "with_cache_layers"}
    assert all(v > 0 for v in overhead["us_per_request"].values())


def test_rate_control_scenarios_measure_what_they_say(smoke: tuple[dict[str, Any], str]) -> None:
    data, stdout = smoke
    hidden = data["hidden_limit"]
    for name, run in hidden["runs"].items():
        if run is None:  # a multi-process run without redis-server
            assert "redis-server not installed" in stdout
            continue
        assert run["failed"] == 0, name
        assert run["accepted"] == hidden["calls"], name
        assert 0 < run["utilization"] <= 1.5, name
        if run["limit_given"]:
            assert run["responses_429"] == 0, name  # told the limit, N processes on one budget never exceed it
    steady = data["isolated_429"]["cases"]["steady"]
    assert steady["rate_limited_seen"] == 1
    assert steady["before_per_s"] > 0
    assert steady["calls_ok"] > 0
    lanes = data["interactive"]
    assert 0 <= lanes["wait_p50_s"] <= lanes["wait_p99_s"] <= lanes["wait_max_s"]
    assert lanes["wait_p99_s"] <= lanes["cap_s"] + 1.0  # every interactive call is bounded by the cap
    assert lanes["crawl_share"] > 0
    two = lanes["two_processes"]
    if two is not None:  # the crawl in a second process sharing one Redis: bounded by the cap too
        assert 0 <= two["wait_p50_s"] <= two["wait_p99_s"] <= lanes["cap_s"] + 1.0
        assert two["crawl_share"] > 0
    for name in ("hidden_limit_1p", "isolated_429", "interactive"):
        assert name in data["goals"]


def test_unknown_scenario_is_refused() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--scenarios", "overhead,nonsense"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "nonsense" in done.stderr


def test_ideal_crawl_time_counts_whole_windows() -> None:
    # R requests go at once, the next R one window later: 20 requests under 10 per second need 1 s, 21 need 2 s
    assert ideal_seconds(20, 10, 1.0) == 1.0
    assert ideal_seconds(21, 10, 1.0) == 2.0
    assert ideal_seconds(10, 10, 3.0) == 0.0
    assert ideal_seconds(0, 10, 3.0) == 0.0


def test_recovery_is_the_start_of_the_last_healthy_stretch() -> None:
    # 100 calls a second from t=0 to t=10: recovered at once
    steady = [i / 100 for i in range(1000)]
    assert recovery(steady, 0.0, 10.0, 100.0) == 0.0
    # nothing completes before 1.55: the span from 1.4 holds 85 calls (< 90 %), the span from 1.5 holds 95
    late = [t for t in steady if t >= 1.55]
    assert recovery(late, 0.0, 10.0, 100.0) == 1.5
    # throttled to 10 per second for the whole window: never
    assert recovery([i / 10 for i in range(100)], 0.0, 10.0, 100.0) is None
    # a burst at the start (the queued calls) does not count as recovered if the pace then stays low
    burst = [0.01] * 200 + [1 + i / 10 for i in range(90)]
    assert recovery(burst, 0.0, 10.0, 100.0) is None


def test_first_back_reads_the_goal_literally_and_worst_span_shows_the_dip() -> None:
    # back at once, then a one-second stall four seconds later (a window's echo of the gate's closed second)
    echo = [i / 100 for i in range(1000) if not 4.0 <= i / 100 < 5.0]
    assert first_back(echo, 0.0, 10.0, 100.0) == 0.0
    assert recovery(echo, 0.0, 10.0, 100.0) == 4.9  # the span from 4.9 holds 90 calls: 90 %
    assert worst_span(echo, 0.0, 10.0, 100.0) == 0.0
    assert first_back([], 0.0, 10.0, 100.0) is None


def test_nearest_rank_quantiles() -> None:
    values = [float(i) for i in range(1, 21)]
    assert nearest_rank(values, 0.5) == 10.0
    assert nearest_rank(values, 0.99) == 20.0
    assert nearest_rank([3.0], 0.99) == 3.0


def test_rate_control_goals_are_judged_on_the_issue_thresholds() -> None:
    run = {"utilization": 0.96, "share_429": 0.025, "failed": 0, "limit_given": False}
    results: dict[str, Any] = {
        "hidden_limit": {
            "runs": {
                "1p_unknown": {**run, "processes": 1},
                "1p_given": {**run, "share_429": 0.0, "limit_given": True, "processes": 1},
                "3p_unknown": {**run, "processes": 3},
            }
        },
        "isolated_429": {"cases": {"steady": {"recovered_after_s": 2.5, "after_ratio": 0.9, "met": False}}},
        "interactive": {"wait_p50_s": 0.1, "wait_p99_s": 0.6, "crawl_share": 0.9, "lanes": True, "met": True},
    }
    goals = check_goals(results)
    assert goals["hidden_limit_1p"]["met"] is False  # 2.5 % 429s: over one process's 2 %
    assert goals["hidden_limit_np"]["met"] is True  # within three processes' 3 %
    assert goals["isolated_429"]["met"] is False
    assert goals["interactive"]["met"] is True


def _overhead(ratio_64: float, ratio_8: float) -> dict[str, Any]:
    def at(r: float) -> dict[str, Any]:
        return {
            "ratio_to_floor": {"aiohttp_floor": 1.0, "spotify_async": r},
            "ratio_spread": {"spotify_async": [r - 0.02, r + 0.03]},
        }

    return {"rounds": 3, "by_concurrency": {"64": at(ratio_64), "8": at(ratio_8)}}


def _memory(stream_items: int, collect_items: int) -> dict[str, Any]:
    return {
        "flat": True,
        "peak_mib_over_baseline": {"spotify_async": 41.0},
        "by_items": {"spotify_async": {str(stream_items): 41.0, str(stream_items // 2): 39.0}},
        "collect": {"items": collect_items, "peak_mb_over_baseline": 55.0},
        "kept_entry": {"bytes_per_entry": 4200.0},
    }


def test_goals_are_judged_against_the_floor_on_the_issue_thresholds() -> None:
    results: dict[str, Any] = {
        "overhead": _overhead(1.08, 1.09),
        "structuring": {
            "cases": {"playlist_page": {"orjson_floor": 10.0, "spotify_async": 14.0}},
            "cases_gc_paused": {"playlist_page": {"orjson_floor": 10.0, "spotify_async": 12.0}},
        },
        "pagination": {"seconds": {"aiohttp_floor": 1.0, "spotify_async": 1.15}},  # met under the old 1.2x
        "rate_limited_crawl": {"spotify_async": {"utilization": 0.97, "share_429": 0.0, "failed": 0}},
        "memory": _memory(100_000, 10_000),
    }
    goals = check_goals(results)
    assert goals["overhead"]["met"] is True
    assert goals["overhead"]["figure"] == {"64": 1.08, "8": 1.09}
    assert goals["overhead"]["spread"] == {"64": [1.06, 1.11], "8": [1.07, 1.12]}
    assert goals["structuring"]["met"] is False
    assert goals["structuring_gc_paused"]["met"] is True
    assert goals["pagination"]["met"] is False
    assert goals["crawl"]["met"] is True
    assert goals["memory"]["met"] is False
    assert goals["memory_collect"]["met"] is True
    assert goals["memory_kept_entry"]["met"] is False
    # measured at the goals' sizes: nothing to say about them
    assert "note" not in goals["memory"]
    assert "note" not in goals["memory_collect"]
    for name in ("overhead", "structuring", "structuring_gc_paused", "pagination"):
        assert goals[name]["goal"] == GOALS[name]
    assert "1.1x" in GOALS["overhead"]
    assert "64" in GOALS["overhead"]
    assert "8 in flight" in GOALS["overhead"]
    assert "1.1x" in GOALS["pagination"]
    assert "1.3x" in GOALS["structuring"]


@pytest.mark.parametrize(("ratio_64", "ratio_8"), [(1.12, 1.05), (1.05, 1.12), (1.14, 1.14)])
def test_the_overhead_goal_needs_both_concurrencies_within_1_1x(ratio_64: float, ratio_8: float) -> None:
    # 1.14x met the old 1.15x goal; the issue's goal is 1.1x at 64 and at 8 in flight
    assert check_goals({"overhead": _overhead(ratio_64, ratio_8)})["overhead"]["met"] is False


def test_the_overhead_goal_is_not_met_on_one_concurrency_alone() -> None:
    results = {"overhead": _overhead(1.0, 1.0)}
    del results["overhead"]["by_concurrency"]["8"]
    goal = check_goals(results)["overhead"]
    assert goal["figure"]["8"] is None
    assert goal["met"] is False


def test_the_structuring_goals_read_the_100_item_playlist_page_only() -> None:
    # another case's figures (the smoke profile used to run the album alone) never stand in for the page
    results = {
        "structuring": {
            "cases": {"album_50": {"orjson_floor": 10.0, "spotify_async": 11.0}},
            "cases_gc_paused": {"album_50": {"orjson_floor": 10.0, "spotify_async": 11.0}},
        }
    }
    goals = check_goals(results)
    assert "structuring" not in goals
    assert "structuring_gc_paused" not in goals


def test_the_development_mode_page_is_judged_on_its_own() -> None:
    # a development-mode app gets the page without market lists: its figures are judged beside the headline page's
    results = {
        "structuring": {
            "cases": {
                "playlist_page": {"orjson_floor": 10.0, "spotify_async": 6.0},
                "playlist_page_dev": {"orjson_floor": 10.0, "spotify_async": 12.5},
            },
            "cases_gc_paused": {
                "playlist_page": {"orjson_floor": 10.0, "spotify_async": 8.0},
                "playlist_page_dev": {"orjson_floor": 10.0, "spotify_async": 19.0},
            },
        }
    }
    goals = check_goals(results)
    assert (goals["structuring"]["met"], goals["structuring_gc_paused"]["met"]) == (True, True)
    assert goals["structuring_dev"] == {"goal": GOALS["structuring_dev"], "figure": 1.25, "met": True}
    assert goals["structuring_dev_gc_paused"]["figure"] == 1.9
    assert goals["structuring_dev_gc_paused"]["met"] is False
    assert "development-mode" in GOALS["structuring_dev"]


def test_memory_goals_say_when_the_profile_measured_smaller_sizes() -> None:
    goals = check_goals({"memory": _memory(10_000, 2_000)})
    assert "10,000" in goals["memory"]["note"]
    assert "100,000" in goals["memory"]["note"]
    assert "2,000" in goals["memory_collect"]["note"]
    assert goals["memory_collect"]["met"] is False  # fewer items than the goal's can never meet it


def test_the_full_profile_measures_the_goals_sizes_and_the_others_fewer() -> None:
    full = PROFILES["full"]
    assert max(full.memory_items) == GOAL_STREAM_ITEMS == 100_000
    assert min(full.memory_items) == 50_000
    assert min(COLLECT_ITEMS, max(full.memory_items)) == 10_000
    for name in ("quick", "smoke"):
        assert max(PROFILES[name].memory_items) < GOAL_STREAM_ITEMS


def test_rounds_option_sets_the_overhead_rounds_of_any_profile() -> None:
    _, prof, names = parse(["--quick", "--rounds", "7", "--scenarios", "overhead"])
    assert (prof.name, prof.overhead_rounds, names) == ("quick", 7, ["overhead"])
    assert prof.overhead_requests == PROFILES["quick"].overhead_requests
    _, prof, _ = parse(["--smoke"])
    assert prof.overhead_rounds == PROFILES["smoke"].overhead_rounds


@pytest.mark.parametrize("value", ["0", "-2", "many"])
def test_rounds_option_refuses_what_is_not_a_positive_count(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        parse(["--rounds", value])
    assert exc.value.code == 2
    assert "--rounds" in capsys.readouterr().err


def test_overhead_is_measured_past_discovery_at_both_concurrencies(smoke: tuple[dict[str, Any], str]) -> None:
    data, stdout = smoke
    overhead = data["overhead"]
    assert overhead["concurrencies"] == list(CONCURRENCIES) == [64, 8]
    for n in CONCURRENCIES:
        figures = overhead["by_concurrency"][str(n)]
        # the session's budget admitted at least the concurrency at the start and end of every measured round
        assert figures["allowance_min"] >= n
        for name in FLOOR_AND_US:
            assert len(figures["samples_us_per_request"][name]) == overhead["rounds"]
        assert len(figures["round_ratios"]["spotify_async"]) == overhead["rounds"]
        assert f"overhead {n} in flight" in stdout
    # the warm-up went past discovery: 64 in flight needs 64 / DISCOVERY_SHARE responses accepted in the window
    assert overhead["warm_up"]["spotify_async"] >= max(CONCURRENCIES) / DISCOVERY_SHARE
    cold = overhead["cold_start"]
    assert cold["requests"] == PROFILES["smoke"].overhead_cold_requests
    assert cold["failed"] == 0
    assert len(cold["samples_us_per_request"]) == overhead["rounds"]
    assert "spotify_async_cold" in stdout
    goal = data["goals"]["overhead"]
    assert set(goal["figure"]) == {"64", "8"}
    assert all(isinstance(v, float) for v in goal["figure"].values())
    assert goal["met"] == all(v <= 1.1 for v in goal["figure"].values())
    assert "per round 64:" in stdout


def test_pagination_compares_with_a_floor_at_the_same_concurrency(smoke: tuple[dict[str, Any], str]) -> None:
    data, _ = smoke
    pagination = data["pagination"]
    prefetch = Config().page_prefetch
    assert pagination["floor_concurrency"] == prefetch == pagination["page_prefetch"]
    assert pagination["floor_keeps_pages"] == 0
    assert pagination["page_size"] == 100
    assert pagination["allowance_min"] >= prefetch  # measured past discovery, prefetching its 8 pages
    assert pagination["items_seen"]["spotify_async_cold"] == pagination["items"]
    assert pagination["failed"] == 0
    # the judged pair ran its extra rounds, every other client the profile's rounds
    for name, samples in pagination["samples_seconds"].items():
        expected = pagination["judged_rounds"] if name in ("aiohttp_floor", "spotify_async") else pagination["rounds"]
        assert len(samples) == expected, name
    assert pagination["judged_rounds"] > pagination["rounds"]
    goal = data["goals"]["pagination"]
    figure = pagination["seconds"]["spotify_async"] / pagination["seconds"]["aiohttp_floor"]
    assert goal["figure"] == round(figure, 3)
    assert goal["met"] == (figure <= 1.1)


def test_structuring_and_memory_goals_are_judged_in_the_smoke_run(smoke: tuple[dict[str, Any], str]) -> None:
    data, stdout = smoke
    structuring = data["structuring"]
    assert structuring["case"] == "playlist_page"
    for goal, table in (("structuring", "cases"), ("structuring_gc_paused", "cases_gc_paused")):
        case = structuring[table]["playlist_page"]
        figure = case["spotify_async"] / case["orjson_floor"]
        assert data["goals"][goal]["figure"] == round(figure, 3)
        assert data["goals"][goal]["met"] == (figure <= 1.3)
    # the smoke profile measures fewer items than the memory goals: the goals' lines say so
    for name in ("memory", "memory_collect"):
        assert "not the goal's" in data["goals"][name]["note"]
    assert "memory_kept_entry" in data["goals"]
    assert "NOTE measured at 2,000 and 1,000 items" in stdout


def test_request_path_ab_measures_every_variant_against_the_floor(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import request_path_ab

    assert request_path_ab.main(["--chunk", "16", "--pairs", "4", "--concurrency", "8"]) == 0
    out = capsys.readouterr().out
    assert "8 in flight, 4 batches of 16 per client:" in out
    for name in ("aiohttp_floor", *request_path_ab.VARIANTS):
        (row,) = [line for line in out.splitlines() if line.split()[:1] == [name]]
        assert "us CPU/req" in row
        assert "x the floor (IQR" in row


async def test_request_path_ab_variants_put_back_what_they_name() -> None:
    from benchmarks import request_path_ab
    from benchmarks._clients import SpotifyAsync
    from benchmarks._server import fake_process

    async with fake_process() as server:
        clients = {
            name: SpotifyAsync(server, "unused", config, name=name)
            for name, (config, _) in request_path_ab.VARIANTS.items()
        }
        for name, client in clients.items():
            await client.open()
            request_path_ab.VARIANTS[name][1](client)
        try:
            shipped, total, string = (clients[n].sp for n in ("default", "aiohttp_total", "string_url"))
            assert shipped is not None
            assert total is not None
            assert string is not None
            # the one timer keeps the total (where it can: Python 3.11 and newer), the variant gives it back to aiohttp
            assert (shipped.scheduler.deadlines is not None) is EXACT
            assert total.scheduler.deadlines is None
            assert total.pipeline._http().timeout.total == total.config.timeouts.total
            assert isinstance(string.scheduler._target("http://h/v1", "/x"), str)
            assert not isinstance(shipped.scheduler._target("http://h/v1", "/x"), str)
            assert clients["no_coalescing"].sp is not None
            assert clients["no_coalescing"].sp.pipeline.coalescer is None
        finally:
            for client in clients.values():
                await client.close()


def test_request_ladder_measures_every_rung_against_the_floor(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import request_ladder

    assert request_ladder.main(["--chunk", "16", "--pairs", "4", "--concurrency", "8"]) == 0
    out = capsys.readouterr().out
    assert "8 in flight, 4 batches of 16 per client:" in out
    for name, _ in request_ladder.RUNGS:
        (row,) = [line for line in out.splitlines() if line.split()[:1] == [name] and "us CPU/req" in line]
        assert "x the floor (IQR" in row


async def test_request_ladder_rungs_fetch_what_the_session_fetches(monkeypatch: pytest.MonkeyPatch) -> None:
    from benchmarks import request_ladder
    from benchmarks._server import app_token, fake_process
    from spotify_async.models import Track

    structured: list[Any] = []
    original = request_ladder.parse_body

    def parse_body(*args: Any) -> Any:
        structured.append(original(*args))
        return structured[-1]

    monkeypatch.setattr(request_ladder, "parse_body", parse_body)

    async with fake_process() as server:
        token = await app_token(server)
        track_ids = list(server.catalog.tracks)[:24]
        rungs = {
            name: request_ladder.SessionRung(server, token, name, task=task, structure=structure)
            for name, task, structure in (("plain", False, False), ("task", True, False), ("structured", True, True))
        }
        for rung in rungs.values():
            await rung.open()
        try:
            for rung in rungs.values():
                assert await rung.get_tracks(track_ids, 8) == 0
            sp = rungs["structured"].owner.sp
            assert sp is not None
            # the rungs send nothing through the session's scheduler: only its aiohttp session and URL are borrowed
            assert sp.scheduler.stats.requests == 0
            # a rung fails loudly on an answer that is not a 200, as the floor does
            assert await rungs["task"].get_tracks(["0000000000000000000000"], 1) == 1
            assert await rungs["plain"].get_tracks(["0000000000000000000000"], 1) == 1
            # only the structured rung structures, once per track, into what the session's own call returns
            assert len(structured) == len(track_ids)
            assert all(isinstance(track, Track) for track in structured)
            assert sorted(track.id for track in structured) == sorted(track_ids)
            assert structured[0] == await sp.tracks.get(track_ids[0])
        finally:
            for rung in rungs.values():
                await rung.close()


def test_request_path_ab_eager_tasks_needs_python_3_12(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import request_path_ab

    argv = ["--chunk", "8", "--pairs", "4", "--concurrency", "8", "--variants", "default", "--eager-tasks"]
    if sys.version_info >= (3, 12):
        assert request_path_ab.main(argv) == 0
        assert "default" in capsys.readouterr().out
    else:
        with pytest.raises(SystemExit) as exit_:
            request_path_ab.main(argv)
        assert exit_.value.code == 2
        assert "needs Python 3.12" in capsys.readouterr().err
