"""A small HTTP/1.1 server written for the tests, on 127.0.0.1, that misbehaves the way real servers do.

It is not FakeSpotify: it speaks raw HTTP over ``asyncio.start_server`` so a test controls every byte and every
connection. A script (``handler``) sees each request (method, raw target, query, headers, body) and answers with an
:class:`Answer`, or ``None`` to drop the connection without a word. Connections are kept alive between requests, as
Spotify's edge does, unless an answer says otherwise. Every request that arrived is kept in ``requests``, in order,
so a test counts what the server really received, not what the client says it sent.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

__all__ = ["Answer", "MisbehavingServer", "RawRequest", "json_answer"]


@dataclass
class RawRequest:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    connection: int

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.target).query, keep_blank_values=True))


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: close the connection after answering
    close: bool = False


def json_answer(data: Any, status: int = 200, **headers: str) -> Answer:
    return Answer(status, orjson.dumps(data), {"Content-Type": "application/json; charset=utf-8", **headers})


Handler = Callable[[RawRequest], Awaitable[Answer | None]]
_REASONS = {200: "OK", 304: "Not Modified", 400: "Bad Request", 404: "Not Found", 429: "Too Many Requests"}


class MisbehavingServer:
    """``async with MisbehavingServer(handler) as server:``; ``server.api_base`` is ``http://127.0.0.1:<port>/v1``."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[RawRequest] = []
        self.connections = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.api_base = ""

    async def __aenter__(self) -> MisbehavingServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.api_base = f"http://127.0.0.1:{port}/v1"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        connection = self.connections
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
                request = RawRequest(method, target, headers, body, connection)
                self.requests.append(request)
                answer = await self.handler(request)
                if answer is None:
                    return  # drop the connection without answering
                reason = _REASONS.get(answer.status, "Whatever")
                out = [f"HTTP/1.1 {answer.status} {reason}"]
                out += [f"{k}: {v}" for k, v in answer.headers.items()]
                out.append(f"Content-Length: {len(answer.body)}")
                if answer.close:
                    out.append("Connection: close")
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + answer.body)
                await writer.drain()
                if answer.close:
                    return
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            self._tasks.discard(task)
