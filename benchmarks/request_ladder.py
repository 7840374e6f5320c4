"""The ladder from the raw floor to the session: what each layer of the request path costs, measured in one process.

Run ``python -m benchmarks.request_ladder`` (``--chunk``, ``--pairs``, ``--concurrency 64,8``). One FakeSpotify
process and one client per rung, each rung the one before it with one thing more, in the alternating batches of
:mod:`benchmarks.request_path_ab` (the floor's batch beside each; the order reversed every other pair):

* ``aiohttp_floor``: aiohttp as its users write it (``benchmarks/_clients.py``);
* ``aiohttp_as_session``: aiohttp driven as the session drives it: the session's own ``ClientSession`` (its
  connector, headers and timeouts), the URL the scheduler builds, the Authorization header per request;
* ``flight_task``: and each request run in a task of its own, the caller waiting on a future the task completes (the
  coalescer's shape, without its bookkeeping);
* ``structured``: and the body structured into a ``Track`` as a call does (``parse_body``);
* ``session_bare``: the session, its cache and its coalescer off;
* ``session_no_cache``: the session, its cache off;
* ``spotify_async``: the session as shipped.

The first three rungs reuse the session's own objects, so they measure what the session does and not a copy of it.
It reports; it judges nothing (the goals are judged by ``python -m benchmarks``).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
from typing import Any

import orjson

from spotify_async import Config
from spotify_async.config import HttpCache
from spotify_async.http.call import parse_body
from spotify_async.http.response import Response
from spotify_async.models import Track
from spotify_async.testing import FakeSpotifyProcess

from ._clients import Client, SpotifyAsync, drive, make_clients
from ._server import app_token, fake_process
from .request_path_ab import alternate, report

__all__ = ["RUNGS", "SessionRung", "main"]


class SessionRung(Client):
    """A rung below the session: its aiohttp session, URL and headers, optionally a flight task and structuring."""

    def __init__(self, server: FakeSpotifyProcess, token: str, name: str, *, task: bool, structure: bool) -> None:
        super().__init__(server, token)
        self.name = name
        self.task = task
        self.structure = structure
        self.owner = SpotifyAsync(server, token, name=name)

    async def open(self) -> None:
        await self.owner.open()

    async def close(self) -> None:
        await self.owner.close()

    async def get_tracks(self, ids: Sequence[str], concurrency: int) -> int:
        sp = self.owner.sp
        assert sp is not None
        http = sp.pipeline._http()
        scheduler = sp.scheduler
        base = self.server.api_base
        headers = {"Authorization": f"Bearer {self.token}"}
        loop = asyncio.get_running_loop()

        async def read(track_id: str) -> tuple[int, bytes]:
            async with http.request("GET", scheduler._target(base, "/tracks/" + track_id), headers=headers) as resp:
                return resp.status, await resp.read()

        async def fly(track_id: str, waiter: asyncio.Future[tuple[int, bytes]]) -> None:
            try:
                answer = await read(track_id)
            except Exception as exc:
                waiter.set_exception(exc)
            else:
                waiter.set_result(answer)

        async def fetch(track_id: str) -> Any:
            if self.task:
                waiter: asyncio.Future[tuple[int, bytes]] = loop.create_future()
                flight = loop.create_task(fly(track_id, waiter))  # held while it runs, as the coalescer holds it
                status, body = await waiter
                del flight
            else:
                status, body = await read(track_id)
            if status != 200:
                raise RuntimeError(f"HTTP {status}")
            if not self.structure:
                return orjson.loads(body)
            response = Response(200, {}, body, "GET", base + "/tracks/" + track_id, "get-track")
            return parse_body(sp, response, Track, None)

        return await drive(fetch, ids, concurrency)


#: (name, what the rung adds), bottom to top
RUNGS: tuple[tuple[str, str], ...] = (
    ("aiohttp_floor", "aiohttp as its users write it"),
    ("aiohttp_as_session", "the session's aiohttp session, URL and headers"),
    ("flight_task", "a task per request, the caller on a future"),
    ("structured", "the body structured into a Track"),
    ("session_bare", "the session, cache and coalescer off"),
    ("session_no_cache", "the session, cache off"),
    ("spotify_async", "the session as shipped"),
)


def _clients(server: FakeSpotifyProcess, token: str) -> list[Client]:
    return [
        *make_clients(server, token, ["aiohttp_floor"]),
        SessionRung(server, token, "aiohttp_as_session", task=False, structure=False),
        SessionRung(server, token, "flight_task", task=True, structure=False),
        SessionRung(server, token, "structured", task=True, structure=True),
        SpotifyAsync(server, token, Config(coalesce=False, cache=HttpCache(enabled=False)), name="session_bare"),
        SpotifyAsync(server, token, Config(cache=HttpCache(enabled=False)), name="session_no_cache"),
        SpotifyAsync(server, token, Config(), name="spotify_async"),
    ]


async def run(chunk: int, pairs: int, concurrencies: list[int]) -> None:
    async with fake_process() as server:
        token = await app_token(server)
        ids: list[str] = list(server.catalog.tracks)
        clients = _clients(server, token)
        for client in clients:
            await client.open()
        try:
            for client in clients:
                await client.get_tracks(ids[:256], 64)  # the sessions and their first connections exist
                if isinstance(client, SpotifyAsync):
                    await client.warm_past_discovery(ids, 64, batch=256, max_requests=8192, start=0)
            cpu, young = await alternate(clients, ids, chunk, pairs, concurrencies)
        finally:
            for client in clients:
                await client.close()
    for name, adds in RUNGS:
        print(f"  {name:18s} {adds}")
    report(clients, cpu, young, chunk, pairs, concurrencies)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--chunk", type=int, default=500, help="requests per batch (default 500)")
    parser.add_argument("--pairs", type=int, default=16, help="batches per client and concurrency (default 16)")
    parser.add_argument("--concurrency", default="64,8", help="comma-separated requests in flight (default 64,8)")
    args = parser.parse_args(argv)
    if args.chunk < 1 or args.pairs < 4:
        parser.error("--chunk >= 1; --pairs >= 4")
    asyncio.run(run(args.chunk, args.pairs, [int(value) for value in args.concurrency.split(",")]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
