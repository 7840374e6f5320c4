"""Shared set-up for the library, playlists and player tests.

On the wire (aioresponses): ``MockedApi`` answers chosen method/path patterns and records every request the SDK sends
(method, path, query, decoded JSON body, raw body, headers) in order; it also tracks how many requests were in flight
at once, so tests can tell concurrent chunks from sequential ones. ``user_client(mode)`` is a client with a fixed
user token.

Against FakeSpotify: ``fake_user(mode, premium=...)`` starts a fake answering like Spotify does for that kind of app,
with request validation against the OpenAPI description on, picks a user (a premium one for the player), and yields
the fake, a client in the same mode holding that user's token, and the user id; on a clean exit it asserts the fake
saw no request violating the spec. ``nothing_sent(fake)`` asserts a block sent no request.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson
from aioresponses import CallbackResult, aioresponses

from spotify_async.config import Config, Mode, RetryPolicy
from spotify_async.session import Spotify
from spotify_async.testing import FakeSpotify
from tests.resources import openapi_spec

API = "https://api.spotify.com/v1"


def ids_of(n: int, start: int = 0) -> list[str]:
    """``n`` distinct valid base-62 ids (22 digits each)."""
    return [f"{i:022d}" for i in range(start, start + n)]


@dataclass
class Sent:
    method: str
    path: str
    query: dict[str, str]
    body: bytes | None
    headers: dict[str, str]

    @property
    def json(self) -> Any:
        return orjson.loads(self.body) if self.body else None


Answer = Callable[[Sent], CallbackResult]


@dataclass
class MockedApi:
    mock: aioresponses
    sent: list[Sent] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0

    def on(
        self,
        method: str,
        path: str,
        *,
        status: int = 200,
        payload: Any = None,
        body: bytes | str = b"",
        answer: Answer | None = None,
        delay: float | Callable[[Sent], float] = 0.0,
    ) -> None:
        """Answer ``method`` on ``path`` (a regex matched against the path below /v1, query excluded)."""
        pattern = re.compile(rf"^{re.escape(API)}{path}(\?.*)?$")

        async def callback(url: Any, **kwargs: Any) -> CallbackResult:
            data = kwargs.get("data")
            sent = Sent(
                method,
                str(url.path).removeprefix("/v1"),
                dict(parse_qsl(url.query_string)),
                bytes(data) if data is not None else None,
                dict(kwargs.get("headers") or {}),
            )
            self.sent.append(sent)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            try:
                wait = delay(sent) if callable(delay) else delay
                if wait:
                    await asyncio.sleep(wait)
            finally:
                self.in_flight -= 1
            if answer is not None:
                return answer(sent)
            if payload is not None:
                return CallbackResult(status=status, payload=payload)
            return CallbackResult(status=status, body=body)

        self.mock.add(pattern, method=method, callback=callback, repeat=True)

    def of(self, method: str, path: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.method == method and (path is None or s.path == path)]


#: retries with millisecond backoffs, so retry paths stay fast
FAST = Config(retry=RetryPolicy(backoff_base=0.001, backoff_cap=0.01))


def user_client(mode: Mode = "development") -> Spotify:
    """A client with a fixed user token (no token endpoint involved)."""
    return Spotify("user-access-token", mode=mode, config=FAST)


@asynccontextmanager
async def fake_user(
    mode: Mode = "development",
    *,
    premium: bool | None = None,
    scopes: str | None = None,
    validate: bool = True,
    **fake_options: Any,
) -> AsyncIterator[tuple[FakeSpotify, Spotify, str]]:
    """A FakeSpotify in ``mode``, a user (premium or free when asked) and a client holding that user's token."""
    if validate:
        openapi_spec()  # request validation needs the spec: skip (fail under CI) when it is missing
    async with FakeSpotify(mode=mode, validate_requests=validate, **fake_options) as fake:
        users = fake.catalog.users
        if premium is not None:
            users = [u for u in users if (fake.catalog.user_by_id[u].product == "premium") == premium]
        uid = users[0]
        token = fake.issue_user_token(uid, scopes=scopes)["access_token"]
        async with Spotify(
            token, api_base=fake.api_base, accounts_base=fake.accounts_base, mode=mode, config=FAST
        ) as sp:
            yield fake, sp, uid
        if validate:
            assert fake.spec_violations == []


@contextmanager
def nothing_sent(fake: FakeSpotify) -> Iterator[None]:
    before = fake.stats.api_requests
    yield
    assert fake.stats.api_requests == before, "a request was sent although the call should have failed first"
