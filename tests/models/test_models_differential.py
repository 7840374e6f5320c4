"""The fast (generated, lenient) path against the strict and the error-explaining paths, over every recorded body.

The lenient fast path is where the speed work happens (inline leaf models, shared market tuples and words,
identifiers left unset when ``type`` and ``id`` give them); the strict and detailed converters build every field the
plain way. Equal objects from all of them, over every fixture, is what keeps the fast path honest. attrs equality reads
every attribute, so an identifier the fast path left unset is rebuilt and compared with the one the strict path stored.
"""

from typing import Any

import pytest
from model_fixtures import load_fixture
from test_models_fixtures import DIVERGENT, MODEL_FILES, NOT_RAW, model_for

from spotify_async.models import CONVERTER, STRICT_CONVERTER, make_converter, unstructure

LENIENT_DETAILED = make_converter(detailed=True)
STRICT_DETAILED = make_converter(strict=True, detailed=True)

CASES = [name for name in MODEL_FILES if name not in DIVERGENT]


@pytest.mark.parametrize("name", CASES)
def test_fast_path_builds_what_the_strict_and_detailed_paths_build(name: str) -> None:
    cls = model_for(name)
    fast = CONVERTER.structure(load_fixture(name), cls)
    others: list[Any] = [LENIENT_DETAILED.structure(load_fixture(name), cls)]
    if name not in NOT_RAW:
        others.append(STRICT_CONVERTER.structure(load_fixture(name), cls))
        others.append(STRICT_DETAILED.structure(load_fixture(name), cls))
    for other in others:
        assert other == fast
        assert unstructure(other) == unstructure(fast)


def test_the_comparison_sees_a_difference() -> None:
    # Guard against a vacuous comparison: one changed identifier deep in a page makes the objects differ.
    name = "get_playlist_items__spotifyaio__1.json"
    cls = model_for(name)
    data = load_fixture(name)
    fast = CONVERTER.structure(load_fixture(name), cls)
    entry = data["items"][0]
    entry["item" if "item" in entry else "track"]["artists"][0]["href"] += "?x=1"
    assert STRICT_CONVERTER.structure(data, cls) != fast
