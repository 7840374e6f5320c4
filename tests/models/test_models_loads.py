"""``models.loads`` decodes and structures large bodies with the cyclic garbage collector paused, as the client does."""

import gc
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from model_fixtures import load_fixture

from spotify_async.errors import ModelError
from spotify_async.models import Page, PlaylistTrack, loads
from spotify_async.models._converter import GC_PAUSE_BYTES


@pytest.fixture
def collections() -> Iterator[list[int]]:
    """The generation of every collection that starts while the test runs."""
    started: list[int] = []

    def record(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started.append(info["generation"])

    gc.callbacks.append(record)
    try:
        yield started
    finally:
        gc.callbacks.remove(record)


def _big_page() -> bytes:
    page = load_fixture("get_playlist_items__spotifyaio__1.json")
    page["items"] = page["items"] * 100
    body = orjson.dumps(page)
    assert len(body) >= GC_PAUSE_BYTES
    return body


def test_a_large_body_is_structured_without_a_collection_and_the_collector_is_back_on(
    collections: list[int],
) -> None:
    body = _big_page()
    assert gc.isenabled()
    page = loads(body, Page[PlaylistTrack])
    assert len(page.items) == 100
    assert collections == []
    assert gc.isenabled()
    # The same work with the collector on runs it (so the assertion above can fail).
    for _ in range(3):
        orjson.loads(body)
    assert collections


def test_the_collector_is_back_on_after_a_failure_and_stays_off_if_it_was() -> None:
    body = _big_page().replace(b'"items":', b'"itemz":', 1)
    with pytest.raises(ModelError):
        loads(body, Page[PlaylistTrack])
    assert gc.isenabled()
    with pytest.raises(ModelError, match="not JSON"):
        loads(b"{" * GC_PAUSE_BYTES, Page[PlaylistTrack])
    assert gc.isenabled()
    gc.disable()
    try:
        loads(_big_page(), Page[PlaylistTrack])
        assert not gc.isenabled()
    finally:
        gc.enable()
