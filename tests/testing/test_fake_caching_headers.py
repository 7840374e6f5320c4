"""FakeSpotify's caching headers, as the live API sends them: Cache-Control on successful GETs, ETags and 304 on the
playlist reads, and counters of what it answered."""

from __future__ import annotations

import aiohttp
from fakehelpers import user_headers

from spotify_async.testing import FakeSpotify


async def test_etags_and_304_on_playlist_reads_and_cache_control_everywhere(fake_spotify: FakeSpotify) -> None:
    fake = fake_spotify
    playlist = fake.catalog.playlists[0]
    async with aiohttp.ClientSession(headers=user_headers(fake)) as http:
        async with http.get(f"{fake.api_base}/playlists/{playlist}") as resp:
            assert resp.status == 200
            etag = resp.headers["ETag"]
            assert etag.startswith('"')
            assert etag.endswith('"')
            assert resp.headers["Cache-Control"] == "private, max-age=0"
        async with http.get(f"{fake.api_base}/playlists/{playlist}", headers={"If-None-Match": etag}) as resp:
            assert resp.status == 304
            assert await resp.read() == b""
            assert resp.headers["ETag"] == etag
        async with http.get(f"{fake.api_base}/playlists/{playlist}", headers={"If-None-Match": '"other"'}) as resp:
            assert resp.status == 200
        async with http.get(f"{fake.api_base}/me/playlists") as resp:
            assert "ETag" in resp.headers
        async with http.get(f"{fake.api_base}/search", params={"q": "a", "type": "track"}) as resp:
            assert resp.headers["Cache-Control"] == "public, max-age=120"
            assert "ETag" not in resp.headers
        async with http.get(f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}") as resp:
            assert resp.headers["Cache-Control"] == "public, max-age=0"
        async with http.get(f"{fake.api_base}/tracks/0000000000000000000000") as resp:
            assert resp.status == 404
            assert "Cache-Control" not in resp.headers
    assert fake.stats.answered["get-playlist"] == 3
    assert fake.stats.not_modified == 1
    assert fake.stats.answered["get-track"] == 1  # the 404 is not an answer
    assert fake.stats.by_operation["get-track"] == 2
