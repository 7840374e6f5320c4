"""Albums, artists and tracks against FakeSpotify, in both modes: batch reads chunked per the spec's maxima in
extended mode and fanned out to single reads in development mode, paging, and argument checks before sending."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
from catalog_support import MODES, UNKNOWN_IDS, client, nothing_sent, params_of, spy_requests

from spotify_async.config import Mode
from spotify_async.errors import EndpointUnavailable, InvalidInput
from spotify_async.models import Album, Artist, ArtistDiscographyAlbum, SimplifiedTrack, Track


def _mix(known: list[str], n: int) -> list[str]:
    """``n`` ids: known ones with an unknown id every 7th position."""
    out: list[str] = []
    for i in range(n):
        out.append(UNKNOWN_IDS[i % len(UNKNOWN_IDS)] if i % 7 == 3 else known[i % len(known)])
    return out


@pytest.mark.parametrize("mode", MODES)
async def test_album_get_and_tracks_pages(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        album_id = next(a for a in fake.catalog.albums if len(fake.catalog.album_by_id[a].track_ids) >= 5)
        record = fake.catalog.album_by_id[album_id]
        sent = spy_requests(sp)
        album = await sp.albums.get(f"spotify:album:{album_id}", market="se")
        assert isinstance(album, Album)
        assert (album.id, album.name) == (album_id, record.name)
        assert sent[0].compiled.path == f"/albums/{album_id}"
        assert params_of(sent[0]) == {"market": "SE"}

        before = fake.stats.api_requests
        tracks = await sp.albums.tracks(album_id, limit=2).collect()
        assert all(isinstance(t, SimplifiedTrack) for t in tracks)
        assert [t.id for t in tracks] == record.track_ids
        assert fake.stats.api_requests - before == math.ceil(len(record.track_ids) / 2)

        first = await sp.albums.tracks(album_id, limit=2, offset=1)
        assert (first.offset, first.limit, first.total) == (1, 2, len(record.track_ids))
        assert [t.id for t in first.items] == record.track_ids[1:3]
        capped = await sp.albums.tracks(album_id, limit=2, max_items=3).collect()
        assert [t.id for t in capped] == record.track_ids[:3]


@pytest.mark.parametrize(
    ("mode", "batch_op", "single_op", "expected_batch", "expected_single"),
    [
        ("extended", "get-multiple-albums", "get-an-album", 6, 0),
        ("development", "get-multiple-albums", "get-an-album", 0, 120),
    ],
)
async def test_albums_get_several_chunks_or_fans_out(
    mode: Mode, batch_op: str, single_op: str, expected_batch: int, expected_single: int
) -> None:
    async with client(mode) as (fake, sp):
        wanted = _mix(fake.catalog.albums, 120)
        albums = await sp.albums.get_several(wanted, market="SE")
        assert len(albums) == 120
        for ident, album in zip(wanted, albums, strict=True):
            if ident in UNKNOWN_IDS:
                assert album is None
            else:
                assert isinstance(album, Album)
                assert album.id == ident
        assert fake.stats.by_operation[batch_op] == expected_batch
        assert fake.stats.by_operation[single_op] == (len(set(wanted)) if expected_single else 0)  # coalesced


@pytest.mark.parametrize(("mode", "batches", "singles"), [("extended", 3, 0), ("development", 0, 120)])
async def test_tracks_and_artists_get_several(mode: Mode, batches: int, singles: int) -> None:
    async with client(mode) as (fake, sp):
        track_ids = _mix(fake.catalog.tracks, 120)
        tracks = await sp.tracks.get_several(track_ids)
        assert [t.id if t else None for t in tracks] == [None if i in UNKNOWN_IDS else i for i in track_ids]
        assert all(isinstance(t, Track) for t in tracks if t is not None)
        assert fake.stats.by_operation["get-several-tracks"] == batches
        # the repeated unknown id is one request: identical GETs in flight at once are coalesced
        assert fake.stats.by_operation["get-track"] == (len(set(track_ids)) if singles else 0)

        artist_ids = _mix(fake.catalog.artists, 120)
        artists = await sp.artists.get_several(f"spotify:artist:{a}" for a in artist_ids)
        assert [a.id if a else None for a in artists] == [None if i in UNKNOWN_IDS else i for i in artist_ids]
        assert fake.stats.by_operation["get-multiple-artists"] == batches
        assert fake.stats.by_operation["get-an-artist"] == (len(set(artist_ids)) if singles else 0)

        assert await sp.tracks.get_several([]) == []


@pytest.mark.parametrize("mode", MODES)
async def test_single_reads(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        track_id, artist_id = fake.catalog.tracks[5], fake.catalog.artists[5]
        track = await sp.tracks.get(f"https://open.spotify.com/track/{track_id}?si=abc", market="from_token")
        assert isinstance(track, Track)
        assert track.id == track_id
        assert track.name == fake.catalog.track_by_id[track_id].name
        artist = await sp.artists.get(artist_id)
        assert isinstance(artist, Artist)
        assert artist.name == fake.catalog.artist_by_id[artist_id].name


@pytest.mark.parametrize("mode", MODES)
async def test_artist_albums_filters_groups_and_pages(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        c = fake.catalog
        artist_id = max(c.artists, key=lambda a: len(c.artist_by_id[a].album_ids))
        record = c.artist_by_id[artist_id]
        own = set(record.album_ids)
        albums = await sp.artists.albums(
            artist_id, include_groups=["album", "single", "compilation"], limit=3
        ).collect()
        assert all(isinstance(a, ArtistDiscographyAlbum) for a in albums)
        assert {a.id for a in albums} == own
        assert len(albums) == len(own)
        if mode == "extended":
            assert {a.album_group for a in albums} <= {"album", "single", "compilation"}

        singles_only = await sp.artists.albums(artist_id, include_groups="single").collect()
        assert {a.id for a in singles_only} == {a for a in own if c.album_by_id[a].album_type == "single"}


async def test_artist_top_tracks_and_related_extended() -> None:
    async with client("extended") as (fake, sp):
        c = fake.catalog
        artist_id = max(c.artists, key=lambda a: len(c.artist_by_id[a].track_ids))
        top = await sp.artists.top_tracks(artist_id, market="US")
        assert 1 <= len(top) <= 10
        assert all(isinstance(t, Track) and artist_id in [a.id for a in t.artists] for t in top)
        # an artist sharing a genre with another: the fake relates artists by genre
        seed = next(
            a
            for a in c.artists
            if any(set(c.artist_by_id[a].genres) & set(c.artist_by_id[b].genres) for b in c.artists if b != a)
        )
        related = await sp.artists.related_artists(seed)
        assert related
        assert all(isinstance(a, Artist) and a.id != seed for a in related)
        genres = set(c.artist_by_id[seed].genres)
        assert all(genres.intersection(c.artist_by_id[a.id or ""].genres) for a in related)


async def test_artist_top_tracks_and_related_unavailable_in_development() -> None:
    async with client("development") as (fake, sp):
        artist_id = fake.catalog.artists[0]
        with nothing_sent(fake):
            with pytest.raises(EndpointUnavailable) as removed:
                await sp.artists.top_tracks(artist_id)
            with pytest.raises(EndpointUnavailable) as restricted:
                await sp.artists.related_artists(artist_id)
        assert removed.value.operation == "get-an-artists-top-tracks"
        assert restricted.value.operation == "get-an-artists-related-artists"
        assert removed.value.mode == "development"


@pytest.mark.parametrize("mode", MODES)
async def test_arguments_checked_before_sending(mode: Mode) -> None:
    async with client(mode) as (fake, sp):
        album_id, artist_id = fake.catalog.albums[0], fake.catalog.artists[0]
        bad_calls: list[Callable[[], object]] = [
            lambda: sp.albums.get("not-an-id"),
            lambda: sp.albums.get(f"spotify:track:{fake.catalog.tracks[0]}"),
            lambda: sp.albums.get(album_id, market="Sweden"),
            lambda: sp.albums.get(album_id, market="S1"),
            lambda: sp.albums.tracks(album_id, limit=51),
            lambda: sp.albums.tracks(album_id, limit=0),
            lambda: sp.albums.tracks(album_id, offset=-1),
            lambda: sp.albums.tracks(album_id, max_items=0),
            lambda: sp.artists.albums(artist_id, limit=11),
            lambda: sp.artists.albums(artist_id, include_groups=["album", "ep"]),
            lambda: sp.artists.albums(artist_id, include_groups=[]),
            lambda: sp.artists.top_tracks(artist_id, market="usa"),
            lambda: sp.artists.related_artists("spotify:artist:short"),
            lambda: sp.tracks.get(album_id + "x"),
        ]
        with nothing_sent(fake):
            for make in bad_calls:
                with pytest.raises(InvalidInput):
                    make()
            with pytest.raises(InvalidInput, match="single string"):
                await sp.albums.get_several(album_id)
            with pytest.raises(InvalidInput):
                await sp.tracks.get_several([fake.catalog.tracks[0], "bogus"])
            with pytest.raises(InvalidInput):
                await sp.artists.get_several([artist_id, f"spotify:album:{album_id}"])
            with pytest.raises(InvalidInput):
                await sp.albums.get_several([album_id], market="xx-yy")
