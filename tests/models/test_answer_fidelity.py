"""Answers that are valid live or valid by the spec structure, whichever of the two Spotify sends.

* ``null`` in any list of objects of any recorded answer keeps its position: every list of objects in every fixture
  gets a ``null`` at its front, and the answer still structures, strictly, with the entry in place.
* The spec-vs-live divergences listed in ``spotify_async/testing/SPEC_DIVERGENCES.md`` are accepted both ways.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from model_fixtures import load_fixture
from test_models_fixtures import DIVERGENT, MODEL_FILES, NOT_RAW, model_for

from spotify_async.models import (
    Chapter,
    Page,
    Queue,
    SimplifiedAudiobook,
    SimplifiedChapter,
    SimplifiedTrack,
    Track,
    structure,
    unstructure,
)

DIVERGENCES = Path(__file__).parents[2] / "spotify_async" / "testing" / "SPEC_DIVERGENCES.md"


def _object_lists(data: Any) -> list[list[Any]]:
    """Every list in ``data`` whose entries are JSON objects (or already ``null``), outermost first."""
    found: list[list[Any]] = []
    if isinstance(data, list):
        if any(isinstance(e, dict) for e in data) and all(e is None or isinstance(e, dict) for e in data):
            found.append(data)
        for e in data:
            found += _object_lists(e)
    elif isinstance(data, dict):
        for value in data.values():
            found += _object_lists(value)
    return found


def _count_none_entries(data: Any) -> int:
    if isinstance(data, list):
        return sum(e is None for e in data) + sum(_count_none_entries(e) for e in data)
    if isinstance(data, dict):
        return sum(_count_none_entries(v) for v in data.values())
    return 0


#: every raw answer that holds a list of objects (a few, like snapshot ids and genre lists, hold none)
NULLABLE_FILES = [
    n
    for n in MODEL_FILES
    if n not in DIVERGENT and model_for(n) is not dict[str, Any] and _object_lists(load_fixture(n))
]


@pytest.mark.parametrize("name", NULLABLE_FILES)
def test_a_null_in_any_list_of_objects_keeps_its_position(name: str) -> None:
    cls = model_for(name)
    data = load_fixture(name)
    lists = _object_lists(data)
    for entries in lists:
        entries.insert(0, None)
    strict = name not in NOT_RAW
    obj = structure(data, cls, strict=strict)
    # where the model keeps a list, its null is still there, at the front (the model may drop a renamed twin
    # such as `tracks` beside `items`, so there can be fewer lists than in the input, never more nulls)
    back = unstructure(obj)
    assert 1 <= _count_none_entries(back) <= len(lists) + _count_none_entries(load_fixture(name))
    if isinstance(obj, Page):
        assert obj.items[0] is None
        assert len(obj.items) == len(load_fixture(name)["items"]) + 1


def test_most_answers_hold_lists_of_objects() -> None:
    assert len(NULLABLE_FILES) > 150


def test_old_playlists_with_images_null() -> None:
    data = load_fixture("get_playlist__spotifyaio__1.json")
    data["images"] = [None]
    playlist = structure(data, model_for("get_playlist__spotifyaio__1.json"), strict=True)
    assert playlist.images == [None]


# ---- spec and live, both accepted -------------------------------------------------------------------------------


def test_chapters_typed_episode_as_the_spec_says_or_chapter_as_live() -> None:
    live = load_fixture("get_chapter__spotifyaio__1.json")
    assert live["type"] == "chapter"
    spec = copy.deepcopy(live)
    spec["type"] = "episode"
    for data in (live, spec):
        for strict in (False, True):
            chapter = structure(data, Chapter, strict=strict)
            assert chapter.type == data["type"]
            assert chapter.id == live["id"]
    # inside a track-episode-chapter union a chapter is still a chapter, whichever type it says
    queue = structure({"currently_playing": spec, "queue": [live, spec]}, Queue, strict=True)
    assert all(isinstance(item, Chapter) for item in (queue.currently_playing, *queue.queue))
    pages = structure(load_fixture("get_audiobook_chapters__spotifyaio__1.json"), Page[SimplifiedChapter])
    assert pages.items


def test_saved_audiobooks_plain_as_live_or_wrapped_as_the_spec_says() -> None:
    live = load_fixture("get_saved_audiobooks__spotifyaio__1.json")
    wrapped = copy.deepcopy(live)
    wrapped["items"] = [{"added_at": "2026-02-01T10:00:00Z", "audiobook": item} for item in live["items"]]
    wrapped["items"].append({"added_at": "2026-02-01T10:00:00Z", "audiobook": None})
    for strict in (False, True):
        plain_page = structure(live, Page[SimplifiedAudiobook], strict=strict)
        wrapped_page = structure(wrapped, Page[SimplifiedAudiobook], strict=strict)
        assert wrapped_page.items[:-1] == plain_page.items
        assert wrapped_page.items[-1] is None  # an audiobook Spotify cannot resolve keeps its place
    assert plain_page.items


def test_simplified_tracks_of_any_type_string() -> None:
    data = load_fixture("get_album_tracks__spotifyaio__1.json")
    data["items"][0]["type"] = "audio-track"
    page = structure(data, Page[SimplifiedTrack], strict=True)
    first = page.items[0]
    assert first is not None
    assert first.type == "audio-track"
    # a full track still says "track" (the spec's TrackObject enum) and nothing else
    full = load_fixture("get_track__spotdl__1.json")
    assert structure(full, Track, strict=True).type == "track"


def test_every_divergence_accepted_here_is_listed() -> None:
    text = DIVERGENCES.read_text()
    for needle in ("Chapter `type`", "Saved audiobooks", "Simplified track `type`", "Playlist item removal"):
        assert needle in text, needle
