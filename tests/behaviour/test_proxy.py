"""Config.proxy: every request (token requests included) goes through the proxy, tested with a small forward proxy
written here on 127.0.0.1 that relays to FakeSpotify and records what it relayed."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from spotify_async import ClientCredentials, Config, InvalidInput, Spotify
from spotify_async.testing import FakeSpotify


class ForwardProxy:
    """An HTTP/1.1 forward proxy for plain ``http://`` targets: one request per connection, relayed verbatim."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.authorizations: list[str | None] = []
        self.server: asyncio.Server | None = None
        self.url = ""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            lines = head.decode("latin-1").split("\r\n")
            method, target, version = lines[0].split(" ")
            headers = [line for line in lines[1:] if line]
            names = {line.split(":", 1)[0].strip().lower(): line.split(":", 1)[1].strip() for line in headers}
            self.seen.append(f"{method} {target}")
            self.authorizations.append(names.get("proxy-authorization"))
            length = int(names.get("content-length", "0"))
            body = await reader.readexactly(length) if length else b""
            parts = urlsplit(target)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            keep = [
                h for h in headers if h.split(":", 1)[0].strip().lower() not in ("connection", "proxy-authorization")
            ]
            up_reader, up_writer = await asyncio.open_connection(parts.hostname, parts.port)
            up_writer.write(f"{method} {path} {version}\r\n".encode("latin-1"))
            up_writer.write(("\r\n".join([*keep, "Connection: close"]) + "\r\n\r\n").encode("latin-1"))
            up_writer.write(body)
            await up_writer.drain()
            while chunk := await asyncio.wait_for(up_reader.read(65536), 5):
                writer.write(chunk)
            await writer.drain()
            up_writer.close()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.TimeoutError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def __aenter__(self) -> ForwardProxy:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


@pytest.fixture
async def proxy() -> AsyncIterator[ForwardProxy]:
    async with ForwardProxy() as running:
        yield running


async def test_every_request_goes_through_the_proxy(fake_spotify: FakeSpotify, proxy: ForwardProxy) -> None:
    fake = fake_spotify
    rest = proxy.url.split("://", 1)[1]
    config = Config(proxy=f"http://someone:pw@{rest}")
    auth = ClientCredentials(fake.client_id, fake.client_secret)
    started = time.monotonic()
    async with Spotify(auth, api_base=fake.api_base, accounts_base=fake.accounts_base, config=config) as sp:
        tracks = await asyncio.gather(*(sp.tracks.get(t) for t in fake.catalog.tracks[:3]))
    assert time.monotonic() - started < 10.0
    assert [t.id for t in tracks] == fake.catalog.tracks[:3]
    assert proxy.seen[0] == f"POST {fake.accounts_base}/api/token"
    assert sorted(proxy.seen[1:]) == sorted(f"GET {fake.api_base}/tracks/{t}" for t in fake.catalog.tracks[:3])
    assert all(a is not None and a.startswith("Basic ") for a in proxy.authorizations)
    assert fake.stats.api_requests == 3


async def test_without_a_proxy_nothing_goes_through_it(fake_spotify: FakeSpotify, proxy: ForwardProxy) -> None:
    fake = fake_spotify
    auth = ClientCredentials(fake.client_id, fake.client_secret)
    async with Spotify(auth, api_base=fake.api_base, accounts_base=fake.accounts_base) as sp:
        await sp.tracks.get(fake.catalog.tracks[0])
    assert proxy.seen == []


@pytest.mark.parametrize("bad", ["socks5://u:secret@host:1080", "127.0.0.1:3128", "http://", 3128])
def test_a_bad_proxy_is_refused_without_repeating_it(bad: object) -> None:
    with pytest.raises(InvalidInput, match="proxy must be") as caught:
        Config(proxy=bad)  # type: ignore[arg-type]
    assert "secret" not in str(caught.value)


def test_the_proxy_password_stays_out_of_the_config_repr() -> None:
    assert "secret" not in repr(Config(proxy="http://user:secret@127.0.0.1:3128"))
