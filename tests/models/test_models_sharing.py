"""What a kept object holds: market lists shared as tuples, known words shared, derivable identifiers not stored.

Every object here is structured from its own decoded JSON (``orjson.loads`` of the same bytes, as two responses
would be), so nothing is shared by accident of reusing one dict.
"""

import copy
import pickle
import sys
import tracemalloc
from typing import Any

import attrs
import orjson
import pytest
from model_fixtures import load_fixture

import spotify_async.models._shared as shared
from spotify_async.errors import ModelError
from spotify_async.models import (
    ExternalUrls,
    Page,
    PlaylistTrack,
    SimplifiedArtist,
    Track,
    structure,
    unstructure,
)

ARTIST_ID = "0TnOYISbd1XYRBk9myaseg"


def _decoded(data: Any) -> Any:
    return orjson.loads(orjson.dumps(data))


def _track(**changes: Any) -> dict[str, Any]:
    entry = load_fixture("get_playlist_items__spotifyaio__1.json")["items"][0]
    track: dict[str, Any] = entry.get("item") or entry["track"]
    track.update(changes)
    return track


def _artist(**changes: Any) -> dict[str, Any]:
    artist: dict[str, Any] = {
        "name": "Pitbull",
        "type": "artist",
        "id": ARTIST_ID,
        "uri": f"spotify:artist:{ARTIST_ID}",
        "href": f"https://api.spotify.com/v1/artists/{ARTIST_ID}",
        "external_urls": {"spotify": f"https://open.spotify.com/artist/{ARTIST_ID}"},
    }
    artist.update(changes)
    return artist


# ---- market lists ------------------------------------------------------------------------------------------------


def test_equal_market_lists_become_one_shared_tuple() -> None:
    raw = _track()
    first, second = (structure(_decoded(raw), Track) for _ in range(2))
    assert isinstance(first.available_markets, tuple)
    assert first.available_markets == tuple(raw["available_markets"])
    assert first.available_markets is second.available_markets
    assert second.album.available_markets is first.album.available_markets
    # Through the strict converter too, which checks every element first.
    assert structure(_decoded(raw), Track, strict=True).available_markets is first.available_markets


def test_different_lists_stay_different_and_share_their_codes() -> None:
    one = structure(_decoded(_track(available_markets=["US", "GB", "ZZ"])), Track)
    other = structure(_decoded(_track(available_markets=["GB", "US", "ZZ"])), Track)
    assert one.available_markets == ("US", "GB", "ZZ")
    assert other.available_markets == ("GB", "US", "ZZ")
    assert one.available_markets[0] is other.available_markets[1]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (["A,B"], ["A", "B"]),
        (["A", "B"], ["A,B"]),
        (["A,B", "C"], ["A", "B,C"]),
        ([""], []),
        ([], [""]),
        (["", ""], [","]),
    ],
)
def test_lists_whose_joins_collide_are_not_confused(first: list[str], second: list[str]) -> None:
    a = structure(_decoded(_track(available_markets=first)), Track)
    b = structure(_decoded(_track(available_markets=second)), Track)
    assert (a.available_markets, b.available_markets) == (tuple(first), tuple(second))


def test_the_shared_list_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shared, "_lists", {})
    monkeypatch.setattr(shared, "MAX_SHARED_LISTS", 3)
    tracks = [structure(_decoded(_track(available_markets=[f"X{n}", "US"])), Track) for n in range(10)]
    assert shared.shared_lists() == 3
    assert [t.available_markets for t in tracks] == [(f"X{n}", "US") for n in range(10)]
    assert all(
        t.available_markets is not None and t.available_markets[1] is tracks[0].available_markets[1] for t in tracks
    )  # type: ignore[index]


def test_lenient_mode_still_tolerates_odd_market_values_and_strict_mode_names_them() -> None:
    odd = _track(available_markets=["US", 7, None])
    assert structure(_decoded(odd), Track).available_markets == ("US", 7, None)
    with pytest.raises(ModelError, match=r"expected a list of str, got int at \[1\] @ \$\.available_markets"):
        structure(_decoded(odd), Track, strict=True)
    text = _track(available_markets="US")
    assert structure(_decoded(text), Track).available_markets == "US"
    with pytest.raises(ModelError, match=r"expected a list, got a string @ \$\.available_markets"):
        structure(_decoded(text), Track, strict=True)


def test_markets_go_back_to_json_as_arrays() -> None:
    raw = _track()
    track = structure(_decoded(raw), Track)
    out = unstructure(track)
    assert out["available_markets"] == raw["available_markets"]
    assert orjson.loads(orjson.dumps(out))["album"]["available_markets"] == raw["album"]["available_markets"]
    assert structure(out, Track, strict=True) == track


# ---- words -------------------------------------------------------------------------------------------------------


def test_known_words_are_shared_and_others_kept() -> None:
    raw = _track()
    first, second = (structure(_decoded(raw), Track) for _ in range(2))
    assert first.album.album_type == raw["album"]["album_type"]
    assert first.album.album_type is second.album.album_type
    assert first.album.release_date_precision is second.album.release_date_precision
    assert first.artists[0].type is second.artists[0].type
    odd = structure(_decoded(_track(album={**raw["album"], "album_type": "EP-ish"})), Track)
    assert odd.album.album_type == "EP-ish"


# ---- identifiers derived from type and id --------------------------------------------------------------------------


def test_derivable_identifiers_read_as_sent_and_stay_the_same_object() -> None:
    raw = _artist()
    artist = structure(_decoded(raw), SimplifiedArtist)
    assert artist.uri == raw["uri"]
    assert artist.href == raw["href"]
    assert artist.external_urls == ExternalUrls(spotify=raw["external_urls"]["spotify"])
    assert artist.external_urls is artist.external_urls
    assert artist.href is artist.href
    built = SimplifiedArtist(
        name="Pitbull",
        id=ARTIST_ID,
        uri=raw["uri"],
        href=raw["href"],
        external_urls=ExternalUrls(spotify=raw["external_urls"]["spotify"]),
    )
    assert structure(_decoded(raw), SimplifiedArtist) == built
    assert repr(structure(_decoded(raw), SimplifiedArtist)) == repr(built)
    assert pickle.loads(pickle.dumps(structure(_decoded(raw), SimplifiedArtist))) == built
    assert unstructure(structure(_decoded(raw), SimplifiedArtist)) == unstructure(built)
    assert copy.copy(structure(_decoded(raw), SimplifiedArtist)) == built
    assert copy.deepcopy(structure(_decoded(raw), SimplifiedArtist)) == built
    assert attrs.evolve(structure(_decoded(raw), SimplifiedArtist), name="P") == attrs.evolve(built, name="P")
    assert attrs.asdict(structure(_decoded(raw), SimplifiedArtist)) == attrs.asdict(built)


def test_a_derived_attribute_can_be_replaced_before_it_is_read() -> None:
    artist = structure(_decoded(_artist()), SimplifiedArtist)
    artist.href = "https://example.test/elsewhere"
    artist.external_urls = None
    assert (artist.href, artist.external_urls) == ("https://example.test/elsewhere", None)
    assert artist.uri == f"spotify:artist:{ARTIST_ID}"


@pytest.mark.parametrize(
    "changes",
    [
        {"href": f"https://api.spotify.com/v1/artists/{ARTIST_ID}?locale=en"},
        {"uri": None},
        {"external_urls": {"spotify": f"https://open.spotify.com/intl-de/artist/{ARTIST_ID}"}},
        {"external_urls": None},
        {"type": "composer"},
        {"id": None},
        {"id": 12345},
    ],
)
def test_identifiers_that_are_not_the_derivable_ones_are_kept_as_sent(changes: dict[str, Any]) -> None:
    raw = _artist(**changes)
    artist = structure(_decoded(raw), SimplifiedArtist)
    assert (artist.type, artist.id, artist.uri, artist.href) == (raw["type"], raw["id"], raw["uri"], raw["href"])
    expected = None if raw["external_urls"] is None else ExternalUrls(spotify=raw["external_urls"]["spotify"])
    assert artist.external_urls == expected
    assert artist == structure(_decoded(raw), SimplifiedArtist, strict=not isinstance(raw["id"], int))


def test_an_unknown_attribute_is_still_an_attribute_error() -> None:
    artist = structure(_decoded(_artist()), SimplifiedArtist)
    with pytest.raises(AttributeError, match="'SimplifiedArtist' object has no attribute 'hrf'"):
        artist.hrf  # type: ignore[attr-defined]  # noqa: B018
    assert not hasattr(artist, "genres")


# ---- what a kept entry costs -------------------------------------------------------------------------------------


def test_a_kept_playlist_entry_costs_at_most_4_kib() -> None:
    """1,000 entries of a real 2026 page (185 markets on track and album), each from its own decoded body."""
    page = load_fixture("get_playlist_items__spotifyaio__1.json")
    page["items"] = page["items"] * 100
    body = orjson.dumps(page)
    structure(orjson.loads(body), Page[PlaylistTrack])  # generate the structuring functions first
    kept: list[PlaylistTrack] = []
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(10):
            kept.extend(structure(orjson.loads(body), Page[PlaylistTrack]).items)
        per_entry = (tracemalloc.get_traced_memory()[0] - before - sys.getsizeof(kept)) / len(kept)
    finally:
        tracemalloc.stop()
    assert len(kept) == 1000
    assert per_entry <= 4096, f"{per_entry:.0f} bytes per kept entry"
