"""A throw-away redis-server for the scenarios that share one budget between processes.

:func:`redis_server` starts ``redis-server`` (from PATH) on a free 127.0.0.1 port in a temporary directory, with no
persistence, and stops it on exit; every wait is bounded. When the binary is missing it yields ``None`` and the
multi-process runs are reported as ``null`` with a note, as missing peers are. :func:`shared_session` is one
process's client of such a run (the budget, gate and token shared through that server), and :func:`barrier` lines the
processes up before they start.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from spotify_async import ClientCredentials, Config, RateBudget, Spotify

__all__ = ["barrier", "job_session", "redis_server", "shared_session"]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


@contextmanager
def redis_server(timeout: float = 10.0) -> Iterator[str | None]:
    """``redis://127.0.0.1:<port>/0`` of a fresh server for the block, or None when redis-server is not installed."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="bench-redis-") as directory:
        port = _free_port()
        proc = subprocess.Popen(
            [
                binary,
                *("--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"),
                *("--dir", directory, "--loglevel", "warning"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + timeout
            while not _answers(port):
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not answer on port {port} within {timeout:g} s")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@asynccontextmanager
async def shared_session(
    redis_url: str,
    namespace: str,
    *,
    client_id: str,
    client_secret: str,
    api_base: str,
    accounts_base: str,
    budget: RateBudget,
    concurrency: int,
) -> AsyncIterator[tuple[Any, Spotify]]:
    """(coordination, session) of one process: a client-credentials app whose budget, 429 gate and token are shared
    through Redis under ``namespace``, extended mode, ``concurrency`` in flight; its token is fetched before the block,
    so a run measures the budget only."""
    from spotify_async.distributed import connect

    config = Config(budget=budget, max_concurrency=concurrency)
    async with connect(redis_url, client_id=client_id, budget=budget, namespace=namespace) as co:
        auth = co.auth(ClientCredentials(client_id, client_secret))
        async with Spotify(
            auth,
            api_base=api_base,
            accounts_base=accounts_base,
            mode="extended",
            config=config,
            limiter=co.limiter,
            gate=co.gate,
        ) as sp:
            await sp.tokens.get()
            yield co, sp


def job_session(job: dict[str, Any], concurrency: int) -> Any:
    """:func:`shared_session` of a worker process, from its job (``redis``, ``namespace``, ``client_id``,
    ``client_secret``, ``api_base``, ``accounts_base``, and the budget's ``limit`` and ``window``)."""
    return shared_session(
        job["redis"],
        job["namespace"],
        client_id=job["client_id"],
        client_secret=job["client_secret"],
        api_base=job["api_base"],
        accounts_base=job["accounts_base"],
        budget=RateBudget(limit=job["limit"], window=job["window"]),
        concurrency=concurrency,
    )


async def barrier(backend: Any, name: str, parties: int, timeout: float = 60.0) -> None:
    """Wait (bounded) until ``parties`` workers arrived, so that they start at the same instant."""
    await backend.execute("barrier", "INCR", name)
    await backend.execute("barrier", "EXPIRE", name, 600)
    deadline = time.monotonic() + timeout
    while int(await backend.execute("barrier", "GET", name)) < parties:
        if time.monotonic() > deadline:
            raise TimeoutError("not every worker reached the start line")
        await asyncio.sleep(0.005)
