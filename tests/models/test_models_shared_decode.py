"""Market arrays shared before decoding (``models._shared.decode_shared``): the same objects, values and errors as
decoding the whole body, on every recorded response and on bodies shaped to trip a byte search.

Each differential test structures one body twice, through :func:`spotify_async.models.loads` (which shares the arrays
before decoding) and through :func:`spotify_async.models.structure` of ``orjson.loads`` of the same bytes (which does
not), and requires equal results, or the same error.
"""

import threading
from typing import Any

import orjson
import pytest
from model_fixtures import fixture_files, load_fixture
from test_models_fixtures import MODEL_FILES, model_for

import spotify_async.models._shared as shared
from spotify_async.errors import ModelError
from spotify_async.models import Album, Page, PlaylistTrack, Track, UnknownItem, loads, structure
from spotify_async.models._converter import decode_models, shares_arrays

MARKETS = ["AD", "AE", "AR", "AT", "AU"]


def _track(**changes: Any) -> dict[str, Any]:
    entry = load_fixture("get_playlist_items__spotifyaio__1.json")["items"][0]
    track: dict[str, Any] = dict(entry.get("item") or entry["track"])
    track.update(changes)
    return track


def _both(body: bytes, cls: Any, *, strict: bool = False) -> tuple[Any, Any]:
    """(loads with sharing, structure of the whole decoded body): each a result or the error's message."""

    def attempt(fn: Any) -> Any:
        try:
            return fn()
        except ModelError as exc:
            return ("error", str(exc))

    shared_way = attempt(lambda: loads(body, cls, strict=strict))
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        # not JSON: loads names the decoder's own error, exactly as without sharing
        return shared_way, ("error", f"cannot structure {cls.__name__}: the body is not JSON ({exc})")
    whole_way = attempt(lambda: structure(decoded, cls, strict=strict))
    return shared_way, whole_way


@pytest.mark.parametrize("name", MODEL_FILES)
@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_every_recorded_body_structures_the_same_with_arrays_shared_before_decoding(name: str, strict: bool) -> None:
    body = orjson.dumps(load_fixture(name))
    cls = model_for(name)
    if cls is None:
        pytest.skip(f"{name} is not a model body")
    shared_way, whole_way = _both(body, cls, strict=strict)
    assert shared_way == whole_way


def test_a_recorded_page_is_decoded_with_its_arrays_left_out_and_every_list_comes_back_shared() -> None:
    raw = load_fixture("get_playlist_items__spotifyaio__1.json")
    body = orjson.dumps(raw)
    _, arrays = decode_models(body, Page[PlaylistTrack])
    assert arrays is not None
    assert len(arrays.table) >= len(raw["items"])  # one per track and album at least
    page = loads(body, Page[PlaylistTrack])
    tracks = [entry.item for entry in page.items if isinstance(entry.item, Track)]
    assert tracks
    for track, entry in zip(tracks, raw["items"], strict=False):
        source = entry.get("item") or entry["track"]
        assert track.available_markets == tuple(source["available_markets"])
        assert track.album.available_markets == tuple(source["album"]["available_markets"])
    # equal lists are one object, across entries and between a track and its album
    assert len({id(t.available_markets) for t in tracks}) <= len({tuple(t.available_markets) for t in tracks})


def test_a_body_for_plain_json_is_decoded_whole_and_never_carries_a_placeholder() -> None:
    body = orjson.dumps(_track(available_markets=MARKETS))
    data, arrays = decode_models(body, Any)
    assert arrays is None
    assert data == orjson.loads(body)
    for plain in (Any, dict[str, Any], list[Any]):
        assert not shares_arrays(plain)
    for models in (Track, Page[PlaylistTrack], Track | None, list[Album]):
        assert shares_arrays(models)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(b'{"available_markets" : [ "AD" , "AE" ]}', id="spaces around the colon and inside"),
        pytest.param(b'{"available_markets":\n  ["AD",\n   "AE"]}', id="pretty-printed"),
        pytest.param(b'{"available_markets":null}', id="null"),
        pytest.param(b'{"available_markets":[]}', id="empty"),
        pytest.param(b'{"available_markets":["A]B","AE"]}', id="a bracket inside a code"),
        pytest.param(b'{"available_markets":[["AD"],"AE"]}', id="a nested array"),
        pytest.param(b'{"available_markets":["AD",null,7]}', id="not only strings"),
        pytest.param(b'{"available_markets":7}', id="a number"),
        pytest.param(b'{"available_markets":%d}' % shared._BASE, id="the number of the first placeholder"),
        pytest.param(b'{"available_markets":"AD"}', id="a string"),
        pytest.param(
            b'{"name":"\\"available_markets\\":[\\"XX\\"]","available_markets":["AD"]}', id="the key in a name"
        ),
        pytest.param(b'{"name":"available_markets","available_markets":["AD"]}', id="the key as a value"),
        pytest.param(b'{"x\\"available_markets":["XX"],"available_markets":["AD"]}', id="the key inside another key"),
        pytest.param(b'{"available_markets":["AD"],"x":[', id="not JSON after the array"),
        pytest.param(b'{"available_markets":["AD"', id="cut inside the array"),
    ],
)
@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_odd_bodies_structure_exactly_as_when_decoded_whole(text: bytes, strict: bool) -> None:
    own = _track()
    del own["available_markets"]  # the odd member below is the track's only one (orjson keeps the last duplicate)
    track = orjson.dumps(own)
    # splice the odd member into a real track body, replacing its own available_markets
    body = text[:-1] + b"," + track[1:] if text.endswith(b"}") else track[:-1] + b"," + text[1:]
    shared_way, whole_way = _both(body, Track, strict=strict)
    assert shared_way == whole_way


def test_two_texts_of_one_list_share_one_tuple_and_the_table_is_only_for_its_body() -> None:
    compact = orjson.dumps(_track(available_markets=MARKETS))
    spaced = compact.replace(b'"available_markets":["AD","AE"', b'"available_markets": [ "AD", "AE"')
    assert spaced != compact
    first, second = loads(compact, Track), loads(spaced, Track)
    assert first.available_markets is second.available_markets
    assert first.available_markets == tuple(MARKETS)
    # outside the structuring of its body no placeholder resolves: a number stays a number
    data, arrays = shared.decode_shared(compact)
    assert arrays is not None
    placeholder = data["available_markets"]
    assert isinstance(placeholder, int)
    assert shared.resolve_placeholder(placeholder) == placeholder
    with arrays:
        assert shared.resolve_placeholder(placeholder) == tuple(MARKETS)
        seen: list[Any] = []
        other = threading.Thread(target=lambda: seen.append(shared.resolve_placeholder(placeholder)))
        other.start()
        other.join(5)
        assert seen == [placeholder]  # another thread structuring meanwhile sees no table of this body
    assert shared.resolve_placeholder(placeholder) == placeholder


def test_an_unknown_item_keeps_its_raw_json_with_its_lists() -> None:
    entry = load_fixture("get_playlist_items__spotifyaio__1.json")["items"][0]
    item = dict(entry.get("item") or entry["track"])
    item["type"] = "audiovisual"  # a type the models do not know: kept raw
    item["available_markets"] = MARKETS
    page = {"href": "h", "items": [{**entry, "track": item, "item": item}], "limit": 1, "next": None, "offset": 0,
            "previous": None, "total": 1}  # fmt: skip
    body = orjson.dumps(page)
    result = loads(body, Page[PlaylistTrack])
    unknown = result.items[0].item
    assert isinstance(unknown, UnknownItem)
    assert unknown.raw["available_markets"] == MARKETS
    assert unknown.raw["album"]["available_markets"] == item["album"]["available_markets"]
    assert result == structure(orjson.loads(body), Page[PlaylistTrack])


def test_album_tracks_and_the_album_share_the_decoded_arrays() -> None:
    names = [n for n in fixture_files() if n.startswith("get_album__")]
    if not names:
        pytest.skip("no recorded album")
    body = orjson.dumps(load_fixture(names[0]))
    assert loads(body, Album) == structure(orjson.loads(body), Album)


def test_bodies_with_more_arrays_than_the_made_placeholders_and_bodies_decoded_in_threads_at_once() -> None:
    entry = load_fixture("get_playlist_items__spotifyaio__1.json")["items"][0]
    items = []
    for n in range(300):  # two arrays each (track and album): 600, past the 512 placeholders made at import
        track = dict(entry.get("item") or entry["track"])
        track["available_markets"] = [f"A{n % 26 + 10:02d}", "BB"]
        track["album"] = {**track["album"], "available_markets": ["CC", f"D{n % 7}"]}
        items.append({**entry, "track": track, "item": track})
    page = {"href": "h", "items": items, "limit": 300, "next": None, "offset": 0, "previous": None, "total": 300}
    body = orjson.dumps(page)
    expected = structure(orjson.loads(body), Page[PlaylistTrack])
    results: list[Any] = []

    def work() -> None:
        for _ in range(5):
            results.append(loads(body, Page[PlaylistTrack]))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 20
    assert all(result == expected for result in results)
