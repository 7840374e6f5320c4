"""What ``sp.playlists`` sends, checked on the wire (aioresponses): item writes chunked 100 at a time in order and
one after the other (positions advanced), the /tracks routes only on request in extended mode, the DELETE body key,
creation in both modes, cover uploads (JPEG check, 256 KB after base64, content type), and argument errors raised
before anything is sent."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Callable

import pytest
from aioresponses import CallbackResult, aioresponses
from user_area_support import MockedApi, Sent, ids_of, user_client

from spotify_async.config import Mode
from spotify_async.endpoints.playlists import COVER_IMAGE_MAX_BYTES, PlaylistsEndpoints
from spotify_async.errors import EndpointUnavailable, InvalidInput
from spotify_async.models import Image, Playlist

PID = "37i9dQZF1DXcBWIGoYBM5M"
ME = "wizzler"


def _uris(n: int, start: int = 0) -> list[str]:
    return [
        f"spotify:{'episode' if i % 10 == 9 else 'track'}:{ident}"
        for i, ident in enumerate(ids_of(n, start), start=start)
    ]


def _snapshots() -> object:
    counter = itertools.count(1)

    def answer(sent: Sent) -> CallbackResult:
        return CallbackResult(
            status=201 if sent.method == "POST" else 200, payload={"snapshot_id": f"snap-{next(counter)}"}
        )

    return answer


def _playlist(name: str = "Road trip") -> dict[str, object]:
    return {
        "id": PID,
        "name": name,
        "type": "playlist",
        "uri": f"spotify:playlist:{PID}",
        "public": False,
        "collaborative": False,
        "snapshot_id": "snap-0",
        "owner": {"id": ME, "type": "user", "uri": f"spotify:user:{ME}"},
        "items": {"href": "x", "items": [], "limit": 100, "offset": 0, "total": 0, "next": None, "previous": None},
    }


@pytest.mark.parametrize("mode", ["development", "extended"])
async def test_250_items_go_in_3_ordered_sequential_requests_with_positions_advanced(mode: Mode) -> None:
    uris = _uris(250)
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("POST", f"/playlists/{PID}/items", answer=_snapshots(), delay=0.02)  # type: ignore[arg-type]
        async with user_client(mode) as sp:
            snapshot = await sp.playlists.add_items(PID, uris, position=5)
    assert snapshot == "snap-3"
    assert [s.json["uris"] for s in api.sent] == [uris[:100], uris[100:200], uris[200:]]
    assert [s.json["position"] for s in api.sent] == [5, 105, 205]
    assert all(s.query == {} for s in api.sent)
    assert api.max_in_flight == 1


async def test_appending_sends_no_position() -> None:
    uris = _uris(120)
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("POST", f"/playlists/{PID}/items", answer=_snapshots())  # type: ignore[arg-type]
        async with user_client() as sp:
            assert await sp.playlists.add_items(f"https://open.spotify.com/playlist/{PID}", uris) == "snap-2"
    assert [("position" in s.json, len(s.json["uris"])) for s in api.sent] == [(False, 100), (False, 20)]


async def test_replace_beyond_100_replaces_then_appends_in_order() -> None:
    uris = _uris(230)
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("PUT", f"/playlists/{PID}/items", answer=_snapshots())  # type: ignore[arg-type]
        api.on("POST", f"/playlists/{PID}/items", answer=_snapshots())  # type: ignore[arg-type]
        async with user_client() as sp:
            await sp.playlists.replace_items(PID, uris)
            await sp.playlists.replace_items(PID, [])  # clears the playlist
    assert [(s.method, len(s.json["uris"])) for s in api.sent] == [
        ("PUT", 100),
        ("POST", 100),
        ("POST", 30),
        ("PUT", 0),
    ]
    assert [u for s in api.sent[:3] for u in s.json["uris"]] == uris


async def test_reorder_sends_the_range_and_snapshot() -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("PUT", f"/playlists/{PID}/items", payload={"snapshot_id": "after-reorder"})
        async with user_client() as sp:
            assert await sp.playlists.reorder_items(PID, 9, 0, 2, snapshot_id="before") == "after-reorder"
            assert await sp.playlists.reorder_items(PID, range_start=3, insert_before=10) == "after-reorder"
    assert [s.json for s in api.sent] == [
        {"range_start": 9, "insert_before": 0, "range_length": 2, "snapshot_id": "before"},
        {"range_start": 3, "insert_before": 10, "range_length": 1},
    ]


async def test_remove_uses_the_items_key_and_only_uri() -> None:
    track, episode = _uris(10)[0], _uris(10)[9]
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("DELETE", f"/playlists/{PID}/items", payload={"snapshot_id": "removed"})
        async with user_client() as sp:
            snapshot = await sp.playlists.remove_items(
                PID,
                [track, {"uri": episode.replace("spotify:episode:", "https://open.spotify.com/episode/")}],
                snapshot_id="snap-9",
            )
            # the reference declares only `uri` in items[]: positions are refused before anything is sent
            with pytest.raises(InvalidInput, match=r"positions.*replace_items"):
                sp.playlists.remove_items(PID, [{"uri": track, "positions": [3, 7]}])
    assert snapshot == "removed"
    assert len(api.sent) == 1
    assert api.sent[0].json == {"items": [{"uri": track}, {"uri": episode}], "snapshot_id": "snap-9"}


async def test_remove_chunks_in_order_against_one_snapshot() -> None:
    uris = _uris(205)
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("DELETE", f"/playlists/{PID}/items", answer=_snapshots(), delay=0.01)  # type: ignore[arg-type]
        async with user_client() as sp:
            assert await sp.playlists.remove_items(PID, uris, snapshot_id="base") == "snap-3"
    assert [[e["uri"] for e in s.json["items"]] for s in api.sent] == [uris[:100], uris[100:200], uris[200:]]
    assert {s.json["snapshot_id"] for s in api.sent} == {"base"}
    assert api.max_in_flight == 1


async def test_legacy_tracks_routes_only_in_extended_mode_and_only_on_request() -> None:
    uri = _uris(1)[0]
    with aioresponses() as m:
        api = MockedApi(m)
        for path in (f"/playlists/{PID}/tracks", f"/playlists/{PID}/items"):
            for method in ("POST", "PUT", "DELETE"):
                api.on(method, path, answer=_snapshots())  # type: ignore[arg-type]
            api.on(
                "GET",
                path,
                payload={
                    "href": "x",
                    "items": [],
                    "limit": 100,
                    "offset": 0,
                    "total": 0,
                    "next": None,
                    "previous": None,
                },
            )
        async with user_client("extended") as sp:
            await sp.playlists.add_items(PID, [uri], legacy_tracks_endpoint=True)
            await sp.playlists.replace_items(PID, [uri], legacy_tracks_endpoint=True)
            await sp.playlists.reorder_items(PID, 0, 1, legacy_tracks_endpoint=True)
            await sp.playlists.remove_items(PID, [uri], legacy_tracks_endpoint=True)
            await sp.playlists.items(PID, legacy_tracks_endpoint=True, limit=100)
            await sp.playlists.add_items(PID, [uri])
        legacy, current = api.sent[:5], api.sent[5:]
        assert {s.path for s in legacy} == {f"/playlists/{PID}/tracks"}
        assert legacy[3].json == {"tracks": [{"uri": uri}]}  # the old DELETE body key
        assert [s.path for s in current] == [f"/playlists/{PID}/items"]

        api.sent.clear()
        async with user_client("development") as sp:
            # development mode has no /tracks: the flag falls back to /items, Spotify's named replacement
            await sp.playlists.remove_items(PID, [uri], legacy_tracks_endpoint=True)
            await sp.playlists.items(PID, legacy_tracks_endpoint=True)
        assert [s.path for s in api.sent] == [f"/playlists/{PID}/items"] * 2
        assert api.sent[0].json == {"items": [{"uri": uri}]}
        assert api.sent[1].query["limit"] == "50"


async def test_create_and_change_details() -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("POST", "/me/playlists", status=201, payload=_playlist())
        api.on("PUT", f"/playlists/{PID}")
        async with user_client() as sp:
            created = await sp.playlists.create("Road trip", public=False, collaborative=True, description="")
            assert isinstance(created, Playlist)
            assert created.id == PID
            assert await sp.playlists.change_details(PID, name="Road trip 2", public=False) is None
    assert api.sent[0].json == {"name": "Road trip", "public": False, "collaborative": True, "description": ""}
    assert api.sent[1].json == {"name": "Road trip 2", "public": False}


async def test_create_for_user_extended_sends_the_user_operation() -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("POST", f"/users/{ME}/playlists", status=201, payload=_playlist())
        async with user_client("extended") as sp:
            created = await sp.playlists.create_for_user(f"spotify:user:{ME}", "Road trip")
    assert created.id == PID
    assert [(s.method, s.path, s.json) for s in api.sent] == [("POST", f"/users/{ME}/playlists", {"name": "Road trip"})]


async def test_create_for_user_development_checks_the_user_then_posts_to_me() -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("GET", "/me", payload={"id": ME, "type": "user", "uri": f"spotify:user:{ME}"})
        api.on("POST", "/me/playlists", status=201, payload=_playlist())
        async with user_client("development") as sp:
            created = await sp.playlists.create_for_user(ME, "Road trip", public=False)
            assert created.id == PID
            with pytest.raises(EndpointUnavailable) as info:
                await sp.playlists.create_for_user("someone-else", "Not mine")
            assert "POST /me/playlists" in str(info.value)
    assert [(s.method, s.path) for s in api.sent] == [("GET", "/me"), ("POST", "/me/playlists"), ("GET", "/me")]
    assert api.sent[1].json == {"name": "Road trip", "public": False}


async def test_cover_image_reads_images_and_null() -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        api.on(
            "GET",
            f"/playlists/{PID}/images",
            payload=[{"url": "https://i.scdn.co/image/ab", "height": 640, "width": 640}],
        )
        api.on("GET", f"/playlists/{ids_of(1)[0]}/images", body=b"null")
        async with user_client() as sp:
            assert await sp.playlists.cover_image(PID) == [
                Image(url="https://i.scdn.co/image/ab", height=640, width=640)
            ]
            assert await sp.playlists.cover_image(ids_of(1)[0]) == []


def _jpeg(size: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + b"\x00" * (size - 6) + b"\xff\xd9"


async def test_cover_upload_sends_base64_jpeg_with_its_content_type() -> None:
    largest = COVER_IMAGE_MAX_BYTES * 3 // 4  # base64 turns 3 bytes into 4: exactly 256 KB once encoded
    image = _jpeg(largest)
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("PUT", f"/playlists/{PID}/images", status=202)
        async with user_client() as sp:
            assert await sp.playlists.upload_cover_image(PID, image) is None
    sent = api.sent[0]
    assert sent.headers["Content-Type"] == "image/jpeg"
    assert sent.body is not None
    assert len(sent.body) == COVER_IMAGE_MAX_BYTES
    assert base64.b64decode(sent.body) == image


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (_jpeg(COVER_IMAGE_MAX_BYTES * 3 // 4 + 1), "base64"),  # one byte too many once encoded
        (_jpeg(COVER_IMAGE_MAX_BYTES), "base64"),  # 256 KB of JPEG is 341 KB once encoded
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "JPEG"),
        (b"", "JPEG"),
        ("not bytes", "bytes"),
    ],
)
async def test_cover_upload_refuses_before_sending(image: object, message: str) -> None:
    with aioresponses() as m:
        async with user_client() as sp:
            with pytest.raises(InvalidInput, match=message):
                sp.playlists.upload_cover_image(PID, image)  # type: ignore[arg-type]
        assert not m.requests


_URI = _uris(1)[0]
BAD_CALLS = [
    lambda p: p.add_items(PID, []),
    lambda p: p.add_items(PID, ["0" * 22]),  # a bare id: track or episode?
    lambda p: p.add_items(PID, ["spotify:album:" + "0" * 22]),  # albums are not playlist items
    lambda p: p.add_items(PID, _URI),  # type: ignore[arg-type]
    lambda p: p.add_items(PID, [_URI], position=-1),
    lambda p: p.add_items("not-a-playlist", [_URI]),
    lambda p: p.replace_items(PID, [_URI, "spotify:track:bad"]),
    lambda p: p.reorder_items(PID, -1, 0),
    lambda p: p.reorder_items(PID, 0, 1, 0),
    lambda p: p.reorder_items(PID, 0, True),  # type: ignore[arg-type]
    lambda p: p.remove_items(PID, []),
    lambda p: p.remove_items(PID, {"uri": _URI}),  # type: ignore[arg-type]
    lambda p: p.remove_items(PID, [{"uri": _URI, "positions": [-2]}]),
    lambda p: p.remove_items(PID, [{"uri": _URI, "position": [2]}]),
    lambda p: p.remove_items(PID, [{"uri": _URI, "positions": [i]} for i in range(101)]),  # no snapshot
    lambda p: p.remove_items(PID, [_URI], snapshot_id=""),
    lambda p: p.create(""),
    lambda p: p.create("x", collaborative=True),  # collaborative needs public=False
    lambda p: p.create("x", public="yes"),  # type: ignore[arg-type]
    lambda p: p.change_details(PID),
    lambda p: p.change_details(PID, public=True, collaborative=True),
    lambda p: p.create_for_user("bad user id!", "x"),
    lambda p: p.items(PID, limit=51),
    lambda p: p.get(PID, market="Sweden"),
]


@pytest.mark.parametrize("bad", BAD_CALLS)
async def test_argument_errors_are_raised_before_sending(bad: Callable[[PlaylistsEndpoints], object]) -> None:
    with aioresponses() as m:
        async with user_client() as sp:
            with pytest.raises(InvalidInput):
                bad(sp.playlists)
        assert not m.requests
