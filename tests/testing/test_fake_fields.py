"""FakeSpotify applies the ``fields`` projection of the playlist reads as Spotify does (the snapshot probe relies on
it: ``fields=snapshot_id`` is a few bytes, not the whole playlist)."""

from __future__ import annotations

import aiohttp
import orjson
import pytest
from fakehelpers import app_token, bearer, get_json

from spotify_async.testing import FakeSpotify
from spotify_async.testing._fields import parse_fields, project
from spotify_async.testing._util import ApiError


def test_the_selection_language_keys_dots_parentheses_and_lists() -> None:
    data = {
        "snapshot_id": "s",
        "name": "n",
        "tracks": {"total": 2, "items": [{"added_at": "t", "track": {"name": "a", "id": "1"}}, None]},
    }
    assert project(data, parse_fields("snapshot_id")) == {"snapshot_id": "s"}
    assert project(data, parse_fields("name,tracks.total")) == {"name": "n", "tracks": {"total": 2}}
    assert project(data, parse_fields("tracks.items(track(name))")) == {
        "tracks": {"items": [{"track": {"name": "a"}}, None]}
    }
    # two mentions of one key merge; a key named whole keeps everything under it
    assert project(data, parse_fields("tracks.total,tracks.items(added_at)")) == {
        "tracks": {"total": 2, "items": [{"added_at": "t"}, None]}
    }
    assert project(data, parse_fields("tracks,tracks.total")) == {"tracks": data["tracks"]}


@pytest.mark.parametrize("bad", ["", "a(b", "a,,b", "!name", "a.(b)"])
def test_an_expression_the_fake_cannot_read_is_a_400(bad: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_fields(bad)
    assert caught.value.status == 400


async def test_the_playlist_reads_answer_only_the_named_fields(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    token = bearer(await app_token(fake, http))
    playlist = fake.catalog.playlists[0]
    full = await get_json(http, f"{fake.api_base}/playlists/{playlist}", token)
    async with http.get(f"{fake.api_base}/playlists/{playlist}?fields=snapshot_id", headers=token) as resp:
        assert resp.status == 200
        body = await resp.read()
    assert orjson.loads(body) == {"snapshot_id": full["snapshot_id"]}
    page = await get_json(http, f"{fake.api_base}/playlists/{playlist}/items?fields=total,items(added_at)", token)
    assert set(page) == {"total", "items"}
    assert all(set(entry) == {"added_at"} for entry in page["items"] if entry is not None)
    async with http.get(f"{fake.api_base}/playlists/{playlist}?fields=!name", headers=token) as resp:
        assert resp.status == 400
