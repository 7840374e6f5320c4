"""Ids, URIs and open.spotify.com URLs."""

from __future__ import annotations

import pytest

from spotify_async import InvalidInput, ids

ALBUM = "4aawyAB9vmqN3uQ7FjRGTy"


@pytest.mark.parametrize(
    "value",
    [
        ALBUM,
        f"spotify:album:{ALBUM}",
        f"https://open.spotify.com/album/{ALBUM}",
        f"https://open.spotify.com/album/{ALBUM}?si=abcdef",
        f"https://open.spotify.com/intl-de/album/{ALBUM}",
    ],
)
def test_every_form_gives_the_id(value: str) -> None:
    assert ids.to_id(value, "album") == ALBUM


def test_conversions() -> None:
    assert ids.to_uri(ALBUM, "album") == f"spotify:album:{ALBUM}"
    assert ids.to_url(f"spotify:album:{ALBUM}") == f"https://open.spotify.com/album/{ALBUM}"
    assert ids.parse("spotify:user:someone:playlist:37i9dQZF1DXcBWIGoYBM5M") == ("playlist", "37i9dQZF1DXcBWIGoYBM5M")
    assert ids.user_id("spotify:user:some.user_1") == "some.user_1"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "invalid album id"),
        (f"spotify:track:{ALBUM}", "expected a album but"),
        ("spotify:album", "malformed Spotify URI"),
        (f"https://example.com/album/{ALBUM}", "not an open.spotify.com URL"),
        ("", "empty album id"),
        (f"spotify:widget:{ALBUM}", "unknown Spotify item type"),
        (ALBUM + "!", "invalid album id"),
    ],
)
def test_malformed_values_name_the_problem(value: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        ids.to_id(value, "album")


def test_invalid_input_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        ids.to_id("nope", "track")
