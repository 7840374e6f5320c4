"""The HTTP cache and the coalescer, with HTTP mocked: Cache-Control, ETags, identities, invalidation by route tags,
the byte bound of the memory store, and the cache events."""

from __future__ import annotations

import asyncio
import random
import re
import sys
import tracemalloc
from typing import Any

import pytest
from aioresponses import aioresponses

from spotify_async import ClientCredentials, Spotify
from spotify_async.config import Config, HttpCache
from spotify_async.errors import NotFound
from spotify_async.hooks import CacheEvent, Hooks
from spotify_async.http.cache import CacheEntry, cache_key, parse_cache_control
from spotify_async.http.store import ENTRY_OVERHEAD, CacheStore, MemoryCacheStore
from tests.resources import EAGER_TASKS, MOCK_NEVER_SUSPENDS

from .helpers import API, TOKEN_URL, TRACK_ID, count, token_payload, track_json, track_url

PLAYLIST_ID = "37i9dQZF1DXcBWIGoYBM5M"


class Clock:
    """An injected wall clock for the cache and its store: time moves only when the test says."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


class Recorder(Hooks):
    def __init__(self) -> None:
        self.events: list[CacheEvent] = []

    def on_cache(self, event: CacheEvent) -> None:
        self.events.append(event)

    @property
    def outcomes(self) -> list[str]:
        return [e.outcome for e in self.events]


def client(clock: Clock | None = None, *, auth: Any = None, **cache: Any) -> Spotify:
    clock = clock or Clock()
    store = MemoryCacheStore(1 << 20, clock=clock)
    hooks = cache.pop("hooks", ())
    sp = Spotify(
        auth or ClientCredentials("client-id", "client-secret-value"),
        config=Config(cache=HttpCache(store=store, **cache), hooks=hooks),
    )
    assert sp.pipeline.cache is not None
    sp.pipeline.cache.clock = clock
    return sp


def playlist_items_url() -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(API)}/playlists/{PLAYLIST_ID}/items(\?.*)?$")


def page(items: int = 1) -> dict[str, Any]:
    return {
        "href": f"{API}/playlists/{PLAYLIST_ID}/items",
        "items": [],
        "limit": 50,
        "next": None,
        "offset": 0,
        "previous": None,
        "total": items,
    }


# ---------------------------------------------------------------- Cache-Control and keys


def test_cache_control_parsing_tolerates_what_servers_send() -> None:
    assert parse_cache_control("public, max-age=120") == {"public": "", "max-age": "120"}
    assert parse_cache_control('MAX-AGE="60", , no-cache') == {"max-age": "60", "no-cache": ""}
    assert parse_cache_control(None) == {}
    assert parse_cache_control(" , ;") == {";": ""}


def test_cache_entries_round_trip_and_foreign_blobs_are_misses() -> None:
    entry = CacheEntry(200, {"ETag": '"x"'}, b'{"a": 1}\n{"b": 2}', 12.5, '"x"')
    back = CacheEntry.decode(entry.encode())
    assert back is not None
    assert (back.status, back.headers, back.body, back.fresh_until, back.etag) == (
        200,
        {"ETag": '"x"'},
        b'{"a": 1}\n{"b": 2}',
        12.5,
        '"x"',
    )
    assert CacheEntry.decode(b"no newline") is None
    assert CacheEntry.decode(b"[1, 2]\nbody") is None


async def test_keys_name_identity_path_and_sorted_query_but_never_the_token() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload("secret-access-token"), repeat=True)
        async with Spotify("secret-access-token") as sp:
            call = sp.tracks.get(TRACK_ID, market="SE")
            request = call._request  # type: ignore[attr-defined]
            call.close()
            identity = await sp.pipeline._identity(sp.tokens)
    key = cache_key(identity, request)
    assert "secret-access-token" not in key
    assert key.startswith("u")
    assert f"/tracks/{TRACK_ID}?market=SE" in key


# ---------------------------------------------------------------- coalescing


@pytest.mark.skipif(EAGER_TASKS, reason=MOCK_NEVER_SUSPENDS)
async def test_a_hundred_identical_gets_in_flight_send_one_request_and_share_one_result() -> None:
    hooks = Recorder()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload(), repeat=True)
        m.get(track_url(), payload=track_json(), repeat=True)
        async with client(hooks=(hooks,)) as sp:
            answers = await asyncio.gather(*(sp.tracks.get(TRACK_ID).with_response() for _ in range(100)))
        assert count(m, "GET", f"{API}/tracks/") == 1
    tracks = [t for t, _ in answers]
    assert all(t is tracks[0] for t in tracks)  # one structured result
    responses = [r for _, r in answers]
    assert len({id(r) for r in responses}) == 100  # each caller its own view
    assert sum(r.coalesced for r in responses) == 99
    assert hooks.outcomes.count("coalesced") == 99
    assert sp.stats["cache_coalesced"] == 99


@pytest.mark.skipif(EAGER_TASKS, reason=MOCK_NEVER_SUSPENDS)
async def test_a_failure_reaches_every_coalesced_caller_as_an_exception_of_its_own() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload(), repeat=True)
        m.get(track_url(), status=404, payload={"error": {"status": 404, "message": "no such track"}}, repeat=True)
        async with client() as sp:
            errors = await asyncio.gather(*(sp.tracks.get(TRACK_ID) for _ in range(5)), return_exceptions=True)
        assert count(m, "GET", f"{API}/tracks/") == 1
    assert all(isinstance(e, NotFound) for e in errors)
    assert len({id(e) for e in errors}) == 5  # five objects: one caller's handler cannot change another's
    first = errors[0]
    assert isinstance(first, NotFound)
    for other in errors[1:]:
        assert isinstance(other, NotFound)
        assert (str(other), other.status, other.message, other.url) == (
            str(first),
            first.status,
            first.message,
            first.url,
        )
    # what a caller's handler may do to its exception (add_note on 3.11+, the attribute it sets, on any version)
    first.__notes__ = ["seen by the first caller"]  # type: ignore[attr-defined]
    first.message = "changed by the first caller"
    assert all(not getattr(e, "__notes__", None) for e in errors[1:])
    assert all(isinstance(e, NotFound) and e.message == "no such track" for e in errors[1:])


async def test_coalescing_off_sends_every_request() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload(), repeat=True)
        m.get(track_url(), payload=track_json(), repeat=True)
        sp = Spotify(ClientCredentials("id", "secret"), config=Config(coalesce=False))
        async with sp:
            await asyncio.gather(*(sp.tracks.get(TRACK_ID) for _ in range(10)))
        assert count(m, "GET", f"{API}/tracks/") == 10


async def test_identical_gets_of_two_users_are_never_shared() -> None:
    with aioresponses() as m:
        m.get(f"{API}/me", payload={"id": "alice", "type": "user", "uri": "spotify:user:alice"})
        m.get(f"{API}/me", payload={"id": "bob", "type": "user", "uri": "spotify:user:bob"})
        async with Spotify("token-of-alice") as app:
            alice, bob = app, app.for_user("token-of-bob")
            a, b = await asyncio.gather(alice.users.me(), bob.users.me())
        assert count(m, "GET", f"{API}/me") == 2
    assert {a.id, b.id} == {"alice", "bob"}


# ---------------------------------------------------------------- HTTP cache


async def test_max_age_answers_from_the_cache_until_it_expires() -> None:
    clock = Clock()
    hooks = Recorder()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload(), repeat=True)
        headers = {"Cache-Control": "public, max-age=120", "Age": "20"}
        m.get(track_url(), payload=track_json(), headers=headers, repeat=True)
        async with client(clock, hooks=(hooks,)) as sp:
            _, first = await sp.tracks.get(TRACK_ID).with_response()
            clock.now += 99  # 20 s old when it came: fresh for 100 s
            track, second = await sp.tracks.get(TRACK_ID).with_response()
            assert count(m, "GET", f"{API}/tracks/") == 1
            clock.now += 2
            _, third = await sp.tracks.get(TRACK_ID).with_response()
            assert count(m, "GET", f"{API}/tracks/") == 2
    assert track.id == TRACK_ID
    assert (first.from_cache, second.from_cache, third.from_cache) == (False, True, False)
    assert second.attempts == 0
    assert hooks.outcomes == ["miss", "stored", "hit", "miss", "stored"]


@pytest.mark.parametrize("header", ["no-store", "no-store, max-age=600", "max-age=0", "no-cache, max-age=600", None])
async def test_answers_without_freshness_or_etag_are_not_kept(header: str | None) -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload(), repeat=True)
        m.get(track_url(), payload=track_json(), headers={"Cache-Control": header} if header else {}, repeat=True)
        async with client() as sp:
            await sp.tracks.get(TRACK_ID)
            await sp.tracks.get(TRACK_ID)
            assert len(sp.pipeline.cache.store) == 0  # type: ignore[union-attr, arg-type]
        assert count(m, "GET", f"{API}/tracks/") == 2


async def test_an_etag_is_revalidated_with_if_none_match_and_a_304_gives_the_kept_object() -> None:
    hooks = Recorder()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload(), repeat=True)
        cc = {"Cache-Control": "private, max-age=0"}
        m.get(playlist_items_url(), payload=page(7), headers={**cc, "ETag": '"v1"'})
        m.get(playlist_items_url(), status=304, headers={**cc, "ETag": '"v1"'})
        async with client(hooks=(hooks,)) as sp:
            first, r1 = await sp.playlists.items(PLAYLIST_ID).with_response()
            second, r2 = await sp.playlists.items(PLAYLIST_ID).with_response()
        sent = [
            kw for (meth, _), calls in m.requests.items() if meth == "GET" for _, kw in [(0, c.kwargs) for c in calls]
        ]
    assert [kw["headers"].get("If-None-Match") for kw in sent] == [None, '"v1"']
    assert first.total == second.total == 7
    assert (r1.from_cache, r1.revalidated) == (False, False)
    assert (r2.status, r2.from_cache, r2.revalidated, r2.attempts) == (200, True, True, 1)
    assert hooks.outcomes == ["miss", "stored", "miss", "revalidated"]


async def test_catalog_ttl_keeps_catalog_objects_whatever_the_max_age_but_not_other_reads() -> None:
    clock = Clock()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload(), repeat=True)
        m.get(track_url(), payload=track_json(), headers={"Cache-Control": "public, max-age=0"}, repeat=True)
        m.get(playlist_items_url(), payload=page(), headers={"Cache-Control": "max-age=0"}, repeat=True)
        async with client(clock, catalog_ttl=3600) as sp:
            for _ in range(3):
                await sp.tracks.get(TRACK_ID)
                await sp.playlists.items(PLAYLIST_ID)
            assert count(m, "GET", f"{API}/tracks/") == 1
            assert count(m, "GET", f"{API}/playlists/") == 3
            clock.now += 3601
            await sp.tracks.get(TRACK_ID)
            assert count(m, "GET", f"{API}/tracks/") == 2


async def test_a_playlist_write_invalidates_that_playlists_reads_only() -> None:
    other = "0JQ5DAqbMKFQ00XGBls6ym"
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload(), repeat=True)
        fresh = {"Cache-Control": "private, max-age=600"}
        m.get(playlist_items_url(), payload=page(1), headers=fresh, repeat=True)
        m.get(re.compile(rf"^{API}/playlists/{other}/items.*"), payload=page(2), headers=fresh, repeat=True)
        m.post(playlist_items_url(), payload={"snapshot_id": "s2"}, status=201, repeat=True)
        async with client() as sp:
            await sp.playlists.items(PLAYLIST_ID)
            await sp.playlists.items(other)
            await sp.playlists.items(PLAYLIST_ID)
            assert count(m, "GET", f"{API}/playlists/") == 2
            await sp.playlists.add_items(PLAYLIST_ID, [f"spotify:track:{TRACK_ID}"])
            await sp.playlists.items(PLAYLIST_ID)
            await sp.playlists.items(other)
            assert count(m, "GET", f"{API}/playlists/{PLAYLIST_ID}") == 2
            assert count(m, "GET", f"{API}/playlists/{other}") == 1
            assert sp.stats["cache_invalidated"] == 1


async def test_a_library_save_invalidates_that_users_library_reads_not_another_users() -> None:
    saved = re.compile(rf"^{re.escape(API)}/me/tracks(\?.*)?$")
    with aioresponses() as m:
        fresh = {"Cache-Control": "private, max-age=600"}
        m.get(saved, payload={**page(0), "href": f"{API}/me/tracks"}, headers=fresh, repeat=True)
        m.put(re.compile(rf"^{re.escape(API)}/me/library(\?.*)?$"), status=200, body=b"", repeat=True)
        async with client(auth="token-of-alice") as alice:
            bob = alice.for_user("token-of-bob")
            await alice.library.saved_tracks()
            await bob.library.saved_tracks()
            await alice.library.saved_tracks()
            await bob.library.saved_tracks()
            assert count(m, "GET", f"{API}/me/tracks") == 2  # one per user, then both from the cache
            await alice.library.save([f"spotify:track:{TRACK_ID}"])
            await alice.library.saved_tracks()
            await bob.library.saved_tracks()
            assert count(m, "GET", f"{API}/me/tracks") == 3  # alice's read again; bob's still cached


async def test_user_scoped_answers_are_keyed_by_identity() -> None:
    with aioresponses() as m:
        fresh = {"Cache-Control": "private, max-age=600"}
        m.get(f"{API}/me", payload={"id": "alice", "type": "user", "uri": "spotify:user:alice"}, headers=fresh)
        m.get(f"{API}/me", payload={"id": "bob", "type": "user", "uri": "spotify:user:bob"}, headers=fresh)
        async with client(auth="token-of-alice") as alice:
            bob = alice.for_user("token-of-bob")
            assert (await alice.users.me()).id == "alice"
            assert (await bob.users.me()).id == "bob"
            assert (await alice.users.me()).id == "alice"
            assert (await bob.users.me()).id == "bob"
        assert count(m, "GET", f"{API}/me") == 2


async def test_cache_events_carry_no_token_and_hooks_that_raise_break_nothing() -> None:
    class Broken(Hooks):
        def on_cache(self, event: CacheEvent) -> None:
            raise RuntimeError("metrics backend down")

    hooks = Recorder()
    with aioresponses() as m:
        m.get(track_url(), payload=track_json(), headers={"Cache-Control": "max-age=60"}, repeat=True)
        async with client(auth="very-secret-token", hooks=(Broken(), hooks)) as sp:
            await sp.tracks.get(TRACK_ID)
            await sp.tracks.get(TRACK_ID)
    assert hooks.outcomes == ["miss", "stored", "hit"]
    for event in hooks.events:
        assert event.context.identity == "token"
        assert event.context.path == "/tracks/{id}"
        assert "very-secret-token" not in repr(event.context)


# ---------------------------------------------------------------- the memory store


def test_memory_store_counts_bytes_exactly_and_never_exceeds_its_bound() -> None:
    rng = random.Random(7)
    clock = Clock()
    store = MemoryCacheStore(64 * 1024, clock=clock)
    assert isinstance(store, CacheStore)
    for i in range(5000):
        op = rng.random()
        key = f"k{rng.randrange(400)}"
        if op < 0.6:
            tags = [f"t{rng.randrange(5)}"] if rng.random() < 0.5 else []
            store.set_nowait(key, bytes(rng.randrange(0, 9000)), rng.choice([0.5, 5.0, 100.0]), tags)
        elif op < 0.9:
            store.get_nowait(key)
        elif op < 0.97:
            clock.now += rng.random()
        else:
            store.invalidate_nowait([f"t{rng.randrange(5)}"])
        assert store.size <= store.max_bytes
        expected = sum(entry[3] for entry in store._entries.values())
        assert store.size == expected, i
    assert len(store) > 0


def test_memory_store_evicts_least_recently_used_first_and_refuses_oversized_values() -> None:
    value = bytes(1000)
    one = MemoryCacheStore.cost("a", value)
    store = MemoryCacheStore(3 * one)
    for key in "abc":
        store.set_nowait(key, value, 60)
    assert store.get_nowait("a") == value  # a is now the most recent
    store.set_nowait("d", value, 60)
    assert store.get_nowait("b") is None
    assert [k for k in "acd" if store.get_nowait(k) is not None] == ["a", "c", "d"]
    store.set_nowait("huge", bytes(4 * one), 60)
    assert store.get_nowait("huge") is None
    assert store.size <= store.max_bytes
    assert ENTRY_OVERHEAD > 0
    assert one > sys.getsizeof(value)


def test_memory_store_memory_really_stays_within_its_bound() -> None:
    """What the process allocates for the store (tracemalloc) stays under the bound, after 20x the bound was put."""
    bound = 512 * 1024
    store = MemoryCacheStore(bound)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(20 * bound // 2000):
            store.set_nowait(f"app /tracks/{i:08d}?market=SE", bytes(2000), 60, ["tag"] if i % 3 else [])
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert store.size <= bound
    assert held <= bound, f"the store holds {held} bytes for a bound of {bound}"
    assert held >= bound // 2  # and the bound is not a wild over-estimate


async def test_cache_off_and_coalescing_off_send_straight_to_the_scheduler() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload(), repeat=True)
        m.get(track_url(), payload=track_json(), headers={"Cache-Control": "max-age=600"}, repeat=True)
        config = Config(cache=HttpCache(enabled=False), coalesce=False)
        async with Spotify(ClientCredentials("id", "secret"), config=config) as sp:
            assert sp.pipeline.cache is None
            assert sp.pipeline.coalescer is None
            await sp.tracks.get(TRACK_ID)
            await sp.tracks.get(TRACK_ID)
        assert count(m, "GET", f"{API}/tracks/") == 2


async def test_a_read_in_flight_across_a_write_is_not_kept_and_later_reads_do_not_join_it() -> None:
    from aioresponses import CallbackResult

    release = asyncio.Event()
    served = []

    async def slow_page(url: Any, **kwargs: Any) -> CallbackResult:
        served.append(len(served))
        number = len(served)
        if number == 1:
            await asyncio.wait_for(release.wait(), 5)
        return CallbackResult(payload=page(number), headers={"Cache-Control": "private, max-age=600"})

    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload(), repeat=True)
        m.get(playlist_items_url(), callback=slow_page, repeat=True)
        m.post(playlist_items_url(), payload={"snapshot_id": "s2"}, status=201, repeat=True)
        async with client() as sp:
            before = asyncio.ensure_future(sp.playlists.items(PLAYLIST_ID))
            await asyncio.sleep(0.05)
            await sp.playlists.add_items(PLAYLIST_ID, [f"spotify:track:{TRACK_ID}"])
            after = asyncio.ensure_future(sp.playlists.items(PLAYLIST_ID))  # must not join the old flight
            await asyncio.sleep(0.05)
            release.set()
            old, new = await asyncio.wait_for(asyncio.gather(before, after), 5)
            assert (old.total, new.total) == (1, 2)
            again = await sp.playlists.items(PLAYLIST_ID)  # the post-write answer was kept; the old one was not
            assert again.total == 2
            assert len(served) == 2


async def test_a_large_answer_with_only_an_etag_is_not_kept_but_a_fresh_one_is() -> None:
    # a 304 saves bytes, not a request: a big page with nothing fresh is not worth its room in the store
    hooks = Recorder()
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload(), repeat=True)
        big = {**page(7), "href": "x" * 4096}  # over the 1 KiB bound below
        m.get(playlist_items_url(), payload=big, headers={"Cache-Control": "private, max-age=0", "ETag": '"v1"'})
        m.get(playlist_items_url(), payload=big, headers={"Cache-Control": "private, max-age=0", "ETag": '"v1"'})
        m.get(playlist_items_url(), payload=big, headers={"Cache-Control": "private, max-age=60"})
        async with client(hooks=(hooks,), revalidate_max_bytes=1024) as sp:
            await sp.playlists.items(PLAYLIST_ID)
            await sp.playlists.items(PLAYLIST_ID)  # not kept, so asked again in full, without If-None-Match
            await sp.playlists.items(PLAYLIST_ID, limit=20)  # another key; fresh for a minute: kept whatever its size
            _, cached = await sp.playlists.items(PLAYLIST_ID, limit=20).with_response()
        sent = [c.kwargs["headers"] for (meth, _), calls in m.requests.items() if meth == "GET" for c in calls]
    assert [h.get("If-None-Match") for h in sent] == [None, None, None]
    assert cached.from_cache
    assert hooks.outcomes.count("stored") == 1


async def test_a_small_answer_with_only_an_etag_is_still_kept_for_revalidation() -> None:
    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload(), repeat=True)
        m.get(playlist_items_url(), payload=page(7), headers={"Cache-Control": "private, max-age=0", "ETag": '"v1"'})
        m.get(playlist_items_url(), status=304, headers={"ETag": '"v1"'})
        async with client(revalidate_max_bytes=64 * 1024) as sp:
            await sp.playlists.items(PLAYLIST_ID)
            _, again = await sp.playlists.items(PLAYLIST_ID).with_response()
    assert again.revalidated
