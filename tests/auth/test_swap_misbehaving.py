"""Token Swap against servers that misbehave as real ones do (small servers in the test, not FakeSpotify): an accounts
service that drops connections, answers 503 pages, 429s, non-JSON 200s or legacy error bodies, and a swap server
that does the same to the client. Every case ends in a typed error, the code is never sent twice, nothing hangs."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web

from spotify_async import AuthError, SpotifyError, TokenSwap, TransportError
from spotify_async.swap import make_app

from .support import serving

REDIRECT = "http://127.0.0.1:8888/callback"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def one_route(path: str, handler: Handler) -> tuple[web.Application, list[int]]:
    hits: list[int] = []

    async def counted(request: web.Request) -> web.StreamResponse:
        hits.append(1)
        return await handler(request)

    app = web.Application()
    app.router.add_post(path, counted)
    return app, hits


async def drop(request: web.Request) -> web.StreamResponse:
    assert request.transport is not None
    request.transport.close()  # the connection dies without an answer
    return web.Response()


async def page_503(request: web.Request) -> web.StreamResponse:
    return web.Response(status=503, text="<html>upstream down</html>", content_type="text/html")


async def too_many(request: web.Request) -> web.StreamResponse:
    return web.Response(status=429, headers={"Retry-After": "0"}, text="")


async def not_json(request: web.Request) -> web.StreamResponse:
    return web.Response(status=200, text="OK", content_type="application/json")


async def legacy(request: web.Request) -> web.StreamResponse:
    return web.json_response({"error": {"status": 400, "message": "Bad request"}}, status=400)


async def no_refresh_token(request: web.Request) -> web.StreamResponse:
    body = b'{"access_token": "at", "token_type": "Bearer", "expires_in": 3600}'
    return web.Response(body=body, content_type="text/plain", charset="ISO-8859-1")  # odd, but the body is JSON


def swap_client(base: str) -> TokenSwap:
    flow = TokenSwap(f"{base}/swap", f"{base}/refresh", client_id="cid", redirect_uri=REDIRECT)
    flow.authorize_url(state="s1")
    return flow


@pytest.mark.parametrize(
    ("accounts", "status", "error"),
    [
        (drop, 502, "server_error"),
        (page_503, 502, "server_error"),
        (too_many, 429, "server_error"),
        (not_json, 502, "server_error"),  # the swap server says invalid_response; a 5xx is a server error
        (legacy, 400, "unknown_error"),
    ],
)
async def test_a_misbehaving_accounts_service_reaches_the_client_typed(
    accounts: Handler, status: int, error: str
) -> None:
    upstream, hits = one_route("/api/token", accounts)
    async with serving(upstream) as accounts_base:
        app = make_app("cid", "secret", REDIRECT, accounts_base=accounts_base)
        async with serving(app) as base:
            flow = swap_client(base)
            started = time.monotonic()
            with pytest.raises(AuthError) as info:
                await flow.exchange("code", state="s1")
            assert time.monotonic() - started < 10
    assert info.value.error == error
    assert info.value.status == status
    assert hits == [1]  # a code exchange is never repeated, whatever went wrong
    assert flow.token is None


async def test_an_answer_without_a_refresh_token_passes_through() -> None:
    upstream, _ = one_route("/api/token", no_refresh_token)
    async with (
        serving(upstream) as accounts_base,
        serving(make_app("cid", "s", REDIRECT, accounts_base=accounts_base)) as b,
    ):
        flow = swap_client(b)
        token = await flow.exchange("code", state="s1")
    assert token.access_token == "at"
    assert token.refresh_token is None
    assert not flow.can_refresh(token)


@pytest.mark.parametrize(
    ("swap", "expected"),
    [(drop, TransportError), (page_503, AuthError), (not_json, AuthError), (legacy, AuthError)],
)
async def test_a_misbehaving_swap_server_gives_the_client_typed_errors(
    swap: Handler, expected: type[SpotifyError]
) -> None:
    server, hits = one_route("/swap", swap)
    async with serving(server) as base:
        flow = swap_client(base)
        started = time.monotonic()
        with pytest.raises(expected):
            await flow.exchange("code", state="s1")
        assert time.monotonic() - started < 10
    assert hits == [1]
