"""The scheduler and token manager against mocked HTTP: single-flight tokens, 401, 429 gate, retries, cancellation."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from aioresponses import CallbackResult, aioresponses

from spotify_async import (
    ClientCredentials,
    Config,
    NotFound,
    RateLimited,
    RetryPolicy,
    ServerError,
    Spotify,
    TransportError,
    Unauthorized,
)
from spotify_async.errors import AuthError, BadRequest
from spotify_async.http.scheduler import MAX_RETRY_AFTER, parse_retry_after

from .helpers import API, TOKEN_URL, TRACK_ID, count, token_payload, track_json, track_url

FAST = Config(retry=RetryPolicy(backoff_base=0.01, backoff_cap=0.05))


def client(**kwargs: Any) -> Spotify:
    kwargs.setdefault("config", FAST)
    return Spotify(ClientCredentials("client-id", "client-secret-value"), **kwargs)


async def test_a_thousand_concurrent_calls_make_one_token_request() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload(), repeat=True)
        m.get(track_url(), payload=track_json(), repeat=True)
        async with client() as sp:
            tracks = await asyncio.gather(*(sp.tracks.get(TRACK_ID) for _ in range(1000)))
        assert {t.id for t in tracks} == {TRACK_ID}
        assert count(m, "POST", TOKEN_URL) == 1
        assert count(m, "GET", f"{API}/tracks/") == 1000


async def test_a_401_refreshes_once_and_retries_once() -> None:
    tokens_seen: list[str] = []

    def api(url: Any, **kwargs: Any) -> CallbackResult:
        tokens_seen.append(kwargs["headers"]["Authorization"])
        if len(tokens_seen) == 1:
            return CallbackResult(status=401, payload={"error": {"status": 401, "message": "The access token expired"}})
        return CallbackResult(status=200, payload=track_json())

    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload("first"))
        m.post(TOKEN_URL, payload=token_payload("second"))
        m.get(track_url(), callback=api, repeat=True)
        async with client() as sp:
            track, response = await sp.tracks.get(TRACK_ID).with_response()
        assert track.id == TRACK_ID
        assert tokens_seen == ["Bearer first", "Bearer second"]
        assert response.attempts == 2
        assert count(m, "POST", TOKEN_URL) == 2


async def test_a_second_401_is_unauthorized() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload("first"))
        m.post(TOKEN_URL, payload=token_payload("second"))
        m.get(
            track_url(), status=401, payload={"error": {"status": 401, "message": "Invalid access token"}}, repeat=True
        )
        async with client() as sp:
            with pytest.raises(Unauthorized) as info:
                await sp.tracks.get(TRACK_ID)
        assert info.value.status == 401
        assert "Invalid access token" in str(info.value)
        assert count(m, "GET", f"{API}/tracks/") == 2
        assert count(m, "POST", TOKEN_URL) == 2


async def test_a_fixed_token_is_not_refreshed_and_says_why() -> None:
    with aioresponses() as m:
        m.get(track_url(), status=401, payload={"error": {"status": 401, "message": "The access token expired"}})
        async with Spotify("fixed-token-value", config=FAST) as sp:
            with pytest.raises(Unauthorized) as info:
                await sp.tracks.get(TRACK_ID)
        assert "cannot be refreshed" in str(info.value)
        assert "fixed-token-value" not in str(info.value)
        assert count(m, "POST", TOKEN_URL) == 0


async def test_request_token_once_then_use_it_as_a_fixed_token() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload("kept-token"))
        m.get(track_url(), payload=track_json())
        token = await ClientCredentials("client-id", "client-secret-value").request_token()
        assert token.access_token == "kept-token"
        assert token.expires_in() is not None
        async with Spotify(token, config=FAST) as sp:
            await sp.tracks.get(TRACK_ID)
        assert count(m, "POST", TOKEN_URL) == 1


async def test_accounts_errors_are_typed_and_keep_the_secret_out() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, status=400, payload={"error": "invalid_client", "error_description": "Invalid client secret"})
        async with client() as sp:
            with pytest.raises(AuthError) as info:
                await sp.tracks.get(TRACK_ID)
        assert info.value.error == "invalid_client"
        assert info.value.description == "Invalid client secret"
        assert "client-secret-value" not in str(info.value)
        assert "client-secret-value" not in repr(sp.auth)


async def test_503_502_then_200_succeeds_after_two_retries() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), status=503, body=b"<html>Service Unavailable</html>")
        m.get(track_url(), status=502, payload={"error": {"status": 502, "message": "Bad gateway."}})
        m.get(track_url(), payload=track_json())
        async with client() as sp:
            track, response = await sp.tracks.get(TRACK_ID).with_response()
        assert track.id == TRACK_ID
        assert response.attempts == 3
        assert sp.stats["retries"] == 2


async def test_retries_are_bounded_then_server_error() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), status=500, payload={"error": {"status": 500, "message": "Server error"}}, repeat=True)
        async with client() as sp:
            with pytest.raises(ServerError) as info:
                await sp.tracks.get(TRACK_ID)
        assert info.value.status == 500
        assert count(m, "GET", f"{API}/tracks/") == FAST.retry.max_retries + 1


async def test_a_404_is_not_found_at_once() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), status=404, payload={"error": {"status": 404, "message": "Resource not found"}}, repeat=True)
        async with client() as sp:
            with pytest.raises(NotFound) as info:
                await sp.tracks.get(TRACK_ID)
        assert info.value.message == "Resource not found"
        assert info.value.method == "GET"
        assert "/tracks/" in info.value.url
        assert count(m, "GET", f"{API}/tracks/") == 1


async def test_empty_and_non_json_error_bodies_map_cleanly() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), status=400, body=b"")
        m.get(track_url(), status=400, body=b"\x00\xffnot json")
        async with client() as sp:
            with pytest.raises(BadRequest, match="empty error body"):
                await sp.tracks.get(TRACK_ID)
            with pytest.raises(BadRequest, match="non-JSON"):
                await sp.tracks.get(TRACK_ID)


async def test_a_huge_retry_after_raises_rate_limited_at_once() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(
            track_url(),
            status=429,
            headers={"Retry-After": "86400"},
            payload={"error": {"status": 429, "message": "Too many requests", "reason": "QUOTA_EXCEEDED"}},
            repeat=True,
        )
        async with client() as sp:
            started = time.monotonic()
            with pytest.raises(RateLimited) as info:
                await sp.tracks.get(TRACK_ID)
            assert time.monotonic() - started < 1.0
            assert info.value.retry_after == pytest.approx(86400)
            assert info.value.reason == "QUOTA_EXCEEDED"
            # the gate is shut for everyone now: the next call is refused without sending anything
            with pytest.raises(RateLimited):
                await sp.tracks.get(TRACK_ID)
        assert count(m, "GET", f"{API}/tracks/") == 1


async def test_post_is_not_retried_after_a_5xx() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.post(f"{API}/me/player/next", status=503, payload={"error": {"status": 503, "message": "x"}}, repeat=True)
        async with client() as sp:
            from spotify_async.http import routes
            from spotify_async.http.response import Request

            with pytest.raises(ServerError):
                await sp._send(Request(routes.SKIP_USERS_PLAYBACK_TO_NEXT_TRACK.compile()))
        assert count(m, "POST", f"{API}/me/player/next") == 1


async def test_connection_errors_retry_then_transport_error() -> None:
    import aiohttp

    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), exception=aiohttp.ServerDisconnectedError(), repeat=True)
        async with client() as sp:
            with pytest.raises(TransportError) as info:
                await sp.tracks.get(TRACK_ID)
        assert info.value.attempts == FAST.retry.max_retries + 1


async def test_a_timeout_is_retried_for_get() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), exception=asyncio.TimeoutError())
        m.get(track_url(), payload=track_json())
        async with client() as sp:
            _, response = await sp.tracks.get(TRACK_ID).with_response()
        assert response.attempts == 2


async def test_a_cancelled_call_releases_its_slot_and_budget() -> None:
    started = asyncio.Event()

    async def slow_first(url: Any, **kwargs: Any) -> CallbackResult:
        if not started.is_set():
            started.set()
            await asyncio.sleep(30)
        return CallbackResult(payload=track_json())

    config = Config(max_concurrency=1, retry=FAST.retry)
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        # aioresponses consumes a mock only after its callback returns, so one repeating callback serves both calls
        m.get(track_url(), callback=slow_first, repeat=True)
        async with client(config=config) as sp:
            task = asyncio.ensure_future(sp.tracks.get(TRACK_ID))
            await asyncio.wait_for(started.wait(), 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            # the only slot is free again: the next call goes through at once
            track = await asyncio.wait_for(sp.tracks.get(TRACK_ID), 5)
            assert track.id == TRACK_ID
            limiter: Any = sp.scheduler.limiter
            assert limiter._in_flight == 0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("3", 3.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("86400", 86400.0),
        ("99999999999999999999999", MAX_RETRY_AFTER),
        ("700000", MAX_RETRY_AFTER),
        (None, None),
        ("", None),
        ("soon", None),
        ("-1", None),
        ("1.5", None),
        (" 2.5 ", None),
        ("inf", None),
        ("Infinity", None),
        ("nan", None),
        ("1e309", None),
        ("+5", None),
        ("0x10", None),
        ("\u0663", None),  # an Arabic-Indic digit three: str.isdigit() says yes, RFC 9110 says no
        ("Tue, 14 Nov 2023 22:13:30 GMT", 10.0),
        ("Tue, 14 Nov 2023 22:13:00 GMT", 0.0),  # in the past: go now
        ("Tue, 14 Nov 2023 22:13:30 -0000", 10.0),
        ("Fri, 31 Dec 9999 23:59:59 GMT", MAX_RETRY_AFTER),
        ("Tue, 99 Nov 2023 22:13:30 GMT", None),
    ],
)
def test_retry_after_is_read_as_rfc_9110_says(value: str | None, expected: float | None) -> None:
    now = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC
    parsed = parse_retry_after(value, now=now)
    if expected is None:
        assert parsed is None
    else:
        assert parsed == pytest.approx(expected)


async def test_a_missing_retry_after_backs_off_then_succeeds() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload())
        m.get(track_url(), status=429, payload={"error": {"status": 429, "message": "API rate limit exceeded"}})
        m.get(track_url(), payload=track_json())
        async with client() as sp:
            started = time.monotonic()
            _, response = await sp.tracks.get(TRACK_ID).with_response()
            assert response.attempts == 2
            assert response.waited > 0
            assert time.monotonic() - started < 2
        assert sp.stats["rate_limited"] == 1
