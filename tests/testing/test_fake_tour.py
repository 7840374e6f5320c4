"""Every one of the spec's 97 operations, called once against the fake with its responses validated against
openapi.yml; the only mismatches allowed are the documented divergences (SPEC_DIVERGENCES.md), each of which
the real recordings in shared/fixtures/real show as well."""

from __future__ import annotations

import base64
import re
from typing import Any

import aiohttp
import pytest

from spotify_async.http.routes import ALL_ROUTES
from spotify_async.testing import FakeSpotify
from tests.resources import openapi_spec, shared_fixtures

# (operation, pattern of an allowed response violation): the spec is wrong about live behaviour here
KNOWN_DIVERGENCES = [
    # playlist entries: oneOf TrackObject/EpisodeObject with a `type` discriminator and no mapping; no real
    # item can satisfy it (get_playlist_items__spotifyaio__1.json fails identically)
    (r"GET /playlists/\w+(/items|/tracks)? ", r"\$\.(tracks\.|items\.)?items\.\d+\.(item|track):"),
    # the player's item, currently playing and queue entries carry the same unmapped oneOf
    # (get_playback_state__spotifyaio__1.json fails identically)
    (r"GET /me/player(/currently-playing|/queue)? ", r"\$\.(item|currently_playing|queue\.\d+):"),
    # chapters say type "chapter" live; the spec's enum says "episode" (get_chapter__spotifyaio__1.json)
    (r"GET /(chapters|audiobooks)", r"\.type: 'chapter' is not one of \['episode'\]"),
    # recently played tracks started outside a context have context null (fixtures README)
    (r"GET /me/player/recently-played ", r"\.context: None"),
    # genre seeds have href null (recommendation recordings)
    (r"GET /recommendations ", r"\.seeds\.\d+\.href: None"),
]


def unexpected(violations: list[str]) -> list[str]:
    return [v for v in violations if not any(re.match(op, v) and re.search(pat, v) for op, pat in KNOWN_DIVERGENCES)]


def jpeg_b64() -> bytes:
    return base64.b64encode(b"\xff\xd8\xff\xe0" + b"\x00" * 64 + b"\xff\xd9")


async def run_tour(fake: FakeSpotify) -> dict[str, int]:
    """Call every operation once in an order that makes each succeed; return operationId -> status."""
    cat = fake.catalog
    user = fake.login_user
    other = next(u for u in cat.users if u != user and cat.user_by_id[u].product == "premium")
    h = {"Authorization": "Bearer " + fake.issue_user_token()["access_token"]}
    album, artist, track, show, ep = cat.albums[0], cat.artists[0], cat.tracks[0], cat.shows[0], cat.episodes[0]
    book, chapter, category = cat.audiobooks[0], cat.chapters[0], cat.categories[0]
    cat.user_by_id[user].product = "premium"
    seen: dict[str, int] = {}
    state: dict[str, Any] = {}
    async with aiohttp.ClientSession() as http:

        async def call(method: str, path: str, op: str, expect: int = 200, **kw: Any) -> Any:
            async with http.request(method, fake.api_base + path, headers={**h, **kw.pop("headers", {})}, **kw) as r:
                raw = await r.read()
                assert r.status == expect, (op, r.status, raw[:300])
            seen[op] = r.status
            return (await r.json(content_type=None)) if raw and raw[:1] in (b"{", b"[") else None

        await call("GET", f"/albums/{album}", "get-an-album")
        await call("GET", "/albums", "get-multiple-albums", params={"ids": album})
        await call("GET", f"/albums/{album}/tracks", "get-an-albums-tracks")
        await call("GET", f"/artists/{artist}", "get-an-artist")
        await call("GET", "/artists", "get-multiple-artists", params={"ids": artist})
        await call("GET", f"/artists/{artist}/albums", "get-an-artists-albums")
        await call("GET", f"/artists/{artist}/top-tracks", "get-an-artists-top-tracks")
        await call("GET", f"/artists/{artist}/related-artists", "get-an-artists-related-artists")
        await call("GET", f"/shows/{show}", "get-a-show")
        await call("GET", "/shows", "get-multiple-shows", params={"ids": show})
        await call("GET", f"/shows/{show}/episodes", "get-a-shows-episodes")
        await call("GET", f"/episodes/{ep}", "get-an-episode")
        await call("GET", "/episodes", "get-multiple-episodes", params={"ids": ep})
        await call("GET", f"/audiobooks/{book}", "get-an-audiobook")
        await call("GET", "/audiobooks", "get-multiple-audiobooks", params={"ids": book})
        await call("GET", f"/audiobooks/{book}/chapters", "get-audiobook-chapters")
        await call("GET", f"/chapters/{chapter}", "get-a-chapter")
        await call("GET", "/chapters", "get-several-chapters", params={"ids": chapter})
        await call("GET", f"/tracks/{track}", "get-track")
        await call("GET", "/tracks", "get-several-tracks", params={"ids": track})
        await call(
            "GET",
            "/search",
            "search",
            params={"q": "the", "type": "album,artist,playlist,track,show,episode,audiobook"},
        )
        await call("GET", "/me", "get-current-users-profile")
        for kind, ids in (
            ("audiobooks", book),
            ("albums", album),
            ("tracks", track),
            ("episodes", ep),
            ("shows", show),
        ):
            op = {
                "audiobooks": "audiobooks",
                "albums": "albums",
                "tracks": "tracks",
                "episodes": "episodes",
                "shows": "shows",
            }[kind]
            await call("PUT", f"/me/{kind}", f"save-{op}-user", params={"ids": ids})
            assert await call("GET", f"/me/{kind}/contains", f"check-users-saved-{op}", params={"ids": ids}) == [True]
            await call("GET", f"/me/{kind}", f"get-users-saved-{op}")
            await call("DELETE", f"/me/{kind}", f"remove-{op}-user", params={"ids": ids})
        created = await call("POST", "/me/playlists", "create-playlist", 201, json={"name": "Tour"})
        pid = created["id"]
        await call("POST", f"/users/{user}/playlists", "create-playlist-for-user", 201, json={"name": "Tour 2"})
        await call("PUT", f"/playlists/{pid}", "change-playlist-details", json={"name": "Tour!"})
        uris = [f"spotify:track:{t}" for t in cat.tracks[:5]]
        await call("POST", f"/playlists/{pid}/items", "add-items-to-playlist", 201, json={"uris": uris})
        await call("POST", f"/playlists/{pid}/tracks", "add-tracks-to-playlist", 201, json={"uris": uris[:2]})
        await call(
            "PUT",
            f"/playlists/{pid}/items",
            "reorder-or-replace-playlists-items",
            json={"range_start": 0, "insert_before": 3},
        )
        await call(
            "PUT",
            f"/playlists/{pid}/tracks",
            "reorder-or-replace-playlists-tracks",
            json={"range_start": 1, "insert_before": 0},
        )
        await call("DELETE", f"/playlists/{pid}/items", "remove-items-playlist", json={"items": [{"uri": uris[0]}]})
        await call("DELETE", f"/playlists/{pid}/tracks", "remove-tracks-playlist", json={"tracks": [{"uri": uris[1]}]})
        await call("GET", f"/playlists/{pid}", "get-playlist")
        await call("GET", f"/playlists/{pid}/items", "get-playlists-items")
        await call("GET", f"/playlists/{pid}/tracks", "get-playlists-tracks")
        await call("GET", "/me/playlists", "get-a-list-of-current-users-playlists")
        await call(
            "PUT",
            f"/playlists/{pid}/images",
            "upload-custom-playlist-cover",
            202,
            data=jpeg_b64(),
            headers={"Content-Type": "image/jpeg"},
        )
        await call("GET", f"/playlists/{pid}/images", "get-playlist-cover")
        lib = f"spotify:album:{album},spotify:artist:{artist}"
        await call("PUT", "/me/library", "save-library-items", params={"uris": lib})
        assert await call("GET", "/me/library/contains", "check-library-contains", params={"uris": lib}) == [
            True,
            True,
        ]
        await call("DELETE", "/me/library", "remove-library-items", params={"uris": lib})
        await call("GET", f"/users/{other}", "get-users-profile")
        await call("GET", f"/users/{other}/playlists", "get-list-users-playlists")
        theirs = next(p for p, pl in cat.playlist_by_id.items() if pl.owner_id == other and pl.public)
        await call("PUT", f"/playlists/{theirs}/followers", "follow-playlist", json={"public": True})
        assert await call(
            "GET", f"/playlists/{theirs}/followers/contains", "check-if-user-follows-playlist", params={"ids": user}
        ) == [True]
        await call("DELETE", f"/playlists/{theirs}/followers", "unfollow-playlist")
        await call("GET", "/browse/featured-playlists", "get-featured-playlists")
        await call("GET", "/browse/categories", "get-categories")
        await call("GET", f"/browse/categories/{category}", "get-a-category")
        await call("GET", f"/browse/categories/{category}/playlists", "get-a-categories-playlists")
        await call("GET", "/browse/new-releases", "get-new-releases")
        await call("GET", "/me/following", "get-followed", params={"type": "artist"})
        await call("PUT", "/me/following", "follow-artists-users", 204, params={"type": "user", "ids": other})
        assert await call(
            "GET", "/me/following/contains", "check-current-user-follows", params={"type": "user", "ids": other}
        ) == [True]
        await call("DELETE", "/me/following", "unfollow-artists-users", 204, params={"type": "user", "ids": other})
        await call("GET", "/audio-features", "get-several-audio-features", params={"ids": track})
        await call("GET", f"/audio-features/{track}", "get-audio-features")
        await call("GET", f"/audio-analysis/{track}", "get-audio-analysis")
        await call(
            "GET", "/recommendations", "get-recommendations", params={"seed_genres": "pop", "seed_tracks": track}
        )
        await call("GET", "/recommendations/available-genre-seeds", "get-recommendation-genres")
        devices = (await call("GET", "/me/player/devices", "get-a-users-available-devices"))["devices"]
        await call("PUT", "/me/player", "transfer-a-users-playback", 204, json={"device_ids": [devices[0]["id"]]})
        await call(
            "PUT",
            "/me/player/play",
            "start-a-users-playback",
            204,
            json={"context_uri": f"spotify:album:{max(cat.albums, key=lambda a: len(cat.album_by_id[a].track_ids))}"},
        )
        await call("GET", "/me/player", "get-information-about-the-users-current-playback")
        await call("GET", "/me/player/currently-playing", "get-the-users-currently-playing-track")
        await call("PUT", "/me/player/pause", "pause-a-users-playback", 204)
        await call("POST", "/me/player/next", "skip-users-playback-to-next-track", 204)
        await call("POST", "/me/player/previous", "skip-users-playback-to-previous-track", 204)
        await call(
            "PUT", "/me/player/seek", "seek-to-position-in-currently-playing-track", 204, params={"position_ms": "1000"}
        )
        await call("PUT", "/me/player/repeat", "set-repeat-mode-on-users-playback", 204, params={"state": "context"})
        await call("PUT", "/me/player/volume", "set-volume-for-users-playback", 204, params={"volume_percent": "30"})
        await call("PUT", "/me/player/shuffle", "toggle-shuffle-for-users-playback", 204, params={"state": "true"})
        await call("POST", "/me/player/queue", "add-to-queue", 204, params={"uri": f"spotify:track:{track}"})
        await call("GET", "/me/player/queue", "get-queue")
        await call("GET", "/me/player/recently-played", "get-recently-played")
        await call("GET", "/markets", "get-available-markets")
        await call("GET", "/me/top/artists", "get-users-top-artists")
        await call("GET", "/me/top/tracks", "get-users-top-tracks")
    del state
    return seen


@pytest.fixture(scope="module")
def spec_available() -> None:
    openapi_spec()


async def test_every_operation_answers_and_matches_the_spec(spec_available: None) -> None:
    async with FakeSpotify(validate_responses=True, validate_requests=True, big_playlist_size=300) as fake:
        seen = await run_tour(fake)
        assert set(seen) == set(ALL_ROUTES), set(ALL_ROUTES) ^ set(seen)
        assert all(200 <= s < 300 for s in seen.values())
        assert fake.stats.by_operation.keys() >= ALL_ROUTES.keys()
        assert unexpected(fake.response_violations) == []
        # the tour's own requests are valid too
        assert fake.spec_violations == []
        # and the divergence patterns are not dead letters: each one was hit
        for op, pat in KNOWN_DIVERGENCES:
            assert any(re.match(op, v) and re.search(pat, v) for v in fake.response_violations), pat


def test_divergences_are_seen_in_real_recordings(spec_available: None) -> None:
    """The spec mismatches we allow are mismatches for Spotify's own recorded answers too."""
    from spotify_async.testing._spec import SpecRequest, SpecResponse, load_openapi, response_errors

    real = shared_fixtures() / "real"
    spec = load_openapi()
    cases = [
        ("get_playlist_items__spotifyaio__1.json", "/playlists/1Cp6VQCKf2VL4sP09jN9oX/items", 0),
        ("get_playback_state__spotifyaio__1.json", "/me/player", 1),
        ("get_chapter__spotifyaio__1.json", "/chapters/0bnJ1qcNgHwwPWbDJAia57", 2),
    ]
    for name, path, index in cases:
        req = SpecRequest("GET", path, {}, {}, None, "")
        errors = response_errors(
            spec, req, SpecResponse(200, {"Content-Type": "application/json"}, (real / name).read_bytes())
        )
        _op, pat = KNOWN_DIVERGENCES[index]
        assert any(re.search(pat, e) for e in errors), (name, errors)
