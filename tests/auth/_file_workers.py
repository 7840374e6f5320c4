"""Entry points of the processes the FileTokenStore tests start (multiprocessing, spawn): importable by name."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

from spotify_async import FileTokenStore, Token


def token(name: str) -> Token:
    return Token(access_token=f"access-{name}", refresh_token=f"refresh-{name}", expires_at=2_000_000_000.0)


async def _hammer(path: str, worker: int, rounds: int, keys: int, start_at: float) -> int:
    store = FileTokenStore(path, lock_timeout=30)
    delay = start_at - time.time()
    if delay > 0:
        await asyncio.sleep(delay)
    torn = 0
    for r in range(rounds):
        await store.save(f"w{worker}-k{r % keys}", token(f"w{worker}-r{r}"))
        # read a peer's key while everyone writes: it is a whole token or nothing, never a torn one
        seen = await store.load(f"w{(worker + 1) % 4}-k{r % keys}")
        if seen is not None and not seen.access_token.startswith("access-w"):
            torn += 1
    return torn


def hammer(path: str, worker: int, rounds: int, keys: int, start_at: float) -> int:
    """Save ``rounds`` tokens under ``keys`` keys of this worker's own, loading a peer's key after each."""
    return asyncio.run(_hammer(path, worker, rounds, keys, start_at))


def stall_mid_write(path: str, ready: str) -> None:
    """Start a save and stop inside it, after the temporary file is written and before it replaces the token file."""

    def fsync(fd: int) -> None:
        Path(ready).write_text("writing")
        time.sleep(60)  # the test kills us here

    os.fsync = fsync
    asyncio.run(FileTokenStore(path).save("victim", token("victim")))


def write_forever(path: str) -> None:
    """Save a new token as fast as possible until killed."""

    async def loop() -> None:
        store = FileTokenStore(path)
        n = 0
        while True:
            n += 1
            await store.save(f"k{n % 3}", token(f"n{n}"))

    asyncio.run(loop())
