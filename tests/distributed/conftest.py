"""Fixtures for the distributed tests: a real redis-server on a free port in a temporary directory.

``redis_server`` is session-scoped (one server for the folder; each test uses a namespace of its own).
``redis_factory`` starts private servers for tests that stop one mid-run. When ``redis-server`` is not installed the
tests are skipped with a loud reason, except under CI (the ``CI`` environment variable set), where that is a failure:
``.ci/run`` installs it, so a missing server there is a broken pipeline, not a reason to skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One redis-server process bound to 127.0.0.1, with no persistence."""

    def __init__(self, binary: str, directory: Path, port: int | None = None) -> None:
        self.binary = binary
        self.directory = directory
        self.port = port or _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 10.0) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
                "--protected-mode",
                "yes",
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"redis-server exited at start: {err[:500]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer on port {self.port} within {timeout}s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        if process.stderr is not None:
            process.stderr.close()


def _binary() -> str:
    binary = shutil.which("redis-server")
    if binary is not None:
        return binary
    message = (
        "redis-server not found on PATH: the distributed tests need a real Redis "
        "(apt-get install redis-server, or run .ci/install-redis.sh)"
    )
    if os.environ.get("CI"):
        pytest.fail(message + " [CI is set: refusing to skip]", pytrace=False)
    pytest.skip("SKIPPED LOUDLY: " + message)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    binary = _binary()
    with tempfile.TemporaryDirectory(prefix="spotify-async-redis-") as directory:
        server = RedisServer(binary, Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def redis_factory(tmp_path: Path) -> Iterator[Callable[[], RedisServer]]:
    """Start private redis-servers (stopped at the end of the test) for tests that stop one mid-run."""
    binary = _binary()
    servers: list[RedisServer] = []

    def start() -> RedisServer:
        directory = tmp_path / f"redis{len(servers)}"
        directory.mkdir()
        server = RedisServer(binary, directory)
        server.start()
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def namespace() -> str:
    """A key namespace of this test's own, so tests sharing the session server never see each other's state."""
    return f"t{uuid.uuid4().hex[:12]}"
