"""The route table is the one place for per-operation facts, and it cannot drift from Spotify's description.

Every Route is compared with ``openapi.yml`` (scopes, the page-size default, where its ids go and under which name, the
envelope key of its answer) and with ``endpoints.tsv`` (development-mode status and replacement); limits and batch
maxima are compared in ``test_request_fidelity.py``. Both files are found through ``tests/resources.py`` (skipped on a
fresh clone, failed under CI). The endpoint sources are checked not to restate what the table says.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml

import spotify_async.endpoints
from spotify_async.auth.scopes import OPTIONAL_ONLY, requirement
from spotify_async.http import routes
from spotify_async.http.routes import ALL_ROUTES, REQUIREMENTS, Route, replacement_of
from tests.resources import endpoints_tsv, openapi_spec

ENDPOINTS_DIR = Path(spotify_async.endpoints.__file__).parent
_METHODS = ("get", "put", "post", "delete")
#: endpoints.tsv's dev_mode_status column -> Route.dev_status
_STATUS = {
    "available": "available",
    "added-2026-02": "added",
    "removed-for-dev-mode-2026-02": "removed",
    "restricted-2024-11-27 (new/dev-mode apps)": "restricted",
}


@cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(openapi_spec().read_text(encoding="utf-8"))
    return spec


def _resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = _spec()
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


@cache
def _operations() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in _spec()["paths"].values():
        for method, op in item.items():
            if method in _METHODS:
                out[op["operationId"]] = op
    return out


def _parameters(op: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(in, name) -> the parameter, resolved."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for parameter in op.get("parameters", []):
        parameter = _resolve(parameter)
        found[(parameter["in"], parameter["name"])] = parameter
    return found


def _body_properties(op: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for content in _resolve(op.get("requestBody", {})).get("content", {}).values():
        names.update((_resolve(content.get("schema", {})).get("properties") or {}).keys())
    return names


def _answer_properties(op: dict[str, Any]) -> dict[str, Any] | None:
    """The properties of the 200 answer's JSON object (name -> schema); ``None`` when it is not an object."""
    answer = _resolve(op.get("responses", {}).get("200", {}))
    for content in answer.get("content", {}).values():
        schema = _resolve(content.get("schema", {}))
        if schema.get("type") == "object" or "properties" in schema:
            return {name: _resolve(prop) for name, prop in (schema.get("properties") or {}).items()}
    return None


def _holds_a_collection(schema: dict[str, Any]) -> bool:
    """An array, or an object of its own (a page): what an envelope wraps, unlike a scalar such as ``snapshot_id``."""
    return schema.get("type") in ("array", "object") or "properties" in schema or "allOf" in schema


def test_the_table_is_every_constant_once_in_source_order() -> None:
    constants = [value for value in vars(routes).values() if isinstance(value, Route)]
    assert list(ALL_ROUTES.values()) == constants
    assert len(ALL_ROUTES) == len(constants) == 97  # no operationId written twice
    source = Path(routes.__file__).read_text(encoding="utf-8")
    assert "GET_AN_ALBUM," not in source, "ALL_ROUTES is gathered from the constants, not listed again"


def test_scopes_are_the_specs() -> None:
    ops = _operations()
    wrong = []
    for operation_id, route in ALL_ROUTES.items():
        listed: list[str] = []
        for scheme in ops[operation_id].get("security", []):
            for names in scheme.values():
                listed += names
        if route.scopes != tuple(listed):
            wrong.append(f"{operation_id}: route {route.scopes}, spec {tuple(listed)}")
    assert wrong == []


def test_page_defaults_are_the_specs() -> None:
    wrong = []
    for operation_id, op in _operations().items():
        limit = _parameters(op).get(("query", "limit"))
        default = _resolve(limit.get("schema", {})).get("default") if limit else None
        route = ALL_ROUTES[operation_id]
        if route.page_default != default:
            wrong.append(f"{operation_id}: route {route.page_default}, spec {default}")
        if route.page_default is not None:
            assert route.page_limit is not None, operation_id
            assert route.page_default <= route.page_limit, operation_id
    assert wrong == []


def test_ids_go_where_the_spec_takes_them() -> None:
    wrong = []
    for operation_id, op in _operations().items():
        route = ALL_ROUTES[operation_id]
        parameters = _parameters(op)
        if ("path", "id") in parameters and route.ids_in != "path":
            wrong.append(f"{operation_id}: its path takes an id, route says {route.ids_in}")
        if route.batch_max is not None and route.ids_in not in ("query", "body"):
            wrong.append(f"{operation_id}: takes up to {route.batch_max} ids, route says they go in {route.ids_in}")
        if route.ids_in is None:
            assert route.ids_param is None, operation_id
            continue
        assert route.ids_param is not None, operation_id
        if route.ids_in in ("path", "query") and (route.ids_in, route.ids_param) not in parameters:
            wrong.append(f"{operation_id}: the spec has no {route.ids_in} parameter {route.ids_param!r}")
        if route.ids_in == "body" and route.ids_param not in _body_properties(op):
            wrong.append(f"{operation_id}: the spec's body has no {route.ids_param!r}")
    assert wrong == []
    # the figures the issue named: PUT /me/tracks takes its ids in the body, the generic library takes URIs
    assert (routes.SAVE_TRACKS_USER.ids_in, routes.SAVE_TRACKS_USER.ids_param) == ("body", "ids")
    assert (routes.SAVE_LIBRARY_ITEMS.ids_in, routes.SAVE_LIBRARY_ITEMS.ids_param) == ("query", "uris")
    assert routes.REMOVE_TRACKS_PLAYLIST.ids_param == "tracks"
    assert routes.REMOVE_ITEMS_PLAYLIST.ids_param == "items"


def test_envelopes_are_the_specs() -> None:
    wrong = []
    for operation_id, op in _operations().items():
        route = ALL_ROUTES[operation_id]
        answer = _answer_properties(op)
        if route.envelope is not None and (answer is None or route.envelope not in answer):
            wrong.append(f"{operation_id}: envelope {route.envelope!r}, the spec's answer has {answer}")
        # an answer that is one named list or page (``{"albums": [...]}``, at most a ``message`` beside it) is an
        # envelope; one scalar (``{"snapshot_id": ...}``) is a small model of its own
        named = set(answer or {}) - {"message"}
        if answer is not None and len(named) == 1 and route.envelope not in named:
            (only,) = named
            if _holds_a_collection(answer[only]):
                wrong.append(f"{operation_id}: the spec's answer is {sorted(answer)}, route has no envelope")
    assert wrong == []
    assert routes.GET_MULTIPLE_ALBUMS.envelope == "albums"


def test_development_mode_status_and_replacement_are_endpoints_tsv() -> None:
    with endpoints_tsv().open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert {row["operationId"] for row in rows} == set(ALL_ROUTES)
    wrong = []
    for row in rows:
        route = ALL_ROUTES[row["operationId"]]
        status = _STATUS[row["dev_mode_status"]]
        replacement = row["replacement"] or None
        if replacement == "none":
            replacement = None
        if (route.method, route.path) != (row["method"], row["path"]):
            wrong.append(f"{route.operation_id}: {route.method} {route.path}, tsv {row['method']} {row['path']}")
        if (route.dev_status, route.replacement) != (status, replacement):
            wrong.append(f"{route.operation_id}: {route.dev_status}/{route.replacement}, tsv {status}/{replacement}")
        if route.scopes != tuple(s for s in row["scopes"].split(",") if s):
            wrong.append(f"{route.operation_id}: scopes {route.scopes}, tsv {row['scopes']}")
    assert wrong == []


def test_named_replacements_are_routes_of_the_table() -> None:
    for route in ALL_ROUTES.values():
        found = replacement_of(route)
        if found is not None:
            assert found.dev_mode_available, route.operation_id
            assert route.replacement == f"{found.method} {found.path}"
    assert replacement_of(routes.SAVE_TRACKS_USER) is routes.SAVE_LIBRARY_ITEMS
    assert replacement_of(routes.GET_MULTIPLE_ALBUMS) is None  # "GET /albums/{id} per item" is a pattern


# ---------------------------------------------------------------- scopes: one source, the rules derive the rest


def test_every_requirement_is_derived_from_the_routes_scopes() -> None:
    assert {op: r.requires for op, r in ALL_ROUTES.items() if r.requires is not None} == REQUIREMENTS
    for op, route in ALL_ROUTES.items():
        assert route.requires == requirement(op, route.scopes), op


def test_the_rules_keep_any_one_of_a_pair_joint_scopes_and_optional_content() -> None:
    modify = routes.ADD_ITEMS_TO_PLAYLIST.requires
    assert modify is not None
    assert modify.satisfied_by(frozenset({"playlist-modify-private"}))
    assert modify.satisfied_by(frozenset({"playlist-modify-public"}))
    assert not modify.satisfied_by(frozenset({"user-library-modify"}))
    cover = routes.UPLOAD_CUSTOM_PLAYLIST_COVER.requires
    assert cover is not None
    assert cover.describe() == (
        "one of: playlist-modify-private + ugc-image-upload | playlist-modify-public + ugc-image-upload"
    )
    assert not cover.satisfied_by(frozenset({"playlist-modify-public"}))
    # user-read-playback-position only adds resume points; the library scope is what saved episodes need
    episodes = routes.GET_USERS_SAVED_EPISODES.requires
    assert episodes is not None
    assert episodes.describe() == "user-library-read"
    # the spec lists only user-read-currently-playing; user-read-playback-state also reads the current track
    playing = routes.GET_THE_USERS_CURRENTLY_PLAYING_TRACK.requires
    assert playing is not None
    assert playing.satisfied_by(frozenset({"user-read-playback-state"}))
    for op in OPTIONAL_ONLY:
        assert ALL_ROUTES[op].scopes, op
        assert ALL_ROUTES[op].requires is None, op
    assert routes.GET_AN_ALBUM.requires is None


# ---------------------------------------------------------------- endpoint bodies read the table

_ENVELOPE_LITERAL = re.compile(r"\bkey=\"(\w+)\"")
_ROUTE_IDENTITY = re.compile(r"\broute is (not )?routes\.")


def test_endpoint_bodies_do_not_restate_the_table() -> None:
    envelopes = {r.envelope for r in ALL_ROUTES.values() if r.envelope}
    offences = []
    for path in sorted(ENDPOINTS_DIR.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        offences += [f"{path.name}: key={m!r} is a route's envelope" for m in _ENVELOPE_LITERAL.findall(source)]
        offences += [f"{path.name}: {m.group(0)!r} special-cases a route" for m in _ROUTE_IDENTITY.finditer(source)]
        offences += [f"{path.name}: an id list's name written out" for _ in re.finditer(r"\{\"(ids|uris)\":", source)]
        offences += [f"{path.name}: a page limit fallback" for _ in re.finditer(r"page_limit or \d", source)]
    # one field pick is not an envelope: the snapshot probe asks fields=snapshot_id and reads that field
    offences = [o for o in offences if "'snapshot_id'" not in o]
    assert offences == []
    assert "snapshot_id" not in envelopes


def test_the_live_api_s_answer_facts_are_on_the_routes_and_consistent() -> None:
    etag = {op for op, r in ALL_ROUTES.items() if r.etag}
    # the playlist reads, as the live API answers them (FakeSpotify reads the same column)
    assert etag == {
        "get-playlist",
        "get-playlists-items",
        "get-playlists-tracks",
        "get-a-list-of-current-users-playlists",
        "get-list-users-playlists",
    }
    for op, route in ALL_ROUTES.items():
        assert (route.cache_control is None) == (route.method != "GET"), op
        assert not route.etag or route.method == "GET", op
        # a refusal status exactly where a development-mode app cannot call the operation
        assert (route.dev_refusal is None) == route.dev_mode_available, op
        assert route.dev_refusal in (None, 403, 404), op
    assert ALL_ROUTES["search"].cache_control == "public, max-age=120"
    assert ALL_ROUTES["get-track"].cache_control == "public, max-age=0"
    assert ALL_ROUTES["get-current-users-profile"].cache_control == "private, max-age=0"
    assert {op for op, r in ALL_ROUTES.items() if r.dev_refusal == 404} == {
        "get-recommendations",
        "get-recommendation-genres",
        "get-an-artists-related-artists",
        "get-featured-playlists",
        "get-a-categories-playlists",
    }
