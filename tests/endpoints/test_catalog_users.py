"""Users against FakeSpotify: the current user, other users' profiles and playlists (extended mode only), the user's
playlists, top items and followed artists, in both modes; arguments checked before sending."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from catalog_support import MODES, client, nothing_sent, params_of, spy_requests

from spotify_async.config import Mode
from spotify_async.errors import EndpointUnavailable, InvalidInput
from spotify_async.models import Artist, PrivateUser, PublicUser, SimplifiedPlaylist, Track


@pytest.mark.parametrize("mode", MODES)
async def test_me(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        me = await sp.users.me()
        assert isinstance(me, PrivateUser)
        assert me.id == fake.login_user
        assert me.display_name == fake.catalog.user_by_id[me.id].display_name
        if mode == "development":
            # fields Spotify stopped sending to development-mode apps arrive as None, not as a crash
            assert (me.country, me.email, me.product, me.followers) == (None, None, None, None)
        else:
            assert me.country == fake.catalog.user_by_id[me.id].country
            assert me.email is not None


async def test_other_users_profile_and_playlists_extended() -> None:
    async with client("extended") as (fake, sp):
        c = fake.catalog
        owner = next(u for u in c.users if any(p.owner_id == u and p.public for p in c.playlist_by_id.values()))
        profile = await sp.users.get(f"spotify:user:{owner}")
        assert isinstance(profile, PublicUser)
        assert (profile.id, profile.display_name) == (owner, c.user_by_id[owner].display_name)

        playlists = await sp.users.playlists(owner, limit=3).collect()
        assert all(isinstance(p, SimplifiedPlaylist) for p in playlists)
        ids = [p.id for p in playlists]
        assert len(set(ids)) == len(ids)
        public_owned = {p.id for p in c.playlist_by_id.values() if p.owner_id == owner and p.public}
        assert public_owned <= set(ids)


async def test_other_users_unavailable_in_development() -> None:
    async with client("development") as (fake, sp):
        other = fake.catalog.users[1]
        with nothing_sent(fake):
            with pytest.raises(EndpointUnavailable) as profile:
                await sp.users.get(other)
            with pytest.raises(EndpointUnavailable) as playlists:
                await sp.users.playlists(other)
        assert profile.value.operation == "get-users-profile"
        assert playlists.value.operation == "get-list-users-playlists"
        assert playlists.value.replacement is not None
        assert "/me/playlists" in playlists.value.replacement


@pytest.mark.parametrize("mode", MODES)
async def test_my_playlists_pages(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        uid = fake.login_user
        before = fake.stats.api_requests
        playlists = await sp.users.my_playlists(limit=4).collect()
        first = await sp.users.my_playlists(limit=4)
        assert len(playlists) == first.total
        assert fake.stats.api_requests - before == max(1, math.ceil(first.total / 4)) + 1
        ids = [p.id for p in playlists]
        assert len(set(ids)) == len(ids)
        owned = {p.id for p in fake.catalog.playlist_by_id.values() if p.owner_id == uid}
        assert owned
        assert owned <= set(ids)


@pytest.mark.parametrize("mode", MODES)
async def test_top_items(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        sent = spy_requests(sp)
        artists = await sp.users.top_artists(time_range="short_term", limit=20).collect()
        assert artists
        assert all(isinstance(a, Artist) for a in artists)
        assert {a.id for a in artists} <= set(fake.catalog.artists)
        assert all(params_of(r)["time_range"] == "short_term" for r in sent)
        assert len(sent) == math.ceil(len(artists) / 20)

        tracks = await sp.users.top_tracks(limit=5, max_items=7).collect()
        assert len(tracks) == 7
        assert all(isinstance(t, Track) for t in tracks)
        every = await sp.users.top_tracks(time_range="long_term").collect()
        assert {t.id for t in every} <= set(fake.catalog.tracks)
        default = spy_requests(sp)
        await sp.users.top_tracks()
        assert "time_range" not in params_of(default[0])


@pytest.mark.parametrize("mode", MODES)
async def test_followed_artists_cursor_pages(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        followed = set(fake.world.user_state(fake.login_user).followed_artists)
        sent = spy_requests(sp)
        artists = await sp.users.followed_artists(limit=5).collect()
        assert {a.id for a in artists} == followed
        assert len(artists) == len(followed)
        assert len(sent) >= math.ceil(len(followed) / 5)
        assert all(params_of(r)["type"] == "artist" for r in sent)
        assert all(r.compiled.path == "/me/following" for r in sent)

        capped = await sp.users.followed_artists(limit=2, max_items=3).collect()
        assert len(capped) == min(3, len(followed))


@pytest.mark.parametrize("mode", MODES)
async def test_users_arguments_checked_before_sending(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        bad_calls: list[Callable[[], object]] = [
            lambda: sp.users.get("not a user id!"),
            lambda: sp.users.get(f"spotify:artist:{fake.catalog.artists[0]}"),
            lambda: sp.users.playlists("", limit=10),
            lambda: sp.users.playlists(fake.catalog.users[0], limit=51),
            lambda: sp.users.my_playlists(offset=-5),
            lambda: sp.users.my_playlists(limit=0),
            lambda: sp.users.top_artists(time_range="weekly"),  # type: ignore[arg-type]
            lambda: sp.users.top_tracks(time_range="all_time"),  # type: ignore[arg-type]
            lambda: sp.users.top_tracks(limit=51),
            lambda: sp.users.followed_artists(limit=51),
            lambda: sp.users.followed_artists(after="not-an-artist"),
            lambda: sp.users.followed_artists(max_items=-1),
        ]
        with nothing_sent(fake):
            for make in bad_calls:
                with pytest.raises(InvalidInput):
                    make()
