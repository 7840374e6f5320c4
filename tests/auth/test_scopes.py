"""The scope check before sending: a call the granted scopes cannot satisfy raises ScopeError with nothing sent; a
scope that only unlocks optional fields never blocks; unknown grants are never checked. And the requirement table
against the route table."""

from __future__ import annotations

import re

import pytest

from spotify_async import ScopeError, Spotify, StaticToken
from spotify_async.auth.scopes import ALL_SCOPES, OPTIONAL_ONLY
from spotify_async.http.routes import ALL_ROUTES, REQUIREMENTS, check_scopes
from spotify_async.testing import FakeSpotify

from .support import user_token


def client(fake: FakeSpotify, scopes: str) -> Spotify:
    return Spotify(
        StaticToken(user_token(fake, scopes=scopes)),
        api_base=fake.api_base,
        accounts_base=fake.accounts_base,
        mode="extended",
    )


async def test_missing_scope_raises_before_sending(fake_spotify: FakeSpotify) -> None:
    async with client(fake_spotify, "user-read-private") as sp:
        with pytest.raises(ScopeError) as info:
            await sp.users.top_tracks()
    assert fake_spotify.stats.api_requests == 0
    err = info.value
    assert err.operation == "get-users-top-tracks"
    assert err.missing == {"user-top-read"}
    assert "user-top-read" in str(err)
    assert "authorize again" in str(err)


async def test_me_works_without_private_or_email(fake_spotify: FakeSpotify) -> None:
    async with client(fake_spotify, "user-top-read") as sp:
        me = await sp.users.me()
    assert me.id == fake_spotify.login_user
    assert me.email is None
    assert fake_spotify.stats.api_requests == 1


async def test_catalog_reads_are_never_checked(fake_spotify: FakeSpotify) -> None:
    album_id = fake_spotify.catalog.albums[0]
    async with client(fake_spotify, "user-top-read") as sp:
        album = await sp.albums.get(album_id)
    assert album.id == album_id


async def test_a_token_without_known_scopes_is_not_checked(fake_spotify: FakeSpotify) -> None:
    token = user_token(fake_spotify, scopes="user-top-read")
    async with Spotify(token.access_token, api_base=fake_spotify.api_base, mode="extended") as sp:
        page = await sp.users.top_tracks()  # a bare string: scopes unknown, so the server decides
    assert page.items is not None


def test_any_one_of_alternatives_is_enough_and_the_message_says_so() -> None:
    check_scopes("add-items-to-playlist", frozenset({"playlist-modify-private"}))
    check_scopes("add-items-to-playlist", frozenset({"playlist-modify-public"}))
    with pytest.raises(ScopeError, match=re.escape("one of: playlist-modify-private | playlist-modify-public")):
        check_scopes("add-items-to-playlist", frozenset({"user-top-read"}))
    check_scopes("upload-custom-playlist-cover", frozenset({"ugc-image-upload", "playlist-modify-private"}))
    with pytest.raises(ScopeError) as info:
        check_scopes("upload-custom-playlist-cover", frozenset({"playlist-modify-private"}))
    assert info.value.missing == {"ugc-image-upload"}
    check_scopes("get-an-album", frozenset())  # no requirement at all


def test_requirement_table_matches_the_routes() -> None:
    for op, need in REQUIREMENTS.items():
        route = ALL_ROUTES[op]  # every key is a real operation
        for alternative in need.alternatives:
            assert alternative, op
            assert alternative <= ALL_SCOPES, op
        # never stricter than the spec: at least one way through uses only scopes the spec lists
        assert any(alt <= set(route.scopes) for alt in need.alternatives), op
    for op, route in ALL_ROUTES.items():
        if route.scopes:
            assert (op in REQUIREMENTS) != (op in OPTIONAL_ONLY), f"{op}: listed scopes neither required nor optional"
        else:
            assert op not in REQUIREMENTS, op
