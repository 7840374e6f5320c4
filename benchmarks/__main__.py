"""``python -m benchmarks``: run the scenarios, print the table, check the goals, write the results JSON.

Usage::

    python -m benchmarks [--quick | --smoke] [--rounds N] [--json PATH] [--markdown PATH]
                         [--scenarios overhead,structuring,pagination,crawl,memory,caching,...]

The rate-control scenarios of issue #9 are ``hidden_limit``, ``isolated_429`` and ``interactive``
(``--scenarios hidden_limit,isolated_429,interactive`` runs only them). ``--rounds N`` sets how many alternating
rounds the overhead scenario runs (3 in the quick profile, 5 in the full one): its figures are noisy on a shared
machine, and each round costs a few seconds.

The full run takes about ten minutes on a 2-core machine; ``--quick`` about a minute for overhead, structuring and
pagination and five for every scenario (most of it the rate-control scenarios, which wait for their windows);
``--smoke`` (the harness's own test) about a minute with tiny sizes. Run it from the repository root in a virtualenv
with ``.[bench]`` installed; peers that are not installed are reported as ``null``.

The goals (``GOALS``, judged by :func:`check_goals`) are issue #15's and #9's as they state them; a profile that
measures smaller sizes than a goal names says so on the goal's line.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import os
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

from . import caching, crawl, hidden_limit, interactive, isolated_429, memory, overhead, pagination, structuring_peers
from ._common import Profile, Table, machine, missing_peers, profile, settings, versions

SCENARIOS: dict[str, Callable[[Profile, Table], Awaitable[dict[str, Any]]]] = {
    "overhead": overhead.run,
    "structuring": structuring_peers.run,
    "pagination": pagination.run,
    "crawl": crawl.run,
    "memory": memory.run,
    "caching": caching.run,
    "hidden_limit": hidden_limit.run,
    "isolated_429": isolated_429.run,
    "interactive": interactive.run,
}
#: the scenario's key in the results file
RESULT_KEYS = {
    "overhead": "overhead",
    "structuring": "structuring",
    "pagination": "pagination",
    "crawl": "rate_limited_crawl",
    "memory": "memory",
    "caching": "caching",
    "hidden_limit": "hidden_limit",
    "isolated_429": "isolated_429",
    "interactive": "interactive",
}

#: the goals of issue #15 as it states them (what each is judged on is in check_goals)
OVERHEAD_LIMIT = 1.1
STRUCTURING_LIMIT = 1.3
PAGINATION_LIMIT = 1.1
#: the memory goals' sizes: streaming this many items flat against the smaller run, collect() of COLLECT_ITEMS
MEMORY_STREAM_ITEMS = memory.GOAL_STREAM_ITEMS
MEMORY_COLLECT_ITEMS = memory.COLLECT_ITEMS

GOALS = {
    "overhead": (
        f"CPU per request at most {OVERHEAD_LIMIT}x the raw floor at "
        f"{' and at '.join(map(str, overhead.CONCURRENCIES))} in flight (steady state, median of alternating rounds)"
    ),
    "structuring": (
        f"spotify_async <= {STRUCTURING_LIMIT}x orjson.loads per item on the 100-item playlist page, GC on (as a user "
        "runs it)"
    ),
    "structuring_gc_paused": "the same with the garbage collector paused in both",
    "structuring_dev": (
        f"spotify_async <= {STRUCTURING_LIMIT}x orjson.loads per item on the same page as a development-mode app "
        "receives it (no market lists, no popularity), GC on"
    ),
    "structuring_dev_gc_paused": "the same development-mode page with the garbage collector paused in both",
    "pagination": (
        f"spotify_async <= {PAGINATION_LIMIT}x the concurrent floor (raw aiohttp + orjson.loads at the same "
        f"{pagination.FLOOR_CONCURRENCY} in flight, 100 a page, keeping nothing)"
    ),
    "crawl": ">= 95 % of the limit used, <= 1 % 429s, zero failed calls",
    "memory": f"streaming {MEMORY_STREAM_ITEMS:,} items: <= 40 MiB over baseline, flat in N",
    "memory_collect": f"collect() of {MEMORY_COLLECT_ITEMS:,} items: peak <= 60 MB over baseline",
    "memory_kept_entry": "a kept playlist entry holds <= 4 KiB",
    "bot": "bot workload: requests per answer, catalog TTL >= 5x fewer than every peer, defaults fewer",
    "miss_overhead": "cache layers cost <= 3 % CPU per request on a cache miss",
    "hidden_limit_1p": hidden_limit.GOAL_ONE,
    "hidden_limit_np": hidden_limit.GOAL_MANY,
    "isolated_429": isolated_429.GOAL,
    "interactive": interactive.GOAL,
    "interactive_2p": interactive.GOAL + " (the crawl in another process, one Redis)",
}


def _get(data: dict[str, Any], *path: str) -> Any:
    value: Any = data
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def check_goals(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each goal with the figure it was judged on and whether it was met (None: scenario not run)."""
    out: dict[str, dict[str, Any]] = {}

    def ratio_goal(name: str, key: str, value_path: tuple[str, ...], floor_path: tuple[str, ...], limit: float) -> None:
        value, floor = _get(results, key, *value_path), _get(results, key, *floor_path)
        if value is None or not floor:
            return
        figure = value / floor
        out[name] = {"goal": GOALS[name], "figure": round(figure, 3), "met": figure <= limit}

    overhead_goal(results, out)
    # the headline page, and the same page as a development-mode app receives it: each with the collector on and paused
    for case, name in (
        (structuring_peers.HEADLINE_CASE, "structuring"),
        (structuring_peers.DEV_CASE, "structuring_dev"),
    ):
        for table, goal in (("cases", name), ("cases_gc_paused", f"{name}_gc_paused")):
            value, floor = (table, case, "spotify_async"), (table, case, "orjson_floor")
            ratio_goal(goal, "structuring", value, floor, STRUCTURING_LIMIT)
    ratio_goal("pagination", "pagination", ("seconds", "spotify_async"), ("seconds", "aiohttp_floor"), PAGINATION_LIMIT)
    sa = _get(results, "rate_limited_crawl", "spotify_async")
    if isinstance(sa, dict):
        met = sa["utilization"] >= 0.95 and sa["share_429"] <= 0.01 and sa["failed"] == 0
        out["crawl"] = {
            "goal": GOALS["crawl"],
            "figure": {k: sa[k] for k in ("utilization", "share_429", "failed")},
            "met": met,
        }
    runs = _get(results, "hidden_limit", "runs")
    if isinstance(runs, dict):
        keys: tuple[str, ...] = ("utilization", "share_429", "failed")
        one = runs.get("1p_unknown")
        if isinstance(one, dict):
            out["hidden_limit_1p"] = {
                "goal": GOALS["hidden_limit_1p"],
                "figure": {k: one[k] for k in keys},
                "met": hidden_limit.goal_met(one, 1),
            }
        many = {
            name: run
            for name, run in runs.items()
            if isinstance(run, dict) and not run["limit_given"] and run["processes"] >= 3
        }
        if many:
            out["hidden_limit_np"] = {
                "goal": GOALS["hidden_limit_np"],
                "figure": {name: {k: run[k] for k in keys} for name, run in many.items()},
                "met": all(hidden_limit.goal_met(run, run["processes"]) for run in many.values()),
            }
    cases = _get(results, "isolated_429", "cases")
    if isinstance(cases, dict) and isinstance(cases.get("steady"), dict):
        steady = cases["steady"]
        out["isolated_429"] = {
            "goal": GOALS["isolated_429"],
            "figure": {k: steady[k] for k in ("recovered_after_s", "after_ratio")},
            "met": bool(steady["met"]),
        }
    lanes = _get(results, "interactive")
    if isinstance(lanes, dict) and "met" in lanes:
        keys = ("wait_p50_s", "wait_p99_s", "crawl_share", "lanes")
        out["interactive"] = {
            "goal": GOALS["interactive"],
            "figure": {k: lanes[k] for k in keys},
            "met": bool(lanes["met"]),
        }
        two = lanes.get("two_processes")
        if isinstance(two, dict):
            out["interactive_2p"] = {
                "goal": GOALS["interactive_2p"],
                "figure": {k: two[k] for k in keys},
                "met": bool(two["met"]),
            }
    memory_goals(results, out)
    caching_goals(results, out)
    return out


def overhead_goal(results: dict[str, Any], out: dict[str, dict[str, Any]]) -> None:
    """Judged on every concurrency of the scenario: met only when each ratio is within the limit."""
    by_c = _get(results, "overhead", "by_concurrency")
    if not isinstance(by_c, dict):
        return
    ratios: dict[str, float | None] = {}
    spread: dict[str, list[float] | None] = {}
    for concurrency in overhead.CONCURRENCIES:
        ratios[str(concurrency)] = _get(by_c, str(concurrency), "ratio_to_floor", "spotify_async")
        spread[str(concurrency)] = _get(by_c, str(concurrency), "ratio_spread", "spotify_async")
    out["overhead"] = {
        "goal": GOALS["overhead"],
        "figure": {c: (round(v, 3) if v is not None else None) for c, v in ratios.items()},
        "spread": spread,
        "rounds": _get(results, "overhead", "rounds"),
        "met": all(v is not None and v <= OVERHEAD_LIMIT for v in ratios.values()),
    }


def memory_goals(results: dict[str, Any], out: dict[str, dict[str, Any]]) -> None:
    """The three memory goals. A profile that measures smaller sizes than the goal's says so in ``note``."""
    mem = _get(results, "memory")
    if not isinstance(mem, dict):
        return
    if mem.get("flat") is not None:
        peak = _get(mem, "peak_mib_over_baseline", "spotify_async")
        by_items = _get(mem, "by_items", "spotify_async") or {}
        sizes = sorted((int(n) for n in by_items), reverse=True)
        goal: dict[str, Any] = {
            "goal": GOALS["memory"],
            "figure": {"peak_mib_over_baseline": peak, "by_items": by_items},
            "met": peak is not None and peak <= 40 and bool(mem["flat"]),
        }
        if not sizes or sizes[0] != MEMORY_STREAM_ITEMS:
            measured = " and ".join(f"{n:,}" for n in sizes)
            goal["note"] = f"measured at {measured} items, not the goal's {MEMORY_STREAM_ITEMS:,} (full profile)"
        out["memory"] = goal
    collect = _get(mem, "collect")
    if isinstance(collect, dict) and collect.get("peak_mb_over_baseline") is not None:
        held = collect["peak_mb_over_baseline"]
        goal = {
            "goal": GOALS["memory_collect"],
            "figure": {"items": collect["items"], "peak_mb_over_baseline": round(held, 1)},
            "met": collect["items"] >= MEMORY_COLLECT_ITEMS and held <= 60,
        }
        if collect["items"] != MEMORY_COLLECT_ITEMS:
            goal["note"] = f"measured at {collect['items']:,} items, not the goal's {MEMORY_COLLECT_ITEMS:,}"
        out["memory_collect"] = goal
    kept = _get(mem, "kept_entry", "bytes_per_entry")
    if kept is not None:
        out["memory_kept_entry"] = {"goal": GOALS["memory_kept_entry"], "figure": round(kept), "met": kept <= 4096}


def caching_goals(results: dict[str, Any], out: dict[str, dict[str, Any]]) -> None:
    """The caching scenario's two goals (see benchmarks/caching.py)."""
    bot = _get(results, "caching", "bot", "clients")
    if isinstance(bot, dict):
        per = {name: v["requests_per_1000_answers"] for name, v in bot.items() if isinstance(v, dict)}
        peers = [v for name, v in per.items() if not name.startswith("spotify_async") and v]
        ttl, defaults = per.get("spotify_async_catalog_ttl"), per.get("spotify_async")
        if peers and ttl and defaults:
            met = all(ttl * 5 <= p for p in peers) and all(defaults < p for p in peers)
            out["bot"] = {"goal": GOALS["bot"], "figure": per, "met": met}
    change = _get(results, "caching", "miss_overhead", "change")
    share = _get(results, "caching", "miss_overhead", "layer_cost_share")
    if change is not None and share is not None:
        figure = {"end_to_end_change": change, "layers_share_of_a_miss": share}
        out["miss_overhead"] = {
            "goal": GOALS["miss_overhead"],
            "figure": figure,
            "met": change <= 0.03 and share <= 0.03,
        }


async def _main(prof: Profile, names: list[str], table: Table) -> dict[str, Any]:
    results: dict[str, Any] = {}
    for name in names:
        started = time.perf_counter()
        print(f"\n== {name} ({prof.name}) ==", flush=True)
        results[RESULT_KEYS[name]] = await SCENARIOS[name](prof, table)
        results[RESULT_KEYS[name]]["scenario_seconds"] = round(time.perf_counter() - started, 1)
    return results


def _rounds(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--rounds takes a whole number of rounds, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"--rounds must be at least 1, got {value}")
    return value


def parse(argv: list[str] | None = None) -> tuple[argparse.Namespace, Profile, list[str]]:
    """The command line: its arguments, the profile it asks for (``--rounds`` applied) and the scenario names."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0] if __doc__ else ""
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="smaller sizes, about five minutes for every scenario")
    size.add_argument("--smoke", action="store_true", help="tiny sizes: checks the harness runs, figures mean little")
    parser.add_argument(
        "--rounds",
        type=_rounds,
        default=None,
        metavar="N",
        help="alternating rounds of the overhead scenario (default: the profile's, 3 quick, 5 full); more rounds "
        "narrow its median on a noisy machine, each costs a few seconds",
    )
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="write the results here")
    parser.add_argument(
        "--markdown", type=Path, default=None, metavar="PATH", help="write the table, machine and goals as Markdown"
    )
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help=f"comma-separated subset of {','.join(SCENARIOS)}"
    )
    args = parser.parse_args(argv)
    names = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in names if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    prof = profile("smoke" if args.smoke else "quick" if args.quick else "full")
    if args.rounds is not None:
        prof = dataclasses.replace(prof, overhead_rounds=args.rounds)
    return args, prof, names


def main(argv: list[str] | None = None) -> int:
    args, prof, names = parse(argv)
    info = machine()
    print(f"{info['machine']}, Python {info['python']}; profile {prof.name}")
    table = Table()
    started = time.perf_counter()
    results: dict[str, Any] = {
        **info,
        "profile": prof.name,
        "command": "python -m benchmarks " + " ".join(argv if argv is not None else sys.argv[1:]),
        "versions": versions(),
        "settings": settings(),
    }
    results.update(asyncio.run(_main(prof, names, table)))
    results["missing_peers"] = missing_peers()
    results["goals"] = check_goals(results)
    results["seconds"] = round(time.perf_counter() - started, 1)
    results["settings"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]

    print("\n" + table.render())
    print("\ngoals:")
    for name, goal in results["goals"].items():
        print(
            f"  {'met   ' if goal['met'] else 'MISSED'} {name}: {goal['goal']} (figure: {goal['figure']}){_extra(goal)}"
        )
    if results["missing_peers"]:
        print(f"not installed (figures null): {', '.join(results['missing_peers'])}")
    print(f"total {results['seconds']} s")
    if args.json is not None:
        args.json.write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2) + b"\n")
        print(f"wrote {args.json}")
    if args.markdown is not None:
        args.markdown.write_text(markdown(results, table), encoding="utf-8")
        print(f"wrote {args.markdown}")
    return 0


def _extra(goal: dict[str, Any]) -> str:
    """What a goal's line adds to its figure: the rounds' spread, and a note when the sizes are not the goal's."""
    out = ""
    if goal.get("spread"):
        spread = ", ".join(f"{k}: {v[0]:.2f}-{v[1]:.2f}x" for k, v in goal["spread"].items() if v)
        out += f"; per round {spread} over {goal.get('rounds')} round(s)"
    if goal.get("note"):
        out += f"; NOTE {goal['note']}"
    return out


def markdown(results: dict[str, Any], table: Table) -> str:
    """The run as Markdown: command, machine, versions and settings, the table, the goals."""
    v = results["versions"]
    peers = ", ".join(
        f"{name} {v.get(name) or 'absent'}" for name in ("tekore", "httpx", "sniffio", "spotipy", "spotifyaio")
    )
    lines = [
        f"Command: `{results['command']}` ({results['seconds']:.0f} s)",
        "",
        f"Machine: {results['machine']}; Python {results['python']}; "
        f"load average at start {results['settings']['load_average']}, at end {results['settings']['load_average_end']}",
        "",
        f"Versions: spotify_async {v.get('spotify_async')}, aiohttp {v.get('aiohttp')}, orjson {v.get('orjson')}, "
        f"cattrs {v.get('cattrs')}; peers: {peers}",
        "",
        table.markdown(),
        "",
        "| goal | figure | met |",
        "| --- | --- | --- |",
    ]
    for name, goal in results["goals"].items():
        met = "yes" if goal["met"] else "**no**"
        lines.append(f"| {name}: {goal['goal']} | {goal['figure']}{_extra(goal)} | {met} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
