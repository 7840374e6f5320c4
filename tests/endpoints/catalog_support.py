"""Shared set-up for the catalog endpoint tests: a FakeSpotify and an SDK client in the same mode.

``client(mode)`` starts a fake answering like Spotify does for that kind of app, with request validation against the
OpenAPI description on, and a user-token client in the same mode; on a clean exit it asserts the fake saw no request
that violates the spec. ``nothing_sent(fake)`` asserts a block sent no request at all (argument errors and
``EndpointUnavailable`` must be raised before anything goes out). ``spy_requests(sp)`` keeps the requests the client
sends, to check the query parameters it built.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from spotify_async.config import Mode
from spotify_async.http.response import Request, Response
from spotify_async.session import Spotify
from spotify_async.testing import FakeSpotify
from tests.resources import openapi_spec

MODES: tuple[Mode, ...] = ("development", "extended")
#: valid base-62 ids that no FakeSpotify catalog holds
UNKNOWN_IDS = ("0" * 22, "1" * 22, "Z" * 22)


@asynccontextmanager
async def client(
    mode: Mode = "extended", *, validate: bool = True, scopes: str | None = None, **fake_options: Any
) -> AsyncIterator[tuple[FakeSpotify, Spotify]]:
    if validate:
        openapi_spec()  # request validation needs the spec: skip (fail under CI) when it is missing
    async with FakeSpotify(mode=mode, validate_requests=validate, **fake_options) as fake:
        token = fake.issue_user_token(scopes=scopes)["access_token"]
        async with Spotify(token, api_base=fake.api_base, accounts_base=fake.accounts_base, mode=mode) as sp:
            yield fake, sp
        if validate:
            assert fake.spec_violations == []


@contextmanager
def nothing_sent(fake: FakeSpotify) -> Iterator[None]:
    before = fake.stats.api_requests
    yield
    assert fake.stats.api_requests == before, "a request was sent although the call should have failed first"


def spy_requests(sp: Spotify) -> list[Request]:
    """Every request ``sp`` sends from now on (its path and query parameters), in order, kept in the returned list."""
    sent: list[Request] = []
    send = sp._send

    async def spy(request: Request) -> Response:
        sent.append(request)
        return await send(request)

    sp._send = spy  # type: ignore[method-assign]
    return sent


def params_of(request: Request) -> dict[str, str]:
    return dict(request.params or {})
