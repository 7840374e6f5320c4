"""FileTokenStore shared by several real processes on one machine: nothing lost and nothing torn when four save and
load at once, and temporary files of writers killed mid-write (SIGKILL) removed by the next load or save."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import orjson
import pytest

from spotify_async import FileTokenStore

from . import _file_workers

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="POSIX advisory locks")

SPAWN = multiprocessing.get_context("spawn")


def _temp_files(directory: Path) -> list[str]:
    return [name for name in os.listdir(directory) if name.endswith(".tmp")]


def test_processes_saving_and_loading_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    workers, rounds, keys = 4, 40, 5
    start_at = time.time() + 3.0  # all four start together, once their interpreters are up
    started = time.monotonic()
    with ProcessPoolExecutor(workers, mp_context=SPAWN) as pool:
        futures = [pool.submit(_file_workers.hammer, str(path), w, rounds, keys, start_at) for w in range(workers)]
        torn = [f.result(timeout=120) for f in futures]
    assert time.monotonic() - started < 120
    assert torn == [0] * workers
    stored = orjson.loads(path.read_bytes())["tokens"]
    # every worker's last write of every key is there: no read-modify-write of one process undid another's
    expected = {
        f"w{w}-k{k}": f"access-w{w}-r{max(r for r in range(rounds) if r % keys == k)}"
        for w in range(workers)
        for k in range(keys)
    }
    assert {key: entry["access_token"] for key, entry in stored.items()} == expected
    assert _temp_files(tmp_path) == []


async def test_a_writer_killed_mid_write_leaves_nothing_after_the_next_load(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    store = FileTokenStore(path, lock_timeout=5)
    await store.save("alice", _file_workers.token("alice"))
    ready = tmp_path / "ready"
    process = SPAWN.Process(target=_file_workers.stall_mid_write, args=(str(path), str(ready)))
    process.start()
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert time.monotonic() < deadline, "the writer never reached its write"
            await asyncio.sleep(0.02)
        os.kill(process.pid or 0, signal.SIGKILL)
        process.join(10)
    finally:
        if process.is_alive():
            process.kill()
            process.join(5)
    assert process.exitcode == -signal.SIGKILL
    leftovers = _temp_files(tmp_path)
    assert len(leftovers) == 1  # the killed writer's temporary file, holding a token
    assert b"access-victim" in (tmp_path / leftovers[0]).read_bytes()
    started = time.monotonic()
    assert await store.load("alice") == _file_workers.token("alice")  # the lock died with its holder
    assert time.monotonic() - started < 5
    assert _temp_files(tmp_path) == []
    assert await store.load("victim") is None  # the killed write never happened


async def test_random_kills_leave_a_whole_file_and_no_temporary_files(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    rng = random.Random(13)
    left_behind = 0
    for _ in range(12):
        process = SPAWN.Process(target=_file_workers.write_forever, args=(str(path),))
        process.start()
        deadline = time.monotonic() + 30
        while not path.exists():
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
        await asyncio.sleep(rng.uniform(0.0, 0.05))
        os.kill(process.pid or 0, signal.SIGKILL)
        process.join(10)
        left_behind += len(_temp_files(tmp_path))
        # whatever the kill interrupted, the file is whole
        doc = orjson.loads(path.read_bytes())
        assert set(doc["tokens"]) <= {"k0", "k1", "k2"}
    await FileTokenStore(path, lock_timeout=5).save("after", _file_workers.token("after"))
    assert _temp_files(tmp_path) == []
    assert "after" in orjson.loads(path.read_bytes())["tokens"]
    print(f"temporary files found after kills (then removed): {left_behind}")


async def test_waiting_for_the_lock_is_bounded(tmp_path: Path) -> None:
    import fcntl

    from spotify_async import SpotifyError

    path = tmp_path / "tokens.json"
    store = FileTokenStore(path, lock_timeout=0.2)
    await store.save("alice", _file_workers.token("alice"))
    holder = os.open(tmp_path / ".tokens.json.lock", os.O_RDWR)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # another process would hold it like this
        started = time.monotonic()
        with pytest.raises(SpotifyError, match="stayed locked"):
            await store.load("alice")
        waited = time.monotonic() - started
        assert 0.2 <= waited < 3
    finally:
        os.close(holder)
    assert await store.load("alice") == _file_workers.token("alice")  # free again
