"""A/B of the request path's own choices: what each bought, measured in one process against the same server.

Run ``python -m benchmarks.request_path_ab`` (``--chunk``, ``--pairs``, ``--concurrency 64,8``). One FakeSpotify
process; the raw floor (``aiohttp_floor``) and one spotify_async session per variant, each warmed past the discovery
of its rate limit. Then small batches of ``GET /tracks/{id}`` (``--chunk`` each) alternate between the clients, the
order reversed every other pair, so the drift of a shared machine falls on every client alike; each batch's CPU per
request (``time.process_time``) is divided by the floor's batch next to it. Printed per variant: the median CPU per
request, the median of those per-batch ratios with their interquartile range, and the cyclic collector's young
collections per 1,000 requests.

Variants (each a default session with one thing put back as it was, so its row shows what the change bought):

* ``default``: the session as shipped;
* ``aiohttp_total``: ``Timeouts.total`` kept by aiohttp per request (a timer handle, a timeout handle and a timer
  context for each), instead of the scheduler's one timer for all (``spotify_async/http/deadline.py``);
* ``string_url``: the URL handed to aiohttp as a string, parsed by it for every request, instead of built from its
  encoded parts;
* ``no_coalescing``: ``Config(coalesce=False)``, the attempt run in the caller's task instead of a flight task.

``--eager-tasks`` runs the loop with ``asyncio.eager_task_factory`` (Python 3.12 and newer), every client alike. It
reports; it judges nothing (the goals are judged by ``python -m benchmarks``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp

from spotify_async import Config

from ._clients import Client, SpotifyAsync, make_clients
from ._server import app_token, fake_process

__all__ = ["VARIANTS", "alternate", "main", "report"]


def _as_shipped(client: SpotifyAsync) -> None:
    return None


def _aiohttp_total(client: SpotifyAsync) -> None:
    assert client.sp is not None
    scheduler = client.sp.scheduler
    total = client.sp.config.timeouts.total
    scheduler.deadlines = None
    http = client.sp.pipeline._http()
    # the session's own timeout, as it was built before the scheduler kept the total
    http._timeout = aiohttp.ClientTimeout(
        total=total, connect=scheduler.timeout.connect, sock_read=scheduler.timeout.sock_read
    )


def _string_url(client: SpotifyAsync) -> None:
    assert client.sp is not None
    client.sp.scheduler._target = lambda api_base, path: api_base + path  # type: ignore[method-assign,assignment,return-value]


VARIANTS: dict[str, tuple[Config, Callable[[SpotifyAsync], None]]] = {
    "default": (Config(), _as_shipped),
    "aiohttp_total": (Config(), _aiohttp_total),
    "string_url": (Config(), _string_url),
    "no_coalescing": (Config(coalesce=False), _as_shipped),
}


@contextlib.contextmanager
def _young_collections(counter: list[int]) -> Iterator[None]:
    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "start" and info["generation"] == 0:
            counter[0] += 1

    gc.callbacks.append(callback)
    try:
        yield
    finally:
        gc.callbacks.remove(callback)


async def run(chunk: int, pairs: int, concurrencies: list[int], names: list[str], *, eager: bool = False) -> None:
    if eager:  # every client's tasks, the floor's included, start eagerly (Python 3.12+)
        asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined,unused-ignore]
    async with fake_process() as server:
        token = await app_token(server)
        ids: list[str] = list(server.catalog.tracks)
        clients: list[Client] = make_clients(server, token, ["aiohttp_floor"])
        for name in names:
            clients.append(SpotifyAsync(server, token, VARIANTS[name][0], name=name))
        for client in clients:
            await client.open()
        try:
            for client in clients:
                await client.get_tracks(ids[:256], 64)  # the session and its first connections exist
            for client in clients[1:]:
                assert isinstance(client, SpotifyAsync)
                VARIANTS[client.name][1](client)
                await client.warm_past_discovery(ids, 64, batch=256, max_requests=8192, start=0)
            cpu, young = await alternate(clients, ids, chunk, pairs, concurrencies)
        finally:
            for client in clients:
                await client.close()
    report(clients, cpu, young, chunk, pairs, concurrencies)


Figures = dict[tuple[str, int], list[float]]


async def alternate(
    clients: list[Client], ids: list[str], chunk: int, pairs: int, concurrencies: list[int]
) -> tuple[Figures, Figures]:
    """Batches of ``chunk`` track GETs, every client in turn (the order reversed every other pair), ``pairs`` times at
    each concurrency: (CPU us per request, young collections per 1,000 requests), one figure per batch, by (client,
    concurrency). The first client is the floor every ratio is taken against."""
    cpu: Figures = {(c.name, k): [] for c in clients for k in concurrencies}
    young: Figures = {(c.name, k): [] for c in clients for k in concurrencies}
    cursor = 0
    for pair in range(pairs):
        for concurrency in concurrencies:
            for client in clients if pair % 2 == 0 else clients[::-1]:
                batch = [ids[(cursor + i) % len(ids)] for i in range(chunk)]
                cursor += chunk
                counter = [0]
                with _young_collections(counter):
                    started = time.process_time()
                    failed = await client.get_tracks(batch, concurrency)
                    spent = time.process_time() - started
                if failed:
                    raise RuntimeError(f"{client.name}: {failed} of {chunk} requests failed")
                cpu[(client.name, concurrency)].append(spent / chunk * 1e6)
                young[(client.name, concurrency)].append(counter[0] / chunk * 1000)
    return cpu, young


def report(
    clients: list[Client], cpu: Figures, young: Figures, chunk: int, pairs: int, concurrencies: list[int]
) -> None:
    """Print each client's median CPU per request, the median of its per-batch ratios to the first client's batch
    beside it (with their interquartile range), and its young collections per 1,000 requests."""
    width = max(14, *(len(c.name) for c in clients))
    for concurrency in concurrencies:
        floor = cpu[(clients[0].name, concurrency)]
        print(f"{concurrency} in flight, {pairs} batches of {chunk} per client:")
        for client in clients:
            figures = cpu[(client.name, concurrency)]
            ratios = [value / base for value, base in zip(figures, floor, strict=True)]
            q1, _, q3 = statistics.quantiles(ratios, n=4)
            print(
                f"  {client.name:{width}s} {statistics.median(figures):7.1f} us CPU/req  "
                f"{statistics.median(ratios):.3f}x the floor (IQR {q1:.3f}-{q3:.3f})  "
                f"young GC {statistics.median(young[(client.name, concurrency)]):5.1f}/1,000"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chunk", type=int, default=500, help="requests per batch (default 500)")
    parser.add_argument("--pairs", type=int, default=20, help="batches per client and concurrency (default 20)")
    parser.add_argument("--concurrency", default="64,8", help="comma-separated requests in flight (default 64,8)")
    parser.add_argument(
        "--variants", default=",".join(VARIANTS), help=f"comma-separated, of {', '.join(VARIANTS)} (default all)"
    )
    parser.add_argument(
        "--eager-tasks",
        action="store_true",
        help="run the loop with asyncio.eager_task_factory (Python 3.12 and newer), every client alike",
    )
    args = parser.parse_args(argv)
    names = [name for name in args.variants.split(",") if name]
    unknown = [name for name in names if name not in VARIANTS]
    if unknown or not names or args.chunk < 1 or args.pairs < 4:
        parser.error(f"variants must be among {', '.join(VARIANTS)}; --chunk >= 1; --pairs >= 4")
    if args.eager_tasks and not hasattr(asyncio, "eager_task_factory"):
        parser.error("--eager-tasks needs Python 3.12 or newer")
    concurrencies = [int(value) for value in args.concurrency.split(",")]
    asyncio.run(run(args.chunk, args.pairs, concurrencies, names, eager=args.eager_tasks))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
