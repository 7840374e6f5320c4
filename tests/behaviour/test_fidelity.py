"""Paging and answers against a server that misbehaves as real ones do (tests/behaviour/misbehaving.py).

Each test here failed before the fidelity work: offset paging trusted ``total`` (a wrong one made ``async for`` run
until ``max_items`` or for ever), cursor paging sent the server's ``next`` as it was (losing ``type=artist``) and
followed a cursor that did not advance, a ``null`` entry failed the whole page, other JSON error shapes were called
"non-JSON", a 304 reached the models as an empty body, and aiohttp resent idempotent requests behind the scheduler's
back (four attempts by our count were eight at the server).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import pytest

from spotify_async import Config, HTTPError, NotModified, RetryPolicy, Spotify, TransportError
from spotify_async.models import SimplifiedTrack

from .misbehaving import Answer, MisbehavingServer, RawRequest, json_answer

ALBUM = "4aawyAB9vmqN3uQ7FjRGTy"
PREFETCH = 8  # Config.page_prefetch, the most pages a too-large total can waste
FAST_RETRY = RetryPolicy(max_retries=3, backoff_base=0.001, backoff_cap=0.002)


def client(server: MisbehavingServer, **config: Any) -> Spotify:
    return Spotify(
        "a-fixed-token", api_base=server.api_base, config=Config(retry=FAST_RETRY, page_prefetch=PREFETCH, **config)
    )


def track(index: int) -> dict[str, Any]:
    return {"name": f"track {index}", "type": "track", "id": None}


def offset_pages(
    real: int, *, total: int, next_at: Callable[[int, int], bool] | None = None, entry: Callable[[int], Any] = track
) -> Callable[[RawRequest], Any]:
    """Album-track pages of ``real`` items, claiming ``total``; ``next_at(offset, limit)`` says whether ``next`` is
    set (default: whenever the claimed total says there is more)."""

    async def handler(request: RawRequest) -> Answer:
        offset, limit = int(request.query.get("offset", "0")), int(request.query.get("limit", "20"))
        items = [entry(i) for i in range(offset, min(real, offset + limit))]
        more = next_at(offset, limit) if next_at is not None else offset + limit < total
        href = f"http://127.0.0.1/v1/albums/{ALBUM}/tracks"
        return json_answer(
            {
                "href": f"{href}?offset={offset}&limit={limit}",
                "items": items,
                "limit": limit,
                "offset": offset,
                "total": total,
                "next": f"{href}?offset={offset + limit}&limit={limit}" if more else None,
                "previous": None,
            }
        )

    return handler


# ---- offset paging ----------------------------------------------------------------------------------------------


async def test_a_wrong_total_with_empty_pages_ends_at_the_first_empty_page() -> None:
    # a search total is an estimate: one mock said 30 million and then served empty pages
    async with MisbehavingServer(offset_pages(120, total=30_000_000)) as server, client(server) as sp:
        started = time.monotonic()
        items = await sp.albums.tracks(ALBUM, limit=50).collect()
        assert [t.name for t in items] == [f"track {i}" for i in range(120)]
        # 3 real pages, then at most the prefetch window wasted on the claimed total
        assert 4 <= len(server.requests) <= 3 + PREFETCH
        assert time.monotonic() - started < 10


async def test_next_null_ends_paging_even_when_total_says_more() -> None:
    handler = offset_pages(1000, total=1000, next_at=lambda offset, limit: offset < 100)
    async with MisbehavingServer(handler) as server, client(server) as sp:
        pages = [page async for page in sp.albums.tracks(ALBUM, limit=50).pages()]
        assert [len(p.items) for p in pages] == [50, 50, 50]
        assert pages[-1].next is None
        assert len(server.requests) <= 3 + PREFETCH


async def test_a_total_too_small_is_not_the_end_while_next_says_more() -> None:
    # a playlist that grew while it was read: the first page's total is stale, `next` is right
    handler = offset_pages(160, total=60, next_at=lambda offset, limit: offset + limit < 160)
    async with MisbehavingServer(handler) as server, client(server) as sp:
        items = await sp.albums.tracks(ALBUM, limit=50).collect()
        assert len(items) == 160
        assert len(server.requests) == 4


async def test_a_server_that_serves_fewer_items_than_asked_skips_nothing() -> None:
    async def handler(request: RawRequest) -> Answer:
        offset = int(request.query.get("offset", "0"))
        served = min(20, 100 - offset)  # the limit asked for is clamped to 20, silently
        href = f"http://127.0.0.1/v1/albums/{ALBUM}/tracks"
        return json_answer(
            {
                "href": href,
                "items": [track(i) for i in range(offset, offset + max(0, served))],
                "limit": int(request.query["limit"]),
                "offset": offset,
                "total": 100,
                "next": f"{href}?offset={offset + 20}&limit=20" if offset + 20 < 100 else None,
            }
        )

    async with MisbehavingServer(handler) as server, client(server) as sp:
        items = await sp.albums.tracks(ALBUM, limit=50).collect()
        assert [t.name for t in items] == [f"track {i}" for i in range(100)]
        assert len(server.requests) == 5


async def test_a_fields_projection_without_next_pages_by_total() -> None:
    # `fields=` may leave `next` out of every page: then, and only then, `total` is all there is to go on
    async def handler(request: RawRequest) -> Answer:
        offset, limit = int(request.query["offset"]), int(request.query["limit"])
        assert request.query["fields"] == "href,limit,offset,total,items(added_at)"
        entries = [{"added_at": f"2026-01-{i % 28 + 1:02d}"} for i in range(offset, min(120, offset + limit))]
        return json_answer({"href": "h", "limit": limit, "offset": offset, "total": 120, "items": entries})

    async with MisbehavingServer(handler) as server, client(server) as sp:
        paged = sp.playlists.items(ALBUM, fields="href,limit,offset,total,items(added_at)")
        entries = await paged.collect()
        assert len(entries) == 120
        assert len(server.requests) == 3


async def test_the_common_case_still_prefetches_concurrently() -> None:
    async with MisbehavingServer(offset_pages(1000, total=1000)) as server, client(server) as sp:
        items = await sp.albums.tracks(ALBUM, limit=50).collect()
        assert len(items) == 1000
        assert len(server.requests) == 20  # no page wasted when total and next agree
        # pages after the first went out concurrently: several were in flight on connections of their own
        assert server.connections > 1


async def test_null_entries_keep_their_positions() -> None:
    handler = offset_pages(5, total=5, entry=lambda i: None if i in (1, 3) else track(i))
    async with MisbehavingServer(handler) as server, client(server) as sp:
        page = await sp.albums.tracks(ALBUM)
        assert [None if t is None else t.name for t in page.items] == ["track 0", None, "track 2", None, "track 4"]
        assert page.total == 5
        # iteration yields the items and skips what Spotify could not resolve
        assert [t.name async for t in sp.albums.tracks(ALBUM)] == ["track 0", "track 2", "track 4"]
        assert all(isinstance(t, SimplifiedTrack) for t in page.items if t is not None)


# ---- cursor paging ----------------------------------------------------------------------------------------------

ARTISTS = [f"{i:022d}" for i in range(7)]


def artist(ident: str) -> dict[str, Any]:
    return {"id": ident, "name": f"artist {ident[-1]}", "type": "artist", "uri": f"spotify:artist:{ident}"}


def followed(*, advance: bool = True, keep_type_in_next: bool = False) -> Callable[[RawRequest], Any]:
    async def handler(request: RawRequest) -> Answer:
        if request.query.get("type") != "artist":
            return json_answer({"error": {"status": 400, "message": "Bad type. Valid types are: artist"}}, 400)
        limit = int(request.query.get("limit", "20"))
        after = request.query.get("after")
        start = 0 if after is None else ARTISTS.index(after) + 1
        chunk = ARTISTS[start : start + limit]
        more = start + limit < len(ARTISTS)
        cursor = chunk[-1] if advance else (after or chunk[-1])
        query = ("type=artist&" if keep_type_in_next else "") + f"after={cursor}&limit={limit}"
        return json_answer(
            {
                "artists": {
                    "href": f"http://127.0.0.1/v1/me/following?type=artist&limit={limit}",
                    "items": [artist(a) for a in chunk],
                    "limit": limit,
                    # what a mock served: the second request built from this `next` lost type=artist
                    "next": f"http://127.0.0.1/v1/me/following?{query}" if more else None,
                    "cursors": {"after": cursor if more else None},
                    "total": len(ARTISTS),
                }
            }
        )

    return handler


async def test_cursor_pages_are_the_original_request_plus_the_cursor() -> None:
    async with MisbehavingServer(followed()) as server, client(server) as sp:
        found = await sp.users.followed_artists(limit=3).collect()
        assert [a.id for a in found] == ARTISTS
        assert len(server.requests) == 3
        assert all(r.query["type"] == "artist" for r in server.requests)
        assert [r.query.get("after") for r in server.requests] == [None, ARTISTS[2], ARTISTS[5]]
        # the request goes to our own base URL, never to the host a `next` names
        assert all(r.path == "/v1/me/following" for r in server.requests)


async def test_a_cursor_that_repeats_stops_paging(caplog: pytest.LogCaptureFixture) -> None:
    async with MisbehavingServer(followed(advance=False)) as server, client(server) as sp:
        started = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="spotify_async.http"):
            found = await sp.users.followed_artists(limit=3).collect()
        # the first page, then the page its cursor named; the same cursor again ends it
        assert [a.id for a in found] == ARTISTS[:6]
        assert len(server.requests) == 2
        assert "already given" in caplog.text
        assert time.monotonic() - started < 10


# ---- answers ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (
            {"error": {"type": "invalid_request", "description": "Seed tracks are malformed"}},
            "application/json",
            "legacy JSON error body: invalid_request: Seed tracks are malformed",
        ),
        (
            {"type": "https://example.com/p/limit", "title": "Bad limit", "status": 400, "detail": "limit > 50"},
            "application/problem+json",
            "problem+json error body: Bad limit: limit > 50 (type https://example.com/p/limit)",
        ),
        ({"oops": [1, 2]}, "application/json", 'JSON error body of an unknown shape: {"oops":[1,2]}'),
        (None, "text/html", "non-JSON error body: '<html>nope</html>'"),
    ],
)
async def test_error_bodies_of_other_shapes_keep_their_text(body: Any, content_type: str, expected: str) -> None:
    raw = b"<html>nope</html>" if body is None else json_answer(body).body

    async def handler(request: RawRequest) -> Answer:
        return Answer(400, raw, {"Content-Type": content_type})

    async with MisbehavingServer(handler) as server, client(server) as sp:
        with pytest.raises(HTTPError) as caught:
            await sp.albums.get(ALBUM)
        assert caught.value.status == 400
        assert caught.value.message == expected
        assert "a-fixed-token" not in str(caught.value)


async def test_a_304_never_reaches_the_models() -> None:
    async def handler(request: RawRequest) -> Answer:
        return Answer(304, b"", {"ETag": '"v1"'})

    async with MisbehavingServer(handler) as server, client(server) as sp:
        with pytest.raises(NotModified) as caught:
            await sp.albums.get(ALBUM)
        assert caught.value.status == 304
        with pytest.raises(NotModified):
            await sp.albums.tracks(ALBUM)
        with pytest.raises(NotModified):
            await sp.users.followed_artists()
        assert len(server.requests) == 3  # a 304 is an answer: not retried


# ---- what is really sent ----------------------------------------------------------------------------------------


async def test_attempts_are_counted_where_they_arrive() -> None:
    """A kept-alive connection that the server closes on the next request: aiohttp used to resend each idempotent
    attempt once on its own, so the server saw twice what the scheduler counted."""

    async def handler(request: RawRequest) -> Answer | None:
        if len(server.requests) == 1:
            return json_answer({"name": "x", "type": "track", "album": {"name": "a"}})  # kept alive
        return None  # every later request: the connection closes without an answer

    async with MisbehavingServer(handler) as server, client(server) as sp:
        await sp.tracks.get(ALBUM)
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            await sp.tracks.get(ALBUM)
        assert caught.value.attempts == FAST_RETRY.max_retries + 1 == 4
        assert "after 4 attempt(s)" in str(caught.value)
        assert len(server.requests) == 1 + 4
        assert time.monotonic() - started < 10


async def test_a_session_the_caller_passes_is_left_as_it_is() -> None:
    import aiohttp

    async with aiohttp.ClientSession() as mine, Spotify("a-fixed-token", session=mine) as sp:
        assert mine._retry_connection is True  # theirs: aiohttp's resend stays as they configured it
        assert sp._core.http() is mine
    async with Spotify("a-fixed-token") as sp:
        assert sp._core.http()._retry_connection is False  # ours: the scheduler owns every retry


def test_spotify_and_accounts_error_shapes_are_read_as_before() -> None:
    from spotify_async.errors import describe_error_body

    spotify = b'{"error": {"status": 403, "message": "Player command failed", "reason": "PREMIUM_REQUIRED"}}'
    assert describe_error_body(spotify) == ("Player command failed", "PREMIUM_REQUIRED")
    accounts = b'{"error": "invalid_client", "error_description": "Invalid client secret"}'
    assert describe_error_body(accounts) == ("Invalid client secret", None)
    assert describe_error_body(b"") == ("empty error body", None)
    assert describe_error_body(b"[1, 2]") == ("JSON error body of an unknown shape: [1, 2]", None)
    long = b'{"detail": "' + b"x" * 1000 + b'"}'
    message, _ = describe_error_body(long, "application/problem+json")
    assert message.startswith("problem+json error body: x")
    assert len(message) < 600  # the text is kept, within bounds
