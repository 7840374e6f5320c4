"""Token stores: where user tokens live between runs, keyed per user.

The :class:`TokenStore` protocol is three coroutines, so any backend fits (memory, a file, Redis, a database table):

* ``load(key)`` returns the stored :class:`~spotify_async.auth.Token` or ``None`` when there is none;
* ``save(key, token)`` replaces whatever was stored under ``key``;
* ``delete(key)`` forgets it (no error when nothing was stored).

Keys are opaque, non-empty strings chosen by the application (a Spotify user id, your own account id, ``"default"``
for a single-user tool). A store must tolerate concurrent calls from one event loop and must not block it. A store
serialises a token with :meth:`Token.to_dict` and rebuilds it with :meth:`Token.from_dict` (a JSON object with
``access_token``, ``refresh_token``, ``expires_at`` in epoch seconds, ``scopes`` and ``token_type``); a Redis store
keeps that JSON under ``prefix + key``. What is stored is a secret: stores never log it.

The user flows (:class:`~spotify_async.AuthorizationCode`, :class:`~spotify_async.PKCE`) call ``save`` with every new
token *before* it is used, so a rotated refresh token is never lost. Their ``on_change`` hook is the place to observe
changes; stores stay dumb.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import orjson

from ..errors import InvalidInput, SpotifyError
from .token import Token


def _no_flock(fd: int, operation: int) -> None:  # pragma: no cover - Windows: one process per file
    """Where ``fcntl`` is missing: no cross-process lock (see FileTokenStore)."""


try:
    import fcntl

    _flock: Callable[[int, int], None] = fcntl.flock
    _LOCK_EX_NB: int = fcntl.LOCK_EX | fcntl.LOCK_NB
    _LOCK_UN: int = fcntl.LOCK_UN
except ImportError:  # pragma: no cover - Windows
    _flock, _LOCK_EX_NB, _LOCK_UN = _no_flock, 0, 0

__all__ = ["FileTokenStore", "MemoryTokenStore", "TokenStore"]

log = logging.getLogger("spotify_async.auth")

_FORMAT_VERSION = 1

_REGISTRY_LOCK = threading.Lock()
#: absolute path -> the lock serialising its read-modify-write cycles in worker threads
_THREAD_LOCKS: dict[str, threading.Lock] = {}
#: event loop -> absolute path -> the lock queueing that loop's coroutines (forgotten with the loop)
_LOOP_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = weakref.WeakKeyDictionary()


@runtime_checkable
class TokenStore(Protocol):
    """Async storage for user tokens, keyed per user (see the module docstring for the contract)."""

    async def load(self, key: str) -> Token | None:
        """The token stored under ``key``, or ``None``."""
        ...

    async def save(self, key: str, token: Token) -> None:
        """Store ``token`` under ``key``, replacing any previous one."""
        ...

    async def delete(self, key: str) -> None:
        """Forget the token under ``key``; nothing happens when there is none."""
        ...


def _check_key(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise InvalidInput("a token store key must be a non-empty string")
    return key


class MemoryTokenStore:
    """Tokens in a dict: for tests, and for processes that re-authorize on every start."""

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}

    def __repr__(self) -> str:
        return f"MemoryTokenStore(keys={len(self._tokens)})"

    def __len__(self) -> int:
        return len(self._tokens)

    def keys(self) -> list[str]:
        return list(self._tokens)

    async def load(self, key: str) -> Token | None:
        return self._tokens.get(_check_key(key))

    async def save(self, key: str, token: Token) -> None:
        self._tokens[_check_key(key)] = token

    async def delete(self, key: str) -> None:
        self._tokens.pop(_check_key(key), None)


class FileTokenStore:
    """Every user's token in one JSON file, readable by its owner only (mode 0600), safe for many processes.

    Each change rewrites the file atomically: the new content goes to a temporary file (created 0600) in the same
    directory, is flushed to disk, and replaces the old file with ``os.replace``, so a crash leaves the old file or the
    new one, never half of either.

    Every read and every read-modify-write holds an advisory lock (``flock``) on a sidecar file,
    ``.<name>.lock`` beside the token file, so several processes on one machine can share the file: a change is
    never lost to a concurrent one, and nobody reads a file another process is rewriting. The lock is on the sidecar
    because the token file itself is replaced on every write. Waiting for it is bounded by ``lock_timeout`` seconds
    (then :class:`~spotify_async.errors.SpotifyError`); a process that dies holding it releases it (the kernel drops
    a dead process's locks). Within one process, changes are also serialised per file, whichever store object makes
    them (an ``asyncio.Lock`` per event loop and a thread lock), and all file I/O runs in a worker thread so the event
    loop never waits on the disk.

    Temporary files are only ever written under the lock, so any found while holding it were left by a process
    killed mid-write: they hold tokens, and every load or save removes them.

    Where ``fcntl`` does not exist (Windows) there is no cross-process lock: give each process its own file there,
    or use a shared store (Redis). The lock is advisory: it coordinates processes using this class, not other
    programs editing the file, and it is local to one machine (``flock`` over NFS is not dependable).
    """

    def __init__(self, path: str | os.PathLike[str], *, lock_timeout: float = 10.0) -> None:
        if not isinstance(lock_timeout, (int, float)) or not lock_timeout > 0:
            raise InvalidInput("lock_timeout must be a number of seconds > 0")
        self.path = Path(path).expanduser()
        self.lock_timeout = float(lock_timeout)
        self._lock_path = self.path.parent / f".{self.path.name}.lock"
        self._tmp_prefix = f".{self.path.name}."
        # locks belong to the file, not to this object: two stores on one path in one process must not race
        key = os.path.abspath(self.path)
        self._key = key
        with _REGISTRY_LOCK:
            self._thread_lock = _THREAD_LOCKS.setdefault(key, threading.Lock())

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    def _lock(self) -> asyncio.Lock:
        # one asyncio.Lock per loop and file: a lock bound to a closed loop (an earlier asyncio.run) is not reused
        locks = _LOOP_LOCKS.setdefault(asyncio.get_running_loop(), {})
        lock = locks.get(self._key)
        if lock is None:
            lock = locks[self._key] = asyncio.Lock()
        return lock

    async def load(self, key: str) -> Token | None:
        _check_key(key)
        async with self._lock():
            data = await asyncio.to_thread(self._read_locked)
        raw = data.get(key)
        return Token.from_dict(raw) if isinstance(raw, dict) else None

    async def save(self, key: str, token: Token) -> None:
        _check_key(key)
        entry = token.to_dict()
        async with self._lock():
            await asyncio.to_thread(self._update, key, entry)
        log.debug("token saved to file store (key of %d characters)", len(key))

    async def delete(self, key: str) -> None:
        _check_key(key)
        async with self._lock():
            await asyncio.to_thread(self._update, key, None)

    async def keys(self) -> list[str]:
        """The keys that have a token in the file."""
        async with self._lock():
            data = await asyncio.to_thread(self._read_locked)
        return list(data)

    # ---- blocking helpers (worker thread) -------------------------------------------------------------------

    def _read_locked(self) -> dict[str, Any]:
        with self._thread_lock:
            if not self.path.parent.is_dir():
                return {}
            with self._process_lock(reading=True):
                return self._read()

    @contextlib.contextmanager
    def _process_lock(self, *, reading: bool = False) -> Iterator[None]:
        """Hold the sidecar lock (exclusive, bounded by ``lock_timeout``), then sweep orphaned temporary files."""
        try:
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except PermissionError:
            if not reading:
                raise
            # a directory we may read but not write (a read-only deployment): no writer can work there either, and
            # a reader sees the old file or the new one (atomic replace), so it reads without the lock
            yield
            return
        try:
            deadline = time.monotonic() + self.lock_timeout
            pause = 0.001
            while True:
                try:
                    _flock(fd, _LOCK_EX_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise SpotifyError(
                            f"token file {self.path} stayed locked by another process for {self.lock_timeout:g}s"
                        ) from None
                    time.sleep(pause)
                    pause = min(pause * 2, 0.05)
            try:
                self._sweep()
                yield
            finally:
                _flock(fd, _LOCK_UN)
        finally:
            os.close(fd)

    def _sweep(self) -> None:
        """Remove temporary files of this token file: under the lock, they can only be a dead writer's."""
        prefix = self._tmp_prefix
        try:
            entries = list(os.scandir(self.path.parent))
        except FileNotFoundError:
            return
        for entry in entries:
            name = entry.name
            if name.startswith(prefix) and name.endswith(".tmp"):
                try:
                    os.unlink(entry.path)
                except FileNotFoundError:
                    continue
                log.warning("removed a temporary token file left by a process that died while writing")

    def _read(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        try:
            doc = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError:
            # never quote the content: it holds tokens
            raise SpotifyError(f"token file {self.path} is not valid JSON; remove it and log in again") from None
        tokens = doc.get("tokens") if isinstance(doc, dict) else None
        if not isinstance(tokens, dict):
            raise SpotifyError(f"token file {self.path} has an unexpected layout; remove it and log in again")
        return tokens

    def _update(self, key: str, entry: dict[str, Any] | None) -> None:
        with self._thread_lock:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            with self._process_lock():
                tokens = self._read()
                if entry is None:
                    if key not in tokens:
                        return
                    del tokens[key]
                else:
                    tokens[key] = entry
                self._write({"version": _FORMAT_VERSION, "tokens": tokens})

    def _write(self, doc: dict[str, Any]) -> None:
        directory = self.path.parent
        tmp = directory / f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            try:
                if hasattr(os, "fchmod"):
                    os.fchmod(fd, 0o600)  # the umask may only remove bits; make the mode exact anyway
                view = memoryview(orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS))
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        if hasattr(os, "O_DIRECTORY"):
            # make the rename itself durable; best effort (some file systems refuse to fsync a directory)
            try:
                dfd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
            except OSError:
                return
            try:
                os.fsync(dfd)
            except OSError:
                pass
            finally:
                os.close(dfd)
