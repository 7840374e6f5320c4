"""What ``sp.library`` sends, checked on the wire (aioresponses): /me/library chunking (40, concurrent, order kept),
the per-type calls in both modes (URIs on /me/library in development mode, the type's own operation and maximum in
extended mode), and argument errors raised before anything is sent."""

from __future__ import annotations

import pytest
from aioresponses import CallbackResult, aioresponses
from user_area_support import MockedApi, Sent, ids_of, user_client

from spotify_async.config import Mode
from spotify_async.errors import EndpointUnavailable, Forbidden, InvalidInput

TYPES = ("track", "album", "episode", "show", "audiobook", "artist", "user", "playlist")


def _mixed_uris(n: int) -> list[str]:
    ident = ids_of(n)
    return [f"spotify:{TYPES[i % len(TYPES)]}:{ident[i]}" for i in range(n)]


def _contains_answer(sent_query: dict[str, str]) -> list[bool]:
    # a URI is "saved" when its id is even: a deterministic answer the test can predict per URI
    return [int(uri.rsplit(":", 1)[1]) % 2 == 0 for uri in sent_query["uris"].split(",")]


async def test_save_chunks_95_uris_into_3_concurrent_requests_in_order() -> None:
    uris = _mixed_uris(95)
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("PUT", "/me/library", delay=0.05)
        async with user_client() as sp:
            assert await sp.library.save(uris) is None
    sent = api.of("PUT", "/me/library")
    assert [len(s.query["uris"].split(",")) for s in sent] == [40, 40, 15]
    assert sorted(uri for s in sent for uri in s.query["uris"].split(",")) == sorted(uris)
    assert {s.query["uris"].split(",")[0] for s in sent} == {uris[0], uris[40], uris[80]}
    assert api.max_in_flight == 3


async def test_contains_answers_in_input_order_although_chunks_finish_out_of_order() -> None:
    uris = _mixed_uris(95)

    def slower_first(sent: Sent) -> float:
        # the first chunk answers last, the last chunk first
        first = sent.query["uris"].split(",")[0]
        return {uris[0]: 0.12, uris[40]: 0.06}.get(first, 0.0)

    with aioresponses() as m:
        api = MockedApi(m)
        api.on(
            "GET",
            "/me/library/contains",
            answer=lambda s: CallbackResult(payload=_contains_answer(s.query)),
            delay=slower_first,
        )
        async with user_client() as sp:
            flags = await sp.library.contains(uris)
    assert flags == [int(u.rsplit(":", 1)[1]) % 2 == 0 for u in uris]
    assert len(api.sent) == 3
    assert api.max_in_flight == 3


async def test_urls_and_uris_of_every_type_become_uris() -> None:
    album, track = ids_of(2)
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("DELETE", "/me/library")
        async with user_client() as sp:
            await sp.library.remove([f"https://open.spotify.com/album/{album}?si=abc", f"spotify:track:{track}"])
    assert api.sent[0].query == {"uris": f"spotify:album:{album},spotify:track:{track}"}


@pytest.mark.parametrize(
    "bad",
    [
        ["spotify:track:" + "0" * 22, "not a uri"],
        ["0" * 22],  # a bare id says no type
        ["spotify:chapter:" + "0" * 22],  # chapters cannot be saved
        ["spotify:track:short"],
        "spotify:track:" + "0" * 22,  # a lone string, not a list
        [None],
    ],
)
async def test_malformed_input_raises_before_anything_is_sent(bad: object) -> None:
    with aioresponses() as m:
        async with user_client() as sp:
            for method in (sp.library.save, sp.library.remove, sp.library.contains):
                with pytest.raises(InvalidInput):
                    method(bad)  # type: ignore[arg-type]
        assert not m.requests


async def test_a_bad_entry_deep_in_a_long_list_is_named_and_nothing_is_sent() -> None:
    uris = _mixed_uris(90)
    uris[57] = "spotify:track:tooShort"
    with aioresponses() as m:
        async with user_client() as sp:
            with pytest.raises(InvalidInput, match="item 57"):
                sp.library.save(uris)
        assert not m.requests


async def test_empty_lists_send_nothing() -> None:
    with aioresponses() as m:
        async with user_client() as sp:
            await sp.library.save([])
            assert await sp.library.contains([]) == []
            assert await sp.library.contains_albums([]) == []
        assert not m.requests


# ---- per-type calls -------------------------------------------------------------------------------------------------

#: (method name, kind, extended method, extended path, extra query, batch size)
PER_TYPE_WRITES = [
    ("save_tracks", "track", "PUT", "/me/tracks", {}, 50),
    ("remove_tracks", "track", "DELETE", "/me/tracks", {}, 50),
    ("save_albums", "album", "PUT", "/me/albums", {}, 20),
    ("remove_albums", "album", "DELETE", "/me/albums", {}, 20),
    ("save_episodes", "episode", "PUT", "/me/episodes", {}, 50),
    ("remove_episodes", "episode", "DELETE", "/me/episodes", {}, 50),
    ("save_shows", "show", "PUT", "/me/shows", {}, 50),
    ("remove_shows", "show", "DELETE", "/me/shows", {}, 50),
    ("save_audiobooks", "audiobook", "PUT", "/me/audiobooks", {}, 50),
    ("remove_audiobooks", "audiobook", "DELETE", "/me/audiobooks", {}, 50),
    ("follow_artists", "artist", "PUT", "/me/following", {"type": "artist"}, 50),
    ("unfollow_artists", "artist", "DELETE", "/me/following", {"type": "artist"}, 50),
    ("follow_users", "user", "PUT", "/me/following", {"type": "user"}, 50),
    ("unfollow_users", "user", "DELETE", "/me/following", {"type": "user"}, 50),
]
PER_TYPE_CHECKS = [
    ("contains_tracks", "track", "/me/tracks/contains", {}, 50),
    ("contains_albums", "album", "/me/albums/contains", {}, 20),
    ("contains_episodes", "episode", "/me/episodes/contains", {}, 50),
    ("contains_shows", "show", "/me/shows/contains", {}, 50),
    ("contains_audiobooks", "audiobook", "/me/audiobooks/contains", {}, 50),
    ("is_following_artists", "artist", "/me/following/contains", {"type": "artist"}, 50),
    ("is_following_users", "user", "/me/following/contains", {"type": "user"}, 50),
]


@pytest.mark.parametrize(("name", "kind", "method", "path", "extra", "batch"), PER_TYPE_WRITES)
async def test_per_type_writes_use_me_library_in_development_mode(
    name: str, kind: str, method: str, path: str, extra: dict[str, str], batch: int
) -> None:
    wanted = ids_of(45)
    with aioresponses() as m:
        api = MockedApi(m)
        api.on(method, "/me/library")
        async with user_client("development") as sp:
            # ids, URIs and URLs of the type are all accepted
            values = [*wanted[:43], f"spotify:{kind}:{wanted[43]}", f"https://open.spotify.com/{kind}/{wanted[44]}"]
            await getattr(sp.library, name)(values)
    assert [s.path for s in api.sent] == ["/me/library", "/me/library"]
    assert sorted(u for s in api.sent for u in s.query["uris"].split(",")) == [f"spotify:{kind}:{i}" for i in wanted]
    assert all(set(s.query) == {"uris"} for s in api.sent)


@pytest.mark.parametrize(("name", "kind", "method", "path", "extra", "batch"), PER_TYPE_WRITES)
async def test_per_type_writes_send_their_own_operation_in_extended_mode(
    name: str, kind: str, method: str, path: str, extra: dict[str, str], batch: int
) -> None:
    wanted = ids_of(batch * 2 + 3)
    with aioresponses() as m:
        api = MockedApi(m)
        api.on(method, path, status=204 if path == "/me/following" else 200)
        async with user_client("extended") as sp:
            await getattr(sp.library, name)(wanted)
    assert len(api.sent) == 3
    assert all(s.path == path for s in api.sent)
    if name == "save_tracks":
        # the spec has no ids query parameter on PUT /me/tracks: the ids travel in the JSON body
        chunks = [s.json["ids"] for s in api.sent]
        assert all(s.query == {} for s in api.sent)
        assert all(s.headers.get("Content-Type") == "application/json" for s in api.sent)
    else:
        chunks = [s.query["ids"].split(",") for s in api.sent]
        assert all({k: v for k, v in s.query.items() if k != "ids"} == extra for s in api.sent)
    assert sorted(len(c) for c in chunks) == [3, batch, batch]
    assert sorted(i for c in chunks for i in c) == wanted


@pytest.mark.parametrize(("name", "kind", "path", "extra", "batch"), PER_TYPE_CHECKS)
@pytest.mark.parametrize("mode", ["development", "extended"])
async def test_per_type_checks_in_both_modes(
    mode: Mode, name: str, kind: str, path: str, extra: dict[str, str], batch: int
) -> None:
    wanted = ids_of(batch * 2 + 3, start=7)
    expected = [int(i) % 3 == 0 for i in wanted]

    def answer(sent: Sent) -> CallbackResult:
        query = sent.query
        values = query["uris"].split(",") if "uris" in query else query["ids"].split(",")
        return CallbackResult(payload=[int(v.rsplit(":", 1)[-1]) % 3 == 0 for v in values])

    def slower_first(sent: Sent) -> float:
        query = sent.query
        first = (query.get("uris") or query["ids"]).split(",")[0].rsplit(":", 1)[-1]
        return 0.05 if first == wanted[0] else 0.0

    with aioresponses() as m:
        api = MockedApi(m)
        target = "/me/library/contains" if mode == "development" else path
        api.on("GET", target, answer=answer, delay=slower_first)
        async with user_client(mode) as sp:
            assert await getattr(sp.library, name)(wanted) == expected
    assert all(s.path == target for s in api.sent)
    if mode == "development":
        assert [len(s.query["uris"].split(",")) for s in api.sent] == [40] * (len(wanted) // 40) + (
            [len(wanted) % 40] if len(wanted) % 40 else []
        )
        assert all(u.startswith(f"spotify:{kind}:") for s in api.sent for u in s.query["uris"].split(","))
    else:
        assert len(api.sent) == 3
        assert all({k: v for k, v in s.query.items() if k != "ids"} == extra for s in api.sent)


async def test_per_type_calls_refuse_other_types_before_sending() -> None:
    with aioresponses() as m:
        for mode in ("development", "extended"):
            async with user_client(mode) as sp:  # type: ignore[arg-type]
                with pytest.raises(InvalidInput, match="expected a album"):
                    sp.library.save_albums(["spotify:track:" + "0" * 22])
                with pytest.raises(InvalidInput, match="item 1"):
                    sp.library.contains_tracks(["0" * 22, "bad id"])
                with pytest.raises(InvalidInput, match="single string"):
                    sp.library.follow_artists("0" * 22)
        assert not m.requests


async def test_playlist_follows_in_development_mode_use_me_library() -> None:
    pid = ids_of(1)[0]
    uri = f"spotify:playlist:{pid}"
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("PUT", "/me/library")
        api.on("DELETE", "/me/library")
        api.on("GET", "/me/library/contains", payload=[True])
        async with user_client("development") as sp:
            await sp.library.follow_playlist(f"https://open.spotify.com/playlist/{pid}")
            await sp.library.follow_playlist(pid, public=True)
            assert await sp.library.is_following_playlist(uri) is True
            await sp.library.unfollow_playlist(pid)
            # /me/library has no visibility flag: a private follow cannot be honoured, so nothing is sent
            with pytest.raises(EndpointUnavailable) as info:
                sp.library.follow_playlist(pid, public=False)
            assert "PUT /me/library" in str(info.value)
    assert [(s.method, s.path, s.query) for s in api.sent] == [
        ("PUT", "/me/library", {"uris": uri}),
        ("PUT", "/me/library", {"uris": uri}),
        ("GET", "/me/library/contains", {"uris": uri}),
        ("DELETE", "/me/library", {"uris": uri}),
    ]


async def test_playlist_follows_in_extended_mode_use_the_followers_operations() -> None:
    pid = ids_of(1)[0]
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("PUT", f"/playlists/{pid}/followers")
        api.on("DELETE", f"/playlists/{pid}/followers")
        api.on("GET", f"/playlists/{pid}/followers/contains", payload=[False])
        async with user_client("extended") as sp:
            await sp.library.follow_playlist(pid, public=False)
            await sp.library.follow_playlist(pid)
            assert await sp.library.is_following_playlist(pid) is False
            await sp.library.unfollow_playlist(f"spotify:playlist:{pid}")
    assert [(s.method, s.path, s.json) for s in api.sent] == [
        ("PUT", f"/playlists/{pid}/followers", {"public": False}),
        ("PUT", f"/playlists/{pid}/followers", None),
        ("GET", f"/playlists/{pid}/followers/contains", None),
        ("DELETE", f"/playlists/{pid}/followers", None),
    ]


async def test_a_refused_chunk_raises_and_the_error_carries_spotifys_message() -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        api.on(
            "PUT",
            "/me/library",
            answer=lambda s: CallbackResult(
                status=403 if s.query["uris"].startswith("spotify:track:" + "0" * 20 + "40") else 200,
                payload={"error": {"status": 403, "message": "Insufficient client scope"}},
            ),
        )
        async with user_client() as sp:
            with pytest.raises(Forbidden, match="Insufficient client scope"):
                await sp.library.save_tracks(ids_of(95))


async def test_saved_page_limits_are_checked_before_sending() -> None:
    with aioresponses() as m:
        async with user_client() as sp:
            for reader in (
                sp.library.saved_tracks,
                sp.library.saved_albums,
                sp.library.saved_shows,
                sp.library.saved_episodes,
                sp.library.saved_audiobooks,
            ):
                with pytest.raises(InvalidInput):
                    reader(limit=51)
                with pytest.raises(InvalidInput):
                    reader(offset=-1)
            with pytest.raises(InvalidInput):
                sp.library.saved_tracks(market="Sweden")
        assert not m.requests
