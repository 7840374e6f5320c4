"""The fake Web API's catalog routes: auth errors, shapes, validation, paging links that work when followed."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from fakehelpers import app_token, bearer, get_json, user_headers

from spotify_async.testing import FakeSpotify

ID = re.compile(r"[0-9A-Za-z]{22}\Z")


async def test_auth_errors(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    url = f"{fake.api_base}/albums/{fake.catalog.albums[0]}"
    assert await get_json(http, url, {}, 401) == {"error": {"status": 401, "message": "No token provided"}}
    assert await get_json(http, url, bearer("nope"), 401) == {
        "error": {"status": 401, "message": "Invalid access token"}
    }
    fake.issue_user_token()
    headers = user_headers(fake)
    await get_json(http, url, headers)
    fake.expire_access_tokens()
    assert (await get_json(http, url, headers, 401))["error"]["message"] == "The access token expired"


async def test_catalog_is_deterministic_and_real_shaped() -> None:
    async with FakeSpotify(seed=7) as a, FakeSpotify(seed=7) as b, FakeSpotify(seed=8) as c:
        assert a.catalog.tracks == b.catalog.tracks
        assert a.catalog.tracks != c.catalog.tracks
        assert a.client_id == b.client_id
    cat = a.catalog
    assert 100 <= len(cat.artists) <= 300
    assert all(ID.match(i) for i in cat.tracks[:500] + cat.albums + cat.artists)
    assert len(cat.playlist_by_id[cat.big_playlist_id].entries) == 10_000
    assert cat.search_terms


async def test_track_album_artist_shapes(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    tid = fake.catalog.tracks[10]
    track = await get_json(http, f"{fake.api_base}/tracks/{tid}", h)
    assert track["id"] == tid
    assert track["type"] == "track"
    assert track["uri"] == f"spotify:track:{tid}"
    assert track["href"] == f"{fake.api_base}/tracks/{tid}"
    assert track["external_urls"]["spotify"] == f"https://open.spotify.com/track/{tid}"
    assert re.match(r"[A-Z]{2}[0-9A-Z]{3}\d{7}\Z", track["external_ids"]["isrc"])
    assert {"duration_ms", "explicit", "disc_number", "track_number", "popularity", "available_markets"} <= set(track)
    album = await get_json(http, track["album"]["href"], h)
    assert tid in [t["id"] for t in album["tracks"]["items"]]
    assert album["tracks"]["total"] == album["total_tracks"]
    artist = await get_json(http, track["artists"][0]["href"], h)
    assert artist["type"] == "artist"
    assert len(artist["images"]) == 3


async def test_bad_and_unknown_ids(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    for kind in ("albums", "artists", "tracks"):
        assert await get_json(http, f"{fake.api_base}/{kind}/not-an-id", h, 400) == {
            "error": {"status": 400, "message": "invalid id"}
        }
        body = await get_json(http, f"{fake.api_base}/{kind}/{'0' * 22}", h, 404)
        assert body["error"]["status"] == 404


@pytest.mark.parametrize(("kind", "maximum"), [("albums", 20), ("artists", 50), ("tracks", 50)])
async def test_several_items(fake: FakeSpotify, http: aiohttp.ClientSession, kind: str, maximum: int) -> None:
    h = bearer(await app_token(fake, http))
    ids: list[str] = [*getattr(fake.catalog, kind)[: maximum - 1], "0" * 22]
    body = await get_json(http, f"{fake.api_base}/{kind}", h, ids=",".join(ids))
    got = body[kind]
    assert [x["id"] for x in got[:-1]] == ids[:-1]
    assert got[-1] is None
    too_many = getattr(fake.catalog, kind)[: maximum + 1]
    err = await get_json(http, f"{fake.api_base}/{kind}", h, 400, ids=",".join(too_many))
    assert err["error"]["message"] == "Too many ids requested"
    err = await get_json(http, f"{fake.api_base}/{kind}", h, 400, ids="abc")
    assert err["error"]["message"] == "invalid id"


async def follow_all(
    http: aiohttp.ClientSession, first: dict[str, Any], h: dict[str, str], key: str | None = None
) -> list[Any]:
    """Every item, following ``next``; search wraps each page in its type's key, as Spotify does."""
    items = list(first["items"])
    page = first
    while page["next"]:
        page = await get_json(http, page["next"], h)
        if key is not None:
            page = page[key]
        items.extend(page["items"])
    return items


async def test_paging_links_work(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    cat = fake.catalog
    album_id = max(cat.albums, key=lambda a: len(cat.album_by_id[a].track_ids))
    expected = cat.album_by_id[album_id].track_ids
    first = await get_json(http, f"{fake.api_base}/albums/{album_id}/tracks", h, limit=3)
    assert first["limit"] == 3
    assert first["offset"] == 0
    assert first["previous"] is None
    assert first["total"] == len(expected)
    assert first["href"] == f"{fake.api_base}/albums/{album_id}/tracks?offset=0&limit=3"
    items = await follow_all(http, first, h)
    assert [t["id"] for t in items] == expected
    second = await get_json(http, first["next"], h)
    assert (await get_json(http, second["previous"], h))["items"] == first["items"]


async def test_limit_validation(fake: FakeSpotify, dev_fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    album = fake.catalog.albums[0]
    artist = fake.catalog.artists[0]
    for url, params in (
        (f"/albums/{album}/tracks", {"limit": "51"}),
        (f"/albums/{album}/tracks", {"limit": "0"}),
        (f"/albums/{album}/tracks", {"limit": "x"}),
        ("/search", {"q": "a", "type": "track", "limit": "51"}),
    ):
        body = await get_json(http, fake.api_base + url, h, 400, **params)
        assert body == {"error": {"status": 400, "message": "Invalid limit"}}
    assert (await get_json(http, f"{fake.api_base}/albums/{album}/tracks", h, 400, offset="-1"))["error"][
        "message"
    ] == "Invalid offset"
    # development mode: search and artist albums max 10 (default 5)
    dh = bearer(await app_token(dev_fake, http))
    dev_album_artist = dev_fake.catalog.artists[0]
    assert dev_album_artist == artist
    await get_json(http, f"{dev_fake.api_base}/search", dh, 400, q="a", type="track", limit="11")
    page = await get_json(http, f"{dev_fake.api_base}/search", dh, q="the", type="artist")
    assert page["artists"]["limit"] == 5
    await get_json(http, f"{dev_fake.api_base}/artists/{artist}/albums", dh, 400, limit="11")
    assert (await get_json(http, f"{dev_fake.api_base}/artists/{artist}/albums", dh))["limit"] == 5
    # extended mode too: the spec's maxima hold for every app (the fake is never more lenient than the spec)
    await get_json(http, f"{fake.api_base}/artists/{artist}/albums", h, 400, limit="11")
    assert (await get_json(http, f"{fake.api_base}/artists/{artist}/albums", h, limit="10"))["limit"] == 10
    await get_json(http, f"{fake.api_base}/playlists/{fake.catalog.big_playlist_id}/items", h, 400, limit="51")
    await get_json(http, f"{fake.api_base}/albums", h, 400, ids=",".join(fake.catalog.albums[:21]))


async def test_artist_albums_groups(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    cat = fake.catalog
    artist = next(a for a in cat.artists if cat.artist_by_id[a].appears_on)
    rec = cat.artist_by_id[artist]
    first = await get_json(
        http, f"{fake.api_base}/artists/{artist}/albums", h, include_groups="single,appears_on", limit="2"
    )
    assert "include_groups=single,appears_on" in first["href"]
    items = await follow_all(http, first, h)
    groups = [a["album_group"] for a in items]
    assert set(groups) <= {"single", "appears_on"}
    assert groups == sorted(groups, key=["single", "appears_on"].index)
    assert len(items) == sum(cat.album_by_id[a].album_type == "single" for a in rec.album_ids) + len(rec.appears_on)
    await get_json(http, f"{fake.api_base}/artists/{artist}/albums", h, 400, include_groups="bogus")
    top = await get_json(http, f"{fake.api_base}/artists/{artist}/top-tracks", h)
    pops = [t["popularity"] for t in top["tracks"]]
    assert pops == sorted(pops, reverse=True)
    assert 0 < len(pops) <= 10


async def test_search(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    cat = fake.catalog
    name = cat.artist_by_id[cat.artists[5]].name
    body = await get_json(http, f"{fake.api_base}/search", h, q=name, type="artist,track", limit="3")
    assert cat.artists[5] in [a["id"] for a in body["artists"]["items"]]
    assert set(body) == {"artists", "tracks"}
    for t in body["tracks"]["items"]:
        assert (
            any(name.lower().split()[-1] in a["name"].lower() for a in t["artists"])
            or name.lower().split()[-1] in t["name"].lower()
        )
    # filters and followed links (Spotify's links say query=, not q=)
    body = await get_json(http, f"{fake.api_base}/search", h, q=f'artist:"{name}"', type="track", limit="2")
    tracks = await follow_all(http, body["tracks"], h, "tracks")
    assert len(tracks) == body["tracks"]["total"] > 0
    assert all(cat.artists[5] in [a["id"] for a in t["artists"]] for t in tracks)
    assert (await get_json(http, f"{fake.api_base}/search", h, 400, q="x", type="bogus"))["error"]["status"] == 400
    assert (await get_json(http, f"{fake.api_base}/search", h, 400, type="track"))["error"]["status"] == 400
    none = await get_json(http, f"{fake.api_base}/search", h, q="zzzzqqq", type="album")
    assert none["albums"]["total"] == 0
    assert none["albums"]["items"] == []
    for term in cat.search_terms:
        hits = await get_json(http, f"{fake.api_base}/search", h, q=term, type="artist,album,track")
        assert sum(hits[k]["total"] for k in hits) > 0, term


async def test_playlist_and_items(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    pid = fake.catalog.big_playlist_id
    pl = await get_json(http, f"{fake.api_base}/playlists/{pid}", h)
    assert pl["tracks"]["total"] == 10_000
    assert pl["items"]["total"] == 10_000
    assert len(pl["items"]["items"]) == 100
    entry = pl["items"]["items"][0]
    assert entry["item"] == entry["track"]
    assert entry["item"]["type"] == "track"
    page = await get_json(http, f"{fake.api_base}/playlists/{pid}/items", h, limit="50", offset="9970")
    assert len(page["items"]) == 30
    assert page["next"] is None
    # the spec's maxima: 50 for /items, 100 for the legacy /tracks
    await get_json(http, f"{fake.api_base}/playlists/{pid}/items", h, 400, limit="51")
    legacy = await get_json(http, f"{fake.api_base}/playlists/{pid}/tracks", h, limit="100")
    assert len(legacy["items"]) == 100
    old = await get_json(http, f"{fake.api_base}/playlists/{pid}/tracks", h, limit="5")
    assert old["href"].startswith(f"{fake.api_base}/playlists/{pid}/tracks?")
    await get_json(http, f"{fake.api_base}/playlists/{'0' * 22}", h, 404)


async def test_me_needs_a_user(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    assert (await get_json(http, f"{fake.api_base}/me", h, 401))["error"]["status"] == 401
    me = await get_json(http, f"{fake.api_base}/me", user_headers(fake))
    assert me["id"] == fake.login_user
    assert me["type"] == "user"
