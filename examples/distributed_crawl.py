"""Several crawler processes pacing themselves as one app through Redis, against FakeSpotify's hidden rate limit.

The parent starts FakeSpotify with a hidden rolling-window limit (``--budget`` requests per ``--window`` seconds, the
scaled-down stand-in for Spotify's 30 s window), then ``--processes`` worker processes (multiprocessing, spawn). Each
worker makes ``--calls`` track lookups through one :class:`~spotify_async.Spotify` session whose rate budget, 429 gate
and token live in Redis (``spotify_async.distributed.connect``); coalescing and the HTTP cache are off, so that every
lookup is a request. Workers start together (a barrier in Redis) so the
token is needed by all of them at the same instant.

By default the workers are given the budget (as a user who knows their quota would); ``--no-budget`` gives them only
the window, so the shared adaptive pace has to find the limit from 429s. The parent writes::

    {"calls_ok", "failed", "share_429", "token_requests", "budget", "max_rate_per_window", ...}

``max_rate_per_window`` is the most requests FakeSpotify saw in any window (429s included).

    python examples/distributed_crawl.py --processes 4 --calls 2000 --redis auto --json out.json

``--redis auto`` starts a throw-away ``redis-server`` (from PATH) on a free port; otherwise pass ``redis://...``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from spotify_async import ClientCredentials, Config, HttpCache, RateBudget, Spotify
from spotify_async.distributed import connect


# ---------------------------------------------------------------------------------------------------------- worker
async def _barrier(co: Any, name: str, parties: int, timeout: float = 60.0) -> None:
    """Wait (bounded) until ``parties`` workers arrived, so they all start at once."""
    backend = co.backend
    await backend.execute("barrier", "INCR", name)
    await backend.execute("barrier", "EXPIRE", name, 600)
    deadline = time.monotonic() + timeout
    while int(await backend.execute("barrier", "GET", name)) < parties:
        if time.monotonic() > deadline:
            raise TimeoutError("not every worker reached the start line")
        await asyncio.sleep(0.01)


async def _worker(job: dict[str, Any]) -> dict[str, Any]:
    budget = RateBudget(limit=job["client_budget"], window=job["window"])
    # every call is a request: the ids repeat, and with coalescing and the HTTP cache on, most calls would share a
    # request or be answered from memory; this example measures the shared budget and gate, not the cache
    no_cache = HttpCache(enabled=False)
    config = Config(budget=budget, max_concurrency=job["concurrency"], max_wait=120.0, cache=no_cache, coalesce=False)
    ids: list[str] = job["ids"]
    calls: int = job["calls"]
    errors: Counter[str] = Counter()
    ok = 0
    async with connect(job["redis"], client_id=job["client_id"], budget=budget, namespace=job["namespace"]) as co:
        auth = co.auth(ClientCredentials(job["client_id"], job["client_secret"]))
        async with Spotify(
            auth,
            api_base=job["api_base"],
            accounts_base=job["accounts_base"],
            config=config,
            limiter=co.limiter,
            gate=co.gate,
        ) as sp:
            await _barrier(co, f"{job['namespace']}:barrier", job["processes"])
            started = time.monotonic()

            async def one(i: int) -> bool:
                await sp.tracks.get(ids[(job["index"] * 7919 + i) % len(ids)])
                return True

            results = await asyncio.gather(*(one(i) for i in range(calls)), return_exceptions=True)
            elapsed = time.monotonic() - started
            samples: dict[str, str] = {}
            for result in results:
                if result is True:
                    ok += 1
                else:
                    errors[type(result).__name__] += 1
                    samples.setdefault(type(result).__name__, str(result)[:300])
            stats = sp.stats
        return {
            "calls_ok": ok,
            "failed": calls - ok,
            "errors": dict(errors),
            "error_samples": samples,
            "elapsed": round(elapsed, 3),
            "token_requests": auth.token_requests,
            "tokens_adopted": auth.adopted,
            "rate_limited_seen": stats["rate_limited"],
            "budget_waited_s": round(stats["budget_waited"], 3),
            "gate_waited_s": round(stats["gate_waited"], 3),
            "decreases_triggered": co.limiter.decreases,
            "gate_closures": co.gate.closures,
            "final_limit": co.limiter.current_limit,
        }


def worker_main(job: dict[str, Any]) -> dict[str, Any]:
    """Entry point of one worker process."""
    return asyncio.run(_worker(job))


# ---------------------------------------------------------------------------------------------------------- parent
class _TemporaryRedis:
    """``--redis auto``: a redis-server on a free port in a temporary directory, stopped at exit."""

    def __enter__(self) -> str:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("--redis auto needs redis-server on PATH")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self._dir = tempfile.TemporaryDirectory(prefix="distributed-crawl-redis-")
        self._proc = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self._dir.name,
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline or self._proc.poll() is not None:
                    raise SystemExit("redis-server did not start") from None
                time.sleep(0.05)
        return f"redis://127.0.0.1:{port}/0"

    def __exit__(self, *exc: object) -> None:
        self._proc.terminate()
        self._proc.wait(timeout=10)
        self._dir.cleanup()


async def _cleanup(redis_url: str, namespace: str) -> None:
    import redis.asyncio as redis_asyncio

    client = redis_asyncio.Redis.from_url(redis_url, socket_timeout=2)
    try:
        keys = [key async for key in client.scan_iter(match=f"{namespace}:*", count=500)]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def run(args: argparse.Namespace, redis_url: str) -> dict[str, Any]:
    from spotify_async.testing import FakeSpotify

    namespace = f"crawl-{uuid.uuid4().hex[:8]}"
    async with FakeSpotify(rate_limit=(args.budget, args.window)) as fake:
        ids = fake.catalog.tracks[:500]
        jobs = [
            {
                "index": i,
                "processes": args.processes,
                "calls": args.calls,
                "ids": ids,
                "redis": redis_url,
                "namespace": namespace,
                "client_id": fake.client_id,
                "client_secret": fake.client_secret,
                "api_base": fake.api_base,
                "accounts_base": fake.accounts_base,
                "client_budget": None if args.no_budget else args.budget,
                "window": args.window,
                "concurrency": args.concurrency,
            }
            for i in range(args.processes)
        ]
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=args.processes, mp_context=context) as pool:
            workers = await asyncio.gather(*(loop.run_in_executor(pool, worker_main, job) for job in jobs))
        elapsed = time.monotonic() - started
        stats = fake.stats
        api_requests = stats.api_requests
        max_rate = stats.max_in_window(args.window)
        result: dict[str, Any] = {
            "calls_ok": sum(w["calls_ok"] for w in workers),
            "failed": sum(w["failed"] for w in workers),
            "share_429": round(stats.rate_limited / api_requests, 5) if api_requests else 0.0,
            "token_requests": stats.token_requests,
            "budget": args.budget,
            "max_rate_per_window": max_rate,
            "window_s": args.window,
            "over_budget_pct": round(100.0 * (max_rate - args.budget) / args.budget, 2),
            "client_given_budget": not args.no_budget,
            "processes": args.processes,
            "calls_per_process": args.calls,
            "api_requests": api_requests,
            "responses_429": stats.rate_limited,
            "elapsed_s": round(elapsed, 2),
            "throughput_per_s": round(sum(w["calls_ok"] for w in workers) / elapsed, 1),
            "ideal_throughput_per_s": round(args.budget / args.window, 1),
            "workers": workers,
        }
    await _cleanup(redis_url, namespace)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--calls", type=int, default=2000, help="calls per process")
    parser.add_argument("--redis", default="auto", help="redis:// URL, or 'auto' for a temporary redis-server")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--budget", type=int, default=1000, help="FakeSpotify's hidden limit per window")
    parser.add_argument("--window", type=float, default=3.0, help="the (scaled) rolling window in seconds")
    parser.add_argument("--concurrency", type=int, default=64, help="requests in flight per process")
    parser.add_argument("--no-budget", action="store_true", help="do not tell the clients the budget")
    args = parser.parse_args(argv)
    if args.redis == "auto":
        with _TemporaryRedis() as url:
            result = asyncio.run(run(args, url))
    else:
        result = asyncio.run(run(args, args.redis))
    text = json.dumps(result, indent=2)
    if args.json is not None:
        args.json.write_text(text + "\n")
    summary = {k: v for k, v in result.items() if k != "workers"}
    print(json.dumps(summary, indent=2))
    return 0 if result["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
