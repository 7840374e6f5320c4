"""One return shape: every endpoint method returns an awaitable with ``.with_response()``.

A method that sends one request returns a :class:`Call` (or a :class:`Paged`/:class:`CursorPaged` for pages); one that
may send several (chunked library writes, ``get_several``, playlist item writes in batches, ``create_for_user`` in
development mode, ``snapshot``) returns a :class:`Batch`: await it for the combined result, ``.with_response()`` for
the result and every request's Response in request order. A Call or Batch dropped without being awaited warns with the
endpoint method's name, once (a batch's own calls stay quiet); a Paged or CursorPaged warns when it was neither
awaited nor iterated. Checked on the wire with aioresponses, including a
chunk that fails while the others hang (they are cancelled, not left running).
"""

from __future__ import annotations

import asyncio
import gc
import inspect
import re
import warnings
from typing import Any

import pytest
from aioresponses import CallbackResult, aioresponses
from user_area_support import API, MockedApi, Sent, ids_of, user_client

import spotify_async.endpoints
from spotify_async.endpoints._base import EndpointGroup
from spotify_async.errors import Forbidden, InvalidInput
from spotify_async.http.call import Batch, Call
from spotify_async.http.response import Request, Response

RETURN_SHAPES = ("Call[", "Paged[", "CursorPaged[", "Batch[")


def _groups() -> list[type[EndpointGroup]]:
    import importlib
    import pkgutil

    found: list[type[EndpointGroup]] = []
    for info in pkgutil.iter_modules(spotify_async.endpoints.__path__):
        module = importlib.import_module(f"spotify_async.endpoints.{info.name}")
        for value in vars(module).values():
            group = isinstance(value, type) and issubclass(value, EndpointGroup) and value is not EndpointGroup
            if group and value.__module__ == module.__name__:
                found.append(value)
    return found


def test_every_endpoint_method_returns_a_call_pages_or_a_batch() -> None:
    groups = _groups()
    assert len(groups) == 15
    wrong = []
    checked = 0
    for group in groups:
        for name, fn in vars(group).items():
            if (name.startswith("_") and name != "__call__") or not inspect.isfunction(fn):
                continue
            checked += 1
            returns = str(inspect.signature(fn).return_annotation)
            if inspect.iscoroutinefunction(fn) or not returns.startswith(RETURN_SHAPES):
                wrong.append(f"{group.__name__}.{name} -> {returns}")
    assert checked > 90
    assert wrong == []


# ---------------------------------------------------------------- batches on the wire


async def test_a_chunked_library_write_gives_every_response_in_request_order() -> None:
    wanted = ids_of(120)
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("PUT", "/me/tracks")
        async with user_client("extended") as sp:
            batch = sp.library.save_tracks(wanted)
            assert isinstance(batch, Batch)
            result, responses = await batch.with_response()
            assert await sp.library.save_tracks(wanted[:3]) is None  # awaited: just the result
    assert result is None
    assert [len(s.json["ids"]) for s in api.of("PUT")[:3]] == [50, 50, 20]
    assert len(responses) == 3
    assert all(isinstance(r, Response) and r.status == 200 for r in responses)
    assert {r.operation_id for r in responses} == {"save-tracks-user"}


async def test_get_several_in_development_mode_keeps_none_for_unknown_ids_and_their_responses_out() -> None:
    wanted = ids_of(3)

    def answer(sent: Sent) -> CallbackResult:
        artist_id = sent.path.rsplit("/", 1)[1]
        if artist_id == wanted[1]:
            return CallbackResult(status=404, payload={"error": {"status": 404, "message": "Non existing id"}})
        return CallbackResult(payload={"id": artist_id, "name": "a", "uri": f"spotify:artist:{artist_id}"})

    with aioresponses() as m:
        api = MockedApi(m)
        api.on("GET", "/artists/[0-9]+", answer=answer)
        async with user_client("development") as sp:
            artists, responses = await sp.artists.get_several(wanted).with_response()
    assert [a.id if a is not None else None for a in artists] == [wanted[0], None, wanted[2]]
    assert len(responses) == 2  # the 404 answered no item: it has no Response to give
    assert len(api.sent) == 3


async def test_playlist_item_writes_go_one_after_the_other_and_answer_the_last_snapshot() -> None:
    uris = [f"spotify:track:{i}" for i in ids_of(250)]
    answers = iter(["s1", "s2", "s3"])
    with aioresponses() as m:
        api = MockedApi(m)
        api.on(
            "POST",
            "/playlists/[0-9]+/items",
            answer=lambda _: CallbackResult(status=201, payload={"snapshot_id": next(answers)}),
            delay=0.01,
        )
        async with user_client() as sp:
            snapshot, responses = await sp.playlists.add_items(ids_of(1)[0], uris, position=5).with_response()
    assert snapshot == "s3"
    assert [r.status for r in responses] == [201, 201, 201]
    assert [s.json["position"] for s in api.sent] == [5, 105, 205]
    assert api.max_in_flight == 1


async def test_create_for_user_in_development_mode_is_a_batch_of_its_two_requests() -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("GET", "/me", payload={"id": "alice", "type": "user", "uri": "spotify:user:alice"})
        api.on(
            "POST",
            "/me/playlists",
            answer=lambda _: CallbackResult(status=201, payload={"id": "p" * 22, "name": "Mix", "type": "playlist"}),
        )
        async with user_client("development") as sp:
            playlist, responses = await sp.playlists.create_for_user("alice", "Mix").with_response()
    assert playlist.name == "Mix"
    assert [(r.method, r.operation_id) for r in responses] == [
        ("GET", "get-current-users-profile"),
        ("POST", "create-playlist"),
    ]
    assert [(s.method, s.path) for s in api.sent] == [("GET", "/me"), ("POST", "/me/playlists")]


async def test_a_batch_max_wait_bounds_each_of_its_requests() -> None:
    seen: list[float | None] = []
    with aioresponses() as m:
        MockedApi(m).on("PUT", "/me/library")
        async with user_client() as sp:
            send = sp._send

            async def spy(request: Request) -> Response:
                seen.append(request.max_wait)
                return await send(request)

            sp._send = spy  # type: ignore[method-assign]
            await sp.library.save_tracks(ids_of(90)).with_max_wait(2.5)
            with pytest.raises(InvalidInput, match="max_wait"):
                sp.library.save_tracks(ids_of(1)).with_max_wait(-1)
    assert seen == [2.5, 2.5, 2.5]


async def test_a_failing_chunk_raises_and_cancels_the_chunks_still_in_flight() -> None:
    """A server that refuses one chunk at once and leaves the others hanging: the batch raises the refusal and the
    hanging requests are cancelled (the test's bound is the wait_for: a batch that waited for them would time out)."""
    uris = [f"spotify:track:{i}" for i in ids_of(120)]
    cancelled: list[str] = []
    hang = asyncio.Event()

    async def callback(url: Any, **kwargs: Any) -> CallbackResult:
        first = url.query["uris"].split(",")[0]
        if first == uris[40]:
            return CallbackResult(
                status=403, payload={"error": {"status": 403, "message": "Insufficient client scope"}}
            )
        try:
            await hang.wait()  # never set: only cancellation ends it
        except asyncio.CancelledError:
            cancelled.append(first)
            raise
        return CallbackResult(status=200)

    with aioresponses() as m:
        m.add(re.compile(rf"^{API}/me/library\?.*$"), method="PUT", callback=callback, repeat=True)
        async with user_client() as sp:
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(Forbidden):
                await asyncio.wait_for(sp.library.save(uris), timeout=10)
            elapsed = loop.time() - started
    assert 0 <= elapsed < 10
    assert sorted(cancelled) == sorted([uris[0], uris[80]])


# ---------------------------------------------------------------- never awaited


def _dropped(make: Any) -> list[str]:
    """The RuntimeWarnings raised while ``make()`` builds something that is dropped at once."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        make()
        gc.collect()
    return [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


async def test_a_call_or_batch_never_awaited_warns_with_the_methods_name_once() -> None:
    async with user_client("extended") as sp:
        assert _dropped(lambda: sp.library.save_tracks(ids_of(120))) == [
            "sp.library.save_tracks(...) was never awaited: nothing was sent (await it, or its .with_response())"
        ]
        (message,) = _dropped(lambda: sp.tracks.get(ids_of(1)[0]))
        assert message.startswith("sp.tracks.get(...) was never awaited")
        (message,) = _dropped(lambda: sp.albums.get_several(ids_of(30)))
        assert message.startswith("sp.albums.get_several(...) was never awaited")
        (message,) = _dropped(lambda: sp.library.follow_playlist(ids_of(1)[0]))
        assert message.startswith("sp.library.follow_playlist(...) was never awaited")
        (message,) = _dropped(lambda: sp.search("abba", types=["track"]))
        assert message.startswith("sp.search(...) was never awaited")
        (message,) = _dropped(lambda: sp.playlists.add_items(ids_of(1)[0], ["spotify:track:" + "1" * 22] * 150))
        assert message.startswith("sp.playlists.add_items(...) was never awaited")
        # dropped on purpose, or refused before sending: no warning
        assert _dropped(lambda: sp.tracks.get(ids_of(1)[0]).close()) == []
        assert _dropped(lambda: sp.library.save_tracks(ids_of(2)).close()) == []

        def refused() -> None:
            with pytest.raises(InvalidInput):
                sp.tracks.get(ids_of(1)[0]).with_max_wait(float("nan"))

        assert _dropped(refused) == []


async def test_awaited_calls_and_batches_do_not_warn() -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("PUT", "/me/player/pause")
        api.on("PUT", "/me/tracks")
        async with user_client("extended") as sp:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                await sp.player.pause()
                await sp.player.pause().with_response()
                await sp.library.save_tracks(ids_of(60))
                await sp.library.save_tracks(ids_of(60)).with_response()
                gc.collect()
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []
    assert len(api.sent) == 6


def test_a_call_built_by_hand_names_where_it_was_built() -> None:
    from spotify_async.http import routes

    def build_here() -> None:
        Call(object(), Request(routes.GET_TRACK.compile(id="0" * 22)), None)  # type: ignore[arg-type]

    (message,) = _dropped(build_here)
    assert "build_here" in message
    assert "was never awaited" in message


# ---------------------------------------------------------------- pages never awaited nor iterated

NEVER_USED = "was never awaited nor iterated: nothing was sent"
EMPTY_PAGE = {"href": API + "/me/tracks", "items": [], "limit": 20, "offset": 0, "total": 0, "next": None}
EMPTY_CURSOR_PAGE = {
    "href": API + "/me/player/recently-played",
    "items": [],
    "limit": 20,
    "next": None,
    "cursors": None,
}


async def test_pages_never_awaited_nor_iterated_warn_with_the_methods_name() -> None:
    async with user_client("extended") as sp:
        assert _dropped(lambda: sp.library.saved_tracks()) == [
            f"sp.library.saved_tracks(...) {NEVER_USED} (await it for the first page, iterate it with async for, "
            "or .collect() it)"
        ]
        (message,) = _dropped(lambda: sp.player.recently_played())
        assert message.startswith(f"sp.player.recently_played(...) {NEVER_USED}")
        (message,) = _dropped(lambda: sp.playlists.items(ids_of(1)[0]))
        assert message.startswith(f"sp.playlists.items(...) {NEVER_USED}")
        # through a helper of the endpoint group (search's _paged): still the public method's name
        (message,) = _dropped(lambda: sp.search.tracks("abba"))
        assert message.startswith(f"sp.search.tracks(...) {NEVER_USED}")
        # dropped on purpose, or refused before sending: no warning
        assert _dropped(lambda: sp.library.saved_tracks().close()) == []

        def refused() -> None:
            with pytest.raises(InvalidInput):
                sp.player.recently_played().with_max_wait(-1)

        assert _dropped(refused) == []


async def test_pages_awaited_or_iterated_in_any_way_do_not_warn() -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("GET", "/me/tracks", payload=EMPTY_PAGE)
        api.on("GET", "/me/player/recently-played", payload=EMPTY_CURSOR_PAGE)
        async with user_client("extended") as sp:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                for make in (sp.library.saved_tracks, sp.player.recently_played):
                    await make()
                    await make().with_response()
                    assert [item async for item in make()] == []
                    assert [page.items async for page in make().pages()] == [[]]
                    assert await make().collect() == []
                # asking for the pages counts as use even before they are iterated (someone else may iterate them)
                pages = sp.library.saved_tracks().pages()
                gc.collect()
                assert [page.items async for page in pages] == [[]]
                gc.collect()
    assert [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)] == []
    assert len(api.of("GET", "/me/tracks")) == 6
    assert len(api.of("GET", "/me/player/recently-played")) == 5
