"""Coverage of the Web API, checked mechanically against Spotify's OpenAPI description.

Every operationId of ``../shared/spotify-web-api/openapi.yml`` must have a Route (same method and path), and every
Route must be used by an endpoint method (``routes.<CONST>`` in the ``spotify_async.endpoints`` source).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

import spotify_async.endpoints
from spotify_async.http import routes
from spotify_async.http.routes import ALL_ROUTES, Route
from tests.resources import openapi_spec

ENDPOINTS_DIR = Path(spotify_async.endpoints.__file__).parent
_METHODS = ("get", "put", "post", "delete", "patch")
_USE = re.compile(r"\broutes\.([A-Z][A-Z0-9_]*)\b")

#: the operations of the catalog and users areas (a failure here points at the catalog part first)
_CATALOG_OPERATIONS = frozenset(
    {
        # albums, artists, tracks, search
        "get-an-album",
        "get-multiple-albums",
        "get-an-albums-tracks",
        "get-an-artist",
        "get-multiple-artists",
        "get-an-artists-albums",
        "get-an-artists-top-tracks",
        "get-an-artists-related-artists",
        "get-track",
        "get-several-tracks",
        "search",
        # shows, episodes, audiobooks, chapters
        "get-a-show",
        "get-multiple-shows",
        "get-a-shows-episodes",
        "get-an-episode",
        "get-multiple-episodes",
        "get-an-audiobook",
        "get-multiple-audiobooks",
        "get-audiobook-chapters",
        "get-a-chapter",
        "get-several-chapters",
        # browse, markets, recommendations, audio features and analysis
        "get-categories",
        "get-a-category",
        "get-a-categories-playlists",
        "get-new-releases",
        "get-featured-playlists",
        "get-available-markets",
        "get-recommendations",
        "get-recommendation-genres",
        "get-audio-features",
        "get-several-audio-features",
        "get-audio-analysis",
        # users
        "get-current-users-profile",
        "get-users-profile",
        "get-list-users-playlists",
        "get-a-list-of-current-users-playlists",
        "get-users-top-artists",
        "get-users-top-tracks",
        "get-followed",
    }
)


def _spec_operations() -> dict[str, tuple[str, str]]:
    with openapi_spec().open(encoding="utf-8") as fh:
        spec: dict[str, Any] = yaml.safe_load(fh)
    ops: dict[str, tuple[str, str]] = {}
    for path, item in spec["paths"].items():
        for method in _METHODS:
            if method in item:
                ops[item[method]["operationId"]] = (method.upper(), path)
    return ops


def _route_constants() -> dict[str, Route]:
    return {name: value for name, value in vars(routes).items() if isinstance(value, Route)}


def _used_constants() -> set[str]:
    used: set[str] = set()
    for source in ENDPOINTS_DIR.glob("*.py"):
        used.update(_USE.findall(source.read_text(encoding="utf-8")))
    return used


def test_every_spec_operation_has_a_route() -> None:
    ops = _spec_operations()
    assert len(ops) == 97, f"the spec now has {len(ops)} operations (97 expected): review routes.py"
    missing = sorted(set(ops) - set(ALL_ROUTES))
    assert not missing, f"operationIds without a Route in spotify_async/http/routes.py: {missing}"
    extra = sorted(set(ALL_ROUTES) - set(ops))
    assert not extra, f"Routes naming operationIds the spec does not have: {extra}"
    wrong = sorted(
        f"{op}: spec {ops[op][0]} {ops[op][1]}, route {r.method} {r.path}"
        for op, r in ALL_ROUTES.items()
        if op in ops and (r.method, r.path) != ops[op]
    )
    assert not wrong, "Routes whose method or path differ from the spec:\n" + "\n".join(wrong)


def test_every_route_constant_is_registered() -> None:
    constants = _route_constants()
    unregistered = sorted(name for name, r in constants.items() if ALL_ROUTES.get(r.operation_id) is not r)
    assert not unregistered, f"Route constants missing from ALL_ROUTES: {unregistered}"


def test_every_catalog_route_is_used_by_an_endpoint_method() -> None:
    used = _used_constants()
    catalog = {name: r for name, r in _route_constants().items() if r.operation_id in _CATALOG_OPERATIONS}
    assert len(catalog) == len(_CATALOG_OPERATIONS), "a catalog operationId above has no Route constant"
    unused = sorted(f"{name} ({r.method} {r.path})" for name, r in catalog.items() if name not in used)
    assert not unused, f"catalog Routes no endpoint method uses: {unused}"


def test_every_route_is_used_by_an_endpoint_method() -> None:
    used = _used_constants()
    unused = sorted(f"{name} ({r.method} {r.path})" for name, r in _route_constants().items() if name not in used)
    assert not unused, f"Routes no endpoint method uses ({len(unused)}): {unused}"
