"""``sp.library`` against FakeSpotify in both modes, with every request validated against the spec: saving, removing
and checking URIs of every type on /me/library (chunked by 40), the per-type calls (on /me/library in development
mode, on their own operation in extended mode), playlist follows, the saved-item pages, and argument errors raised
before anything is sent."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from user_area_support import fake_user, nothing_sent

from spotify_async.config import Mode
from spotify_async.errors import EndpointUnavailable, InvalidInput
from spotify_async.models import SavedAlbum, SavedEpisode, SavedShow, SavedTrack, SimplifiedAudiobook
from spotify_async.testing import FakeSpotify

MODES: tuple[Mode, ...] = ("development", "extended")


def _collection(fake: FakeSpotify, uid: str, kind: str) -> dict[str, str]:
    state = fake.world.user_state(uid)
    if kind == "artist":
        return state.followed_artists
    if kind == "user":
        return state.followed_users
    if kind == "playlist":
        return state.followed_playlists
    return state.saved[kind]


def _catalog(fake: FakeSpotify, kind: str) -> list[str]:
    c = fake.catalog
    if kind == "playlist":
        # editorial playlists answer 404 to development-mode apps, whatever the endpoint
        return [p for p, rec in c.playlist_by_id.items() if rec.public and not rec.editorial]
    return list(getattr(c, f"{kind}s"))


def _unsaved(fake: FakeSpotify, uid: str, kind: str, n: int) -> list[str]:
    have = _collection(fake, uid, kind)
    # own playlists count as followed in Spotify's followers check: take other users' playlists
    out = [
        i
        for i in _catalog(fake, kind)
        if i not in have and i != uid and (kind != "playlist" or fake.catalog.playlist_by_id[i].owner_id != uid)
    ][:n]
    assert len(out) == n, f"the catalog has too few {kind}s for this test"
    return out


@pytest.mark.parametrize("mode", MODES)
async def test_save_contains_remove_mixed_uris_in_chunks_of_40(mode: Mode) -> None:
    kinds = ("track", "album", "episode", "show", "audiobook", "artist", "user", "playlist")
    async with fake_user(mode) as (fake, sp, uid):
        per_kind = {k: _unsaved(fake, uid, k, 12) for k in kinds}
        uris = [f"spotify:{k}:{i}" for k in kinds for i in per_kind[k]][:95]
        # open.spotify.com URLs are accepted too
        uris[5] = uris[5].replace("spotify:track:", "https://open.spotify.com/track/")
        assert await sp.library.contains(uris) == [False] * 95
        await sp.library.save(uris)
        assert await sp.library.contains(uris) == [True] * 95
        for uri in uris:
            kind, ident = uri.replace("https://open.spotify.com/", "spotify:").replace("/", ":").split(":")[1:3]
            assert ident in _collection(fake, uid, kind)
        ops = fake.stats.by_operation
        assert (ops["save-library-items"], ops["check-library-contains"]) == (3, 6)

        await sp.library.remove(uris[::2])
        flags = await sp.library.contains(uris)
        assert flags == [i % 2 == 1 for i in range(95)]
        assert ops["remove-library-items"] == math.ceil(48 / 40)


#: (kind, save, remove, contains, extended operationIds (save, remove, check), extended batch)
FAMILIES: list[tuple[str, str, str, str, tuple[str, str, str], int]] = [
    ("track", "save_tracks", "remove_tracks", "contains_tracks", ("save-tracks-user", "remove-tracks-user", "check-users-saved-tracks"), 50),
    ("album", "save_albums", "remove_albums", "contains_albums", ("save-albums-user", "remove-albums-user", "check-users-saved-albums"), 20),
    ("episode", "save_episodes", "remove_episodes", "contains_episodes", ("save-episodes-user", "remove-episodes-user", "check-users-saved-episodes"), 50),
    ("show", "save_shows", "remove_shows", "contains_shows", ("save-shows-user", "remove-shows-user", "check-users-saved-shows"), 50),
    ("audiobook", "save_audiobooks", "remove_audiobooks", "contains_audiobooks", ("save-audiobooks-user", "remove-audiobooks-user", "check-users-saved-audiobooks"), 50),
    ("artist", "follow_artists", "unfollow_artists", "is_following_artists", ("follow-artists-users", "unfollow-artists-users", "check-current-user-follows"), 50),
    ("user", "follow_users", "unfollow_users", "is_following_users", ("follow-artists-users", "unfollow-artists-users", "check-current-user-follows"), 50),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "save", "remove", "contains", "ops", "batch"), FAMILIES, ids=[f[0] for f in FAMILIES])
@pytest.mark.parametrize("mode", MODES)
async def test_per_type_calls_change_the_library_in_both_modes(
    mode: Mode, kind: str, save: str, remove: str, contains: str, ops: tuple[str, str, str], batch: int
) -> None:
    async with fake_user(mode) as (fake, sp, uid):
        available = len([i for i in _catalog(fake, kind) if i not in _collection(fake, uid, kind) and i != uid])
        n = min(available, 45)
        wanted = _unsaved(fake, uid, kind, n)
        # ids, URIs and URLs of the type
        values = [*wanted[:-2], f"spotify:{kind}:{wanted[-2]}", f"https://open.spotify.com/{kind}/{wanted[-1]}"]
        library = sp.library
        assert await getattr(library, contains)(values) == [False] * n
        await getattr(library, save)(values)
        assert set(wanted) <= set(_collection(fake, uid, kind))
        assert await getattr(library, contains)(values) == [True] * n
        await getattr(library, remove)(values[: n // 2])
        assert await getattr(library, contains)(values) == [i >= n // 2 for i in range(n)]

        by_op = fake.stats.by_operation
        if mode == "development":
            assert by_op["save-library-items"] == math.ceil(n / 40)
            assert by_op["remove-library-items"] == math.ceil((n // 2) / 40)
            assert by_op["check-library-contains"] == 3 * math.ceil(n / 40)
            assert all(by_op[op] == 0 for op in ops)
        else:
            assert by_op[ops[0]] == math.ceil(n / batch)
            assert by_op[ops[1]] == math.ceil((n // 2) / batch)
            assert by_op[ops[2]] == 3 * math.ceil(n / batch)
            assert by_op["save-library-items"] == by_op["check-library-contains"] == 0


@pytest.mark.parametrize("mode", MODES)
async def test_playlist_follows(mode: Mode) -> None:
    async with fake_user(mode) as (fake, sp, uid):
        pid = _unsaved(fake, uid, "playlist", 1)[0]
        followers = fake.catalog.playlist_by_id[pid].followers
        assert await sp.library.is_following_playlist(pid) is False
        await sp.library.follow_playlist(f"spotify:playlist:{pid}")
        assert pid in fake.world.user_state(uid).followed_playlists
        assert fake.catalog.playlist_by_id[pid].followers == followers + 1
        assert await sp.library.is_following_playlist(f"https://open.spotify.com/playlist/{pid}") is True
        await sp.library.unfollow_playlist(pid)
        assert await sp.library.is_following_playlist(pid) is False
        by_op = fake.stats.by_operation
        if mode == "development":
            assert (by_op["save-library-items"], by_op["remove-library-items"], by_op["check-library-contains"]) == (
                1,
                1,
                3,
            )
            with nothing_sent(fake), pytest.raises(EndpointUnavailable):
                sp.library.follow_playlist(pid, public=False)
        else:
            assert (by_op["follow-playlist"], by_op["unfollow-playlist"], by_op["check-if-user-follows-playlist"]) == (
                1,
                1,
                3,
            )
            await sp.library.follow_playlist(pid, public=False)
            assert await sp.library.is_following_playlist(pid) is True


@pytest.mark.parametrize("mode", MODES)
async def test_saved_item_pages(mode: Mode) -> None:
    readers: list[tuple[str, Callable[..., Any], type, Callable[[Any], str | None]]] = [
        ("track", lambda sp, **kw: sp.library.saved_tracks(**kw), SavedTrack, lambda s: s.track.id),
        ("album", lambda sp, **kw: sp.library.saved_albums(**kw), SavedAlbum, lambda s: s.album.id),
        ("show", lambda sp, **kw: sp.library.saved_shows(**kw), SavedShow, lambda s: s.show.id),
        (
            "episode",
            lambda sp, **kw: sp.library.saved_episodes(**kw),
            SavedEpisode,
            lambda s: s.episode and s.episode.id,
        ),
        ("audiobook", lambda sp, **kw: sp.library.saved_audiobooks(**kw), SimplifiedAudiobook, lambda s: s.id),
    ]
    async with fake_user(mode) as (fake, sp, uid):
        # make every list non-empty and longer than one page of 7
        for kind, *_ in readers:
            await sp.library.save([f"spotify:{kind}:{i}" for i in _unsaved(fake, uid, kind, 8)])
        for kind, reader, model, ident in readers:
            expected = list(reversed(fake.world.user_state(uid).saved[kind]))  # newest first
            before = fake.stats.api_requests
            items = await reader(sp, limit=7).collect()
            assert all(isinstance(i, model) for i in items)
            assert [ident(i) for i in items] == expected
            assert fake.stats.api_requests - before == math.ceil(len(expected) / 7)
            first = await reader(sp, limit=3, offset=2)
            assert (first.offset, first.limit, first.total) == (2, 3, len(expected))
            assert [ident(i) for i in first.items] == expected[2:5]
            assert [ident(i) async for i in reader(sp, max_items=4)] == expected[:4]


async def test_malformed_input_sends_nothing() -> None:
    async with fake_user("development") as (fake, sp, _uid):
        track = fake.catalog.tracks[0]
        with nothing_sent(fake):
            for bad in (
                [f"spotify:track:{track}", "spotify:track:nope"],
                [track],  # a bare id has no type
                [f"spotify:chapter:{fake.catalog.chapters[0]}"],
                f"spotify:track:{track}",
            ):
                with pytest.raises(InvalidInput):
                    sp.library.save(bad)  # type: ignore[arg-type]
                with pytest.raises(InvalidInput):
                    sp.library.contains(bad)  # type: ignore[arg-type]
            with pytest.raises(InvalidInput):
                sp.library.save_albums([f"spotify:track:{track}"])
            with pytest.raises(InvalidInput):
                sp.library.saved_tracks(limit=0)
