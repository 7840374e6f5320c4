"""Token stores: the protocol, the memory store, and the file store (0600, atomic, concurrent writers, errors that
never quote the file)."""

from __future__ import annotations

import asyncio
import os
import stat
import time
from pathlib import Path

import orjson
import pytest

from spotify_async import FileTokenStore, InvalidInput, MemoryTokenStore, SpotifyError, Token, TokenStore

EXPIRES = time.time() + 3600


def tok(n: int) -> Token:
    return Token(f"access-{n}", refresh_token=f"refresh-{n}", expires_at=EXPIRES, scopes="user-top-read")


async def test_both_stores_follow_the_protocol(tmp_path: Path) -> None:
    for store in (MemoryTokenStore(), FileTokenStore(tmp_path / "t.json")):
        assert isinstance(store, TokenStore)
        assert await store.load("alice") is None
        await store.save("alice", tok(1))
        await store.save("bob", tok(2))
        await store.save("alice", tok(3))
        assert await store.load("alice") == tok(3)
        assert await store.load("bob") == tok(2)
        await store.delete("alice")
        await store.delete("alice")  # deleting twice is fine
        assert await store.load("alice") is None
        with pytest.raises(InvalidInput):
            await store.save("", tok(1))


async def test_token_file_is_0600_and_survives_a_new_store(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "tokens.json"
    await FileTokenStore(path).save("alice", tok(1))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert await FileTokenStore(path).load("alice") == tok(1)
    # a file made readable by others is tightened on the next write
    path.chmod(0o644)
    await FileTokenStore(path).save("bob", tok(2))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(orjson.loads(path.read_bytes())["tokens"]) == ["alice", "bob"]


async def test_concurrent_writers_lose_nothing_and_leave_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    stores = [FileTokenStore(path), FileTokenStore(path)]  # two store objects on one file, same process
    await asyncio.gather(*(stores[i % 2].save(f"user{i}", tok(i)) for i in range(60)))
    keys = await stores[0].keys()
    assert sorted(keys) == sorted(f"user{i}" for i in range(60))
    for i in (0, 31, 59):
        assert await stores[1].load(f"user{i}") == tok(i)
    assert sorted(os.listdir(tmp_path)) == [".tokens.json.lock", "tokens.json"]  # the lock's sidecar, no temp files


async def test_the_loop_keeps_running_while_the_file_is_written(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.ensure_future(ticker())
    await asyncio.gather(*(store.save(f"u{i}", tok(i)) for i in range(20)))
    task.cancel()
    assert ticks > 20  # the writes ran in worker threads while the loop went on


async def test_a_corrupt_file_is_reported_without_its_content(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    path.write_text('{"tokens": {"alice": {"access_token": "leaked-secret"')
    with pytest.raises(SpotifyError) as info:
        await FileTokenStore(path).load("alice")
    assert "not valid JSON" in str(info.value)
    assert "leaked-secret" not in str(info.value)
    path.write_text("[1, 2]")
    with pytest.raises(SpotifyError, match="unexpected layout"):
        await FileTokenStore(path).load("alice")


async def test_a_read_only_directory_can_still_be_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tokens.json"
    store = FileTokenStore(path)
    await store.save("alice", tok(1))
    real_open = os.open

    def no_lock_file(name: str | os.PathLike[str], flags: int, mode: int = 0o777) -> int:
        if str(name).endswith(".lock"):
            raise PermissionError(13, "Permission denied")  # what a read-only directory says
        return real_open(name, flags, mode)

    monkeypatch.setattr(os, "open", no_lock_file)
    assert await store.load("alice") == tok(1)  # reads need no lock there: writers cannot work there either
    with pytest.raises(PermissionError):
        await store.save("bob", tok(2))  # a write still needs the lock
