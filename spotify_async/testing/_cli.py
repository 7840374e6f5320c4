"""Running FakeSpotify in its own process: :class:`FakeSpotifyProcess`, a context manager that starts
``python -m spotify_async serve-fake --json`` (the command lives in :mod:`spotify_async.cli.serve_fake`), reads its
address line and stops it.

A separate process lets benchmarks measure the client's cost alone and lets several client processes share one
fake (and its rate limit). The child prints exactly one JSON line on stdout once it listens (:func:`announcement`)::

    {"api_base": ..., "accounts_base": ..., "client_id": ..., "client_secret": ..., "pid": ..., "catalog": {...}}

and serves until SIGTERM or SIGINT. Its counters are at ``GET /_fake/stats``; ``POST /_fake/control`` changes
its knobs (see :meth:`FakeSpotifyProcess.control`).
"""

from __future__ import annotations

import asyncio
import os
import selectors
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from types import SimpleNamespace, TracebackType
from typing import IO, Any

import orjson

from ._control import CONTROL_OPERATIONS, check_operation
from ._options import FakeMode, RefreshRotation, check_choice

__all__ = ["FakeSpotifyProcess", "ProcessStats", "announcement", "serve_fake_main"]

_CATALOG_KEYS = (
    "artists",
    "albums",
    "tracks",
    "playlists",
    "users",
    "shows",
    "episodes",
    "audiobooks",
    "chapters",
    "categories",
    "genres",
    "search_terms",
)


def announcement(fake: Any) -> dict[str, Any]:
    """The line ``serve-fake --json`` prints once it listens (what :class:`FakeSpotifyProcess` reads)."""
    cat = fake.catalog
    catalog = {key: list(getattr(cat, key)) for key in _CATALOG_KEYS}
    catalog["big_playlist_id"] = cat.big_playlist_id
    catalog["login_user"] = fake.login_user
    return {
        "api_base": fake.api_base,
        "accounts_base": fake.accounts_base,
        "client_id": fake.client_id,
        "client_secret": fake.client_secret,
        "port": fake.port,
        "pid": os.getpid(),
        "mode": fake.mode,
        "seed": fake.seed,
        "catalog": catalog,
    }


def serve_fake_main(argv: list[str] | None = None) -> int:
    """The ``serve-fake`` command (kept here for existing callers; it lives in :mod:`spotify_async.cli`)."""
    from ..cli import main

    return main(["serve-fake", *(sys.argv[1:] if argv is None else argv)])


class ProcessStats:
    """The fake process's counters, read from ``GET /_fake/stats`` (same names as :class:`~.fake.Stats`)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.requests: int = data["requests"]
        self.api_requests: int = data["api_requests"]
        self.token_requests: int = data["token_requests"]
        self.rate_limited: int = data["rate_limited"]
        self.faults_applied: int = data["faults_applied"]
        self.by_operation: Counter[str] = Counter(data["by_operation"])
        self.by_status: Counter[int] = Counter({int(k): v for k, v in data["by_status"].items()})
        self.answered: Counter[str] = Counter(data.get("answered", {}))
        self.not_modified: int = data.get("not_modified", 0)
        self.arrivals: list[float] = data["arrivals"]

    def max_in_window(self, window_s: float) -> int:
        times = self.arrivals
        best = lo = 0
        for hi, t in enumerate(times):
            while t - times[lo] >= window_s:
                lo += 1
            best = max(best, hi - lo + 1)
        return best


class FakeSpotifyProcess:
    """FakeSpotify in a child process. Use ``with`` or ``async with``; options are those of ``serve-fake``
    (``seed``, ``latency``, ``rate_limit=(limit, window)``, ``rate_limited_latency`` (None: ``latency``),
    ``big_playlist_size``, ``mode``, ``token_expires_in``, ``refresh_rotation``, ``host``, ``port``). Every wait is
    bounded by ``start_timeout``/``stop_timeout``."""

    def __init__(
        self,
        seed: int = 0,
        *,
        latency: float = 0.0,
        rate_limit: tuple[int, float] | None = None,
        rate_limited_latency: float | None = 0.0,
        big_playlist_size: int = 10_000,
        mode: FakeMode = "extended",
        token_expires_in: float = 3600,
        refresh_rotation: RefreshRotation = "none",
        host: str = "127.0.0.1",
        port: int = 0,
        artists: int = 200,
        start_timeout: float = 30.0,
        stop_timeout: float = 5.0,
        python: str | None = None,
    ) -> None:
        check_choice("mode", mode, FakeMode)
        check_choice("refresh_rotation", refresh_rotation, RefreshRotation)
        self._argv = [
            python or sys.executable,
            "-m",
            "spotify_async",
            "serve-fake",
            "--json",
            "--host",
            host,
            "--port",
            str(port),
            "--seed",
            str(seed),
            "--latency",
            str(latency),
            "--rate-limited-latency",
            "latency" if rate_limited_latency is None else repr(float(rate_limited_latency)),
            "--big-playlist-size",
            str(big_playlist_size),
            "--mode",
            mode,
            "--token-expires-in",
            str(token_expires_in),
            "--refresh-rotation",
            refresh_rotation,
            "--artists",
            str(artists),
        ]
        if rate_limit is not None:
            self._argv += ["--rate-limit", f"{rate_limit[0]}/{rate_limit[1]}"]
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self.api_base = ""
        self.accounts_base = ""
        self.client_id = ""
        self.client_secret = ""
        self.pid = 0
        self.info: dict[str, Any] = {}
        self.catalog: Any = SimpleNamespace()

    # ---- lifecycle --------------------------------------------------------------------------------------------

    def start(self) -> None:
        if self._proc is not None:
            raise RuntimeError("already started")
        proc = subprocess.Popen(self._argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
        self._proc = proc
        try:
            line = self._read_line(proc, self.start_timeout)
        except BaseException:
            self.stop()
            raise
        info = orjson.loads(line)
        self.info = info
        self.api_base = info["api_base"]
        self.accounts_base = info["accounts_base"]
        self.client_id = info["client_id"]
        self.client_secret = info["client_secret"]
        self.pid = info["pid"]
        self.catalog = SimpleNamespace(**info["catalog"])

    @staticmethod
    def _read_line(proc: subprocess.Popen[bytes], timeout: float) -> bytes:
        stdout: IO[bytes] | None = proc.stdout
        assert stdout is not None
        deadline = time.monotonic() + timeout
        buf = b""
        with selectors.DefaultSelector() as sel:
            sel.register(stdout, selectors.EVENT_READ)
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"FakeSpotify process did not start within {timeout} s")
                if not sel.select(left):
                    continue
                chunk = os.read(stdout.fileno(), 65536)
                if not chunk:
                    raise RuntimeError(f"FakeSpotify process exited early (code {proc.poll()})")
                buf += chunk
        return buf.split(b"\n", 1)[0]

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(self.stop_timeout)
        if proc.stdout is not None:
            proc.stdout.close()

    close = stop

    @property
    def returncode(self) -> int | None:
        return self._proc.poll() if self._proc is not None else None

    def __enter__(self) -> FakeSpotifyProcess:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> FakeSpotifyProcess:
        await asyncio.to_thread(self.start)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await asyncio.to_thread(self.stop)

    # ---- introspection and control ----------------------------------------------------------------------------

    def _http(self, method: str, path: str, payload: Any = None) -> Any:
        data = orjson.dumps(payload) if payload is not None else None
        req = urllib.request.Request(self.accounts_base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:  # loopback only
            return orjson.loads(resp.read())

    def stats(self) -> ProcessStats:
        """The child's counters (a blocking call to 127.0.0.1; use :meth:`stats_async` inside a loop)."""
        return ProcessStats(self._http("GET", "/_fake/stats"))

    async def stats_async(self) -> ProcessStats:
        return await asyncio.to_thread(self.stats)

    def control(self, op: str, **args: Any) -> Any:
        """Run one of the child's control operations (:data:`CONTROL_OPERATIONS` in :mod:`._control`; see
        :meth:`operations`) and return the ``{"ok": true, "result": ...}`` answer. An unknown ``op`` raises
        :class:`~spotify_async.errors.InvalidInput` before anything is sent; arguments the operation does not take
        make the child answer 400 (:class:`urllib.error.HTTPError`)."""
        check_operation(op)
        return self._http("POST", "/_fake/control", {"op": op, "args": args})

    @staticmethod
    def operations() -> dict[str, str]:
        """The control operations, each with one line saying what it does."""
        return {name: row.summary for name, row in CONTROL_OPERATIONS.items()}

    async def control_async(self, op: str, **args: Any) -> Any:
        return await asyncio.to_thread(self.control, op, **args)


if __name__ == "__main__":
    sys.exit(serve_fake_main())
