"""Stateful behaviour of the fake per user: library, follows, playlists with snapshots and covers, the player
and its reason codes, top items, scopes, and development mode."""

from __future__ import annotations

import base64
from typing import Any

import aiohttp
import pytest
from fakehelpers import app_token, bearer, get_json, user_headers

from spotify_async.testing import FakeSpotify
from tests.resources import openapi_spec


async def send(
    http: aiohttp.ClientSession, method: str, url: str, headers: dict[str, str], status: int, **kw: Any
) -> Any:
    async with http.request(method, url, headers=headers, **kw) as r:
        raw = await r.read()
        assert r.status == status, (r.status, raw[:300])
        return (await r.json(content_type=None)) if raw else None


async def test_library_save_contains_list_remove(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = user_headers(fake)
    base = fake.api_base
    new = [t for t in fake.catalog.tracks if t not in fake.world.user_state(fake.login_user).saved["track"]][:3]
    before = (await get_json(http, f"{base}/me/tracks", h))["total"]
    await send(http, "PUT", f"{base}/me/tracks", h, 200, json={"ids": new[:2]})
    await send(
        http,
        "PUT",
        f"{base}/me/tracks",
        h,
        200,
        json={"timestamped_ids": [{"id": new[2], "added_at": "2020-01-01T00:00:00Z"}]},
    )
    assert await get_json(http, f"{base}/me/tracks/contains", h, ids=",".join(new)) == [True, True, True]
    page = await get_json(http, f"{base}/me/tracks", h, limit="3")
    assert page["total"] == before + 3
    assert [i["track"]["id"] for i in page["items"]] == [new[2], new[1], new[0]]  # newest first
    assert page["items"][0]["added_at"] == "2020-01-01T00:00:00Z"
    await send(http, "DELETE", f"{base}/me/tracks", h, 200, params={"ids": new[0]})
    assert await get_json(http, f"{base}/me/tracks/contains", h, ids=",".join(new)) == [False, True, True]
    too_many = ",".join(fake.catalog.albums[:21])
    assert (await send(http, "PUT", f"{base}/me/albums", h, 400, params={"ids": too_many}))["error"][
        "message"
    ] == "Too many ids requested"
    await send(http, "PUT", f"{base}/me/albums", h, 400, params={"ids": "nope"})


async def test_generic_library_with_uris(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = user_headers(fake)
    base = fake.api_base
    cat = fake.catalog
    artist = next(a for a in cat.artists if a not in fake.world.user_state(fake.login_user).followed_artists)
    show = next(s for s in cat.shows if s not in fake.world.user_state(fake.login_user).saved["show"])
    uris = f"spotify:artist:{artist},spotify:show:{show}"
    assert await get_json(http, f"{base}/me/library/contains", h, uris=uris) == [False, False]
    await send(http, "PUT", f"{base}/me/library", h, 200, params={"uris": uris})
    assert await get_json(http, f"{base}/me/library/contains", h, uris=uris) == [True, True]
    assert await get_json(http, f"{base}/me/following/contains", h, type="artist", ids=artist) == [True]
    assert show in [s["show"]["id"] for s in (await get_json(http, f"{base}/me/shows", h, limit="50"))["items"]]
    await send(http, "DELETE", f"{base}/me/library", h, 200, params={"uris": uris})
    assert await get_json(http, f"{base}/me/library/contains", h, uris=uris) == [False, False]
    many = ",".join(f"spotify:track:{t}" for t in cat.tracks[:41])
    await send(http, "PUT", f"{base}/me/library", h, 400, params={"uris": many})
    await send(http, "PUT", f"{base}/me/library", h, 400, params={"uris": "spotify:banana:x"})


async def test_followed_artists_cursor_paging(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = user_headers(fake)
    base = fake.api_base
    first = await get_json(http, f"{base}/me/following", h, type="artist", limit="3")
    total = first["artists"]["total"]
    seen = [a["id"] for a in first["artists"]["items"]]
    page = first["artists"]
    while page["next"]:
        assert page["cursors"]["after"] == seen[-1]
        page = (await get_json(http, page["next"], h))["artists"]
        seen.extend(a["id"] for a in page["items"])
    assert len(seen) == total == len(set(seen))
    await send(http, "DELETE", f"{base}/me/following", h, 204, params={"type": "artist", "ids": seen[0]})
    assert (await get_json(http, f"{base}/me/following", h, type="artist"))["artists"]["total"] == total - 1
    await get_json(http, f"{base}/me/following", h, 400, type="user")


async def test_playlist_lifecycle(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = user_headers(fake)
    base = fake.api_base
    tracks = fake.catalog.tracks[:6]
    uri = [f"spotify:track:{t}" for t in tracks]
    pl = await send(http, "POST", f"{base}/me/playlists", h, 201, json={"name": "Mine", "public": False})
    pid, snap0 = pl["id"], pl["snapshot_id"]
    assert pl["owner"]["id"] == fake.login_user
    assert pid in [p["id"] for p in (await get_json(http, f"{base}/me/playlists", h))["items"]]
    snap1 = (await send(http, "POST", f"{base}/playlists/{pid}/items", h, 201, json={"uris": uri[:4]}))["snapshot_id"]
    assert snap1 != snap0
    await send(http, "POST", f"{base}/playlists/{pid}/items", h, 201, params={"uris": uri[4], "position": "1"})

    async def order() -> list[str]:
        page = await get_json(http, f"{base}/playlists/{pid}/items", h)
        return [e["item"]["id"] for e in page["items"]]

    assert await order() == [tracks[0], tracks[4], tracks[1], tracks[2], tracks[3]]
    await send(
        http,
        "PUT",
        f"{base}/playlists/{pid}/items",
        h,
        200,
        json={"range_start": 0, "range_length": 2, "insert_before": 5},
    )
    assert await order() == [tracks[1], tracks[2], tracks[3], tracks[0], tracks[4]]
    await send(http, "DELETE", f"{base}/playlists/{pid}/items", h, 200, json={"items": [{"uri": uri[2]}]})
    # the old path's DELETE takes "tracks", the new one "items"
    await send(http, "DELETE", f"{base}/playlists/{pid}/items", h, 400, json={"tracks": [{"uri": uri[1]}]})
    await send(http, "DELETE", f"{base}/playlists/{pid}/tracks", h, 200, json={"tracks": [{"uri": uri[1]}]})
    assert await order() == [tracks[3], tracks[0], tracks[4]]
    await send(http, "PUT", f"{base}/playlists/{pid}/items", h, 200, json={"uris": uri[5:]})
    assert await order() == [tracks[5]]
    await send(http, "POST", f"{base}/playlists/{pid}/items", h, 400, json={"uris": ["spotify:track:" + "0" * 22]})
    await send(http, "POST", f"{base}/playlists/{pid}/items", h, 400, json={"uris": uri * 17})
    await send(http, "PUT", f"{base}/playlists/{pid}", h, 200, json={"name": "Renamed", "description": "d"})
    got = await get_json(http, f"{base}/playlists/{pid}", h)
    assert (got["name"], got["description"], got["public"]) == ("Renamed", "d", False)
    # another user cannot edit it, nor see it (private)
    other = user_headers(fake, fake.catalog.users[1])
    await send(http, "POST", f"{base}/playlists/{pid}/items", other, 404, json={"uris": uri[:1]})
    await send(http, "POST", f"{base}/users/{fake.catalog.users[1]}/playlists", h, 403, json={"name": "x"})
    await send(http, "POST", f"{base}/me/playlists", h, 400, json={"public": True})


async def test_playlist_cover(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = user_headers(fake)
    base = fake.api_base
    pid = (await send(http, "POST", f"{base}/me/playlists", h, 201, json={"name": "Cover"}))["id"]
    assert await get_json(http, f"{base}/playlists/{pid}/images", h) == []
    jpeg = base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x01" * 100)
    ct = {"Content-Type": "image/jpeg"}
    await send(http, "PUT", f"{base}/playlists/{pid}/images", {**h, **ct}, 202, data=jpeg)
    images = await get_json(http, f"{base}/playlists/{pid}/images", h)
    assert len(images) == 1
    assert images[0]["url"].startswith("https://")
    await send(http, "PUT", f"{base}/playlists/{pid}/images", {**h, **ct}, 400, data=base64.b64encode(b"GIF89a"))
    await send(http, "PUT", f"{base}/playlists/{pid}/images", {**h, **ct}, 400, data=b"***")
    big = base64.b64encode(b"\xff\xd8\xff" + b"\x00" * 200_000)
    await send(http, "PUT", f"{base}/playlists/{pid}/images", {**h, **ct}, 413, data=big)
    no_scope = user_headers(fake, scopes="playlist-modify-public")
    await send(http, "PUT", f"{base}/playlists/{pid}/images", {**no_scope, **ct}, 403, data=jpeg)


async def test_playlist_follow(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = user_headers(fake)
    base = fake.api_base
    cat = fake.catalog
    pid = next(p for p, pl in cat.playlist_by_id.items() if pl.owner_id != fake.login_user and pl.public)
    followers = (await get_json(http, f"{base}/playlists/{pid}", h))["followers"]["total"]
    await send(http, "PUT", f"{base}/playlists/{pid}/followers", h, 200)
    assert (await get_json(http, f"{base}/playlists/{pid}", h))["followers"]["total"] == followers + 1
    assert pid in [p["id"] for p in (await get_json(http, f"{base}/me/playlists", h, limit="50"))["items"]]
    assert await get_json(http, f"{base}/playlists/{pid}/followers/contains", h, ids=fake.login_user) == [True]
    await send(http, "DELETE", f"{base}/playlists/{pid}/followers", h, 200)
    assert await get_json(http, f"{base}/playlists/{pid}/followers/contains", h, ids=fake.login_user) == [False]


async def test_player_flow_and_reasons(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    cat = fake.catalog
    premium = next(u for u in cat.users if cat.user_by_id[u].product == "premium")
    free = next(u for u in cat.users if cat.user_by_id[u].product == "free")
    h = user_headers(fake, premium)
    p = f"{fake.api_base}/me/player"
    assert await send(http, "GET", p, h, 204) is None
    await send(http, "GET", f"{p}/currently-playing", h, 204)
    body = await send(http, "PUT", f"{p}/pause", h, 404)
    assert body["error"]["reason"] == "NO_ACTIVE_DEVICE"
    fh = user_headers(fake, free)
    assert (await send(http, "PUT", f"{p}/play", fh, 403))["error"]["reason"] == "PREMIUM_REQUIRED"
    devices = (await get_json(http, f"{p}/devices", h))["devices"]
    assert not any(d["is_active"] for d in devices)
    speaker = devices[0]["id"]
    uris = [f"spotify:track:{t}" for t in cat.tracks[:3]]
    await send(
        http,
        "PUT",
        f"{p}/play",
        h,
        400,
        params={"device_id": speaker},
        json={"uris": uris, "context_uri": f"spotify:album:{cat.albums[0]}"},
    )
    await send(
        http, "PUT", f"{p}/play", h, 204, params={"device_id": speaker}, json={"uris": uris, "offset": {"position": 1}}
    )
    state = await get_json(http, p, h)
    assert state["is_playing"] is True
    assert state["device"]["id"] == speaker
    assert state["item"]["id"] == cat.tracks[1]
    assert (await send(http, "PUT", f"{p}/play", h, 403))["error"]["reason"] == "NOT_PAUSED"
    await send(http, "PUT", f"{p}/pause", h, 204)
    assert (await send(http, "PUT", f"{p}/pause", h, 403))["error"]["reason"] == "ALREADY_PAUSED"
    await send(http, "PUT", f"{p}/seek", h, 204, params={"position_ms": "5000"})
    assert (await get_json(http, f"{p}/currently-playing", h))["progress_ms"] == 5000
    await send(http, "PUT", f"{p}/play", h, 204)
    await send(http, "POST", f"{p}/queue", h, 204, params={"uri": f"spotify:track:{cat.tracks[9]}"})
    queue = await get_json(http, f"{p}/queue", h)
    assert queue["currently_playing"]["id"] == cat.tracks[1]
    assert [t["id"] for t in queue["queue"][:2]] == [cat.tracks[9], cat.tracks[2]]
    await send(http, "POST", f"{p}/next", h, 204)
    assert (await get_json(http, p, h))["item"]["id"] == cat.tracks[9]
    await send(http, "POST", f"{p}/next", h, 204)
    assert (await send(http, "POST", f"{p}/next", h, 403))["error"]["reason"] == "NO_NEXT_TRACK"
    await send(http, "POST", f"{p}/previous", h, 204)
    await send(http, "PUT", f"{p}/repeat", h, 204, params={"state": "track"})
    await send(http, "PUT", f"{p}/repeat", h, 400, params={"state": "sometimes"})
    await send(http, "PUT", f"{p}/shuffle", h, 204, params={"state": "true"})
    state = await get_json(http, p, h)
    assert (state["repeat_state"], state["shuffle_state"]) == ("track", True)
    await send(http, "PUT", f"{p}/volume", h, 204, params={"volume_percent": "55"})
    assert (
        next(d for d in (await get_json(http, f"{p}/devices", h))["devices"] if d["is_active"])["volume_percent"] == 55
    )
    phone = next(d["id"] for d in devices if not d["supports_volume"])
    await send(http, "PUT", p, h, 400, json={"device_ids": [phone, speaker]})
    await send(http, "PUT", p, h, 204, json={"device_ids": [phone], "play": True})
    body = await send(http, "PUT", f"{p}/volume", h, 403, params={"volume_percent": "10"})
    assert body["error"]["reason"] == "VOLUME_CONTROL_DISALLOW"
    # the skipped tracks are now the most recent plays
    recent = await get_json(http, f"{p}/recently-played", h, limit="2")
    assert [i["track"]["id"] for i in recent["items"]] == [cat.tracks[9], cat.tracks[1]]


async def test_recently_played_cursors(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = user_headers(fake)
    url = f"{fake.api_base}/me/player/recently-played"
    first = await get_json(http, url, h, limit="20")
    assert len(first["items"]) == 20
    older = await get_json(http, first["next"], h)
    assert older["items"][0]["played_at"] < first["items"][-1]["played_at"]
    newer = await get_json(http, url, h, after=first["cursors"]["before"], limit="5")
    assert [i["played_at"] for i in newer["items"]] == [i["played_at"] for i in first["items"][14:19]]
    await get_json(http, url, h, 400, after="1", before="2")


async def test_top_items_and_scopes(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = user_headers(fake)
    base = fake.api_base
    short = await get_json(http, f"{base}/me/top/tracks", h, time_range="short_term", limit="5")
    long = await get_json(http, f"{base}/me/top/tracks", h, time_range="long_term", limit="5")
    assert short["items"] != long["items"]
    assert short["total"] == 50
    await get_json(http, f"{base}/me/top/artists", h, 400, time_range="forever")
    narrow = user_headers(fake, scopes="user-read-private")
    body = await get_json(http, f"{base}/me/top/artists", narrow, 403)
    assert body == {"error": {"status": 403, "message": "Insufficient client scope"}}
    await send(http, "PUT", f"{base}/me/tracks", narrow, 403, params={"ids": fake.catalog.tracks[0]})
    app = bearer(await app_token(fake, http))
    await get_json(http, f"{base}/me/tracks", app, 401)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/tracks?ids={track}", 403),
        ("/artists/{artist}/top-tracks", 403),
        ("/markets", 403),
        ("/audio-features/{track}", 403),
        ("/recommendations?seed_genres=pop", 404),
        ("/artists/{artist}/related-artists", 404),
        ("/browse/featured-playlists", 404),
    ],
)
async def test_development_mode_refusals(
    dev_fake: FakeSpotify, http: aiohttp.ClientSession, path: str, status: int
) -> None:
    h = user_headers(dev_fake)
    url = dev_fake.api_base + path.format(track=dev_fake.catalog.tracks[0], artist=dev_fake.catalog.artists[0])
    assert (await get_json(http, url, h, status))["error"]["status"] == status


async def test_development_mode_shapes(dev_fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    fake = dev_fake
    h = user_headers(fake)
    base = fake.api_base
    cat = fake.catalog
    track = await get_json(http, f"{base}/tracks/{cat.tracks[0]}", h)
    assert not {"popularity", "available_markets"} & set(track)
    assert not {"popularity", "available_markets", "label"} & set(track["album"])
    assert "external_ids" in track
    artist = await get_json(http, f"{base}/artists/{cat.artists[0]}", h)
    assert not {"popularity", "followers"} & set(artist)
    assert artist["genres"] == []
    me = await get_json(http, f"{base}/me", h)
    assert not {"country", "email", "explicit_content", "followers", "product"} & set(me)
    mine = await get_json(http, f"{base}/playlists/{cat.big_playlist_id}", h)
    assert "tracks" not in mine
    assert mine["items"]["total"] == 10_000
    assert "track" not in mine["items"]["items"][0]
    assert mine["items"]["items"][0]["item"]["type"] == "track"
    await get_json(http, f"{base}/playlists/{cat.big_playlist_id}/items", h, 400, limit="51")
    theirs = next(
        p
        for p, pl in cat.playlist_by_id.items()
        if pl.owner_id not in (fake.login_user, "spotify") and pl.public and fake.login_user not in pl.collaborators
    )
    other = await get_json(http, f"{base}/playlists/{theirs}", h)
    assert "items" not in other
    await get_json(http, f"{base}/playlists/{theirs}/items", h, 403)
    await get_json(http, f"{base}/playlists/{cat.editorial_playlists[0]}", h, 404)


async def test_request_validation_records_violations(http: aiohttp.ClientSession) -> None:
    openapi_spec()
    async with FakeSpotify(validate_requests=True) as fake:
        h = user_headers(fake)
        await get_json(http, f"{fake.api_base}/search", h, 400, q="x", type="bogus")
        await get_json(http, f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}", h)
        assert len(fake.spec_violations) == 1
        assert fake.spec_violations[0].startswith("GET /search: ")
        assert "bogus" in fake.spec_violations[0]
