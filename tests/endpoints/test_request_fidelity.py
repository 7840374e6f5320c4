"""Requests that cannot drift from the spec or escape their endpoint.

* Every Route's ``page_limit`` and ``batch_max`` equal the maxima ``openapi.yml`` gives for that operation (the
  ``limit`` parameter's schema, and the "Maximum: N IDs" / "A maximum of N items" wording of its id or URI list), so
  the next drift fails here rather than at Spotify.
* No path parameter of any route can change which endpoint is called: values that URL normalisation would remove or
  climb over are refused, and everything else stays exactly one segment after aiohttp (yarl) has built the URL.
* Ids that are not strings get ``InvalidInput`` naming the argument, before anything is sent.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from catalog_support import client, nothing_sent, params_of, spy_requests
from yarl import URL

import spotify_async.endpoints
from spotify_async.config import Config
from spotify_async.errors import InvalidInput
from spotify_async.http.routes import ALL_ROUTES, Route
from spotify_async.http.scheduler import Scheduler
from spotify_async.session import Spotify

SPEC = Path(__file__).parents[2].parent / "shared" / "spotify-web-api" / "openapi.yml"
_METHODS = ("get", "put", "post", "delete")
#: how the spec words an id or URI list's maximum, in a parameter's or a body property's description
_LIST_MAXIMUM = re.compile(r"[Mm]aximum(?::| of) (\d+) (?:IDs|URIs|items|objects)")
_LIST_NAMES = frozenset({"ids", "uris", "items", "tracks", "timestamped_ids"})


def _load_spec() -> dict[str, Any]:
    if not SPEC.is_file():
        pytest.fail(f"the Web API description is missing: expected {SPEC}")
    spec: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    return spec


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def _spec_maxima() -> dict[str, tuple[int | None, int | None]]:
    """operationId -> (the ``limit`` parameter's maximum, the smallest maximum of any of its id or URI lists)."""
    spec = _load_spec()
    out: dict[str, tuple[int | None, int | None]] = {}
    for item in spec["paths"].values():
        for method, op in item.items():
            if method not in _METHODS:
                continue
            page_limit: int | None = None
            lists: list[int] = []
            for parameter in op.get("parameters", []):
                parameter = _resolve(spec, parameter)
                schema = _resolve(spec, parameter.get("schema", {}))
                if parameter["name"] == "limit":
                    page_limit = schema.get("maximum")
                if parameter["name"] in _LIST_NAMES:
                    text = (parameter.get("description") or "") + (schema.get("description") or "")
                    lists += [int(m) for m in _LIST_MAXIMUM.findall(text)]
            body = _resolve(spec, op.get("requestBody", {}))
            for content in body.get("content", {}).values():
                schema = _resolve(spec, content.get("schema", {}))
                for name, prop in (schema.get("properties") or {}).items():
                    prop = _resolve(spec, prop)
                    if name in _LIST_NAMES:
                        lists += [int(m) for m in _LIST_MAXIMUM.findall(prop.get("description") or "")]
                        if "maxItems" in prop:
                            lists.append(int(prop["maxItems"]))
            out[op["operationId"]] = (page_limit, min(lists) if lists else None)
    return out


def test_page_limits_and_batch_maxima_match_the_spec() -> None:
    maxima = _spec_maxima()
    assert set(maxima) == set(ALL_ROUTES)
    wrong = []
    for operation_id, (page_limit, batch) in sorted(maxima.items()):
        route = ALL_ROUTES[operation_id]
        if (route.page_limit, route.batch_max) != (page_limit, batch):
            wrong.append(
                f"{operation_id}: route has {route.page_limit}/{route.batch_max}, spec says {page_limit}/{batch}"
            )
    assert wrong == []
    # the figures the issue named: /items pages go to 50, the legacy /tracks to 100
    assert ALL_ROUTES["get-playlists-items"].page_limit == 50
    assert ALL_ROUTES["get-playlists-tracks"].page_limit == 100


def test_endpoints_read_limits_from_their_routes() -> None:
    """Per-operation facts live on the Route: no endpoint body writes a page limit or a batch size as a literal."""
    endpoints = Path(spotify_async.endpoints.__file__).parent
    for path in sorted(endpoints.glob("*.py")):
        source = path.read_text()
        assert not re.search(r"check_limit\(\s*limit,\s*\d", source), path.name
        assert not re.search(r"chunked\([^()]*,\s*\d+\s*\)", source), path.name
        assert not re.search(r"batch_size\s*=\s*\d", source), path.name


@pytest.mark.parametrize("mode", ["development", "extended"])
async def test_playlist_items_pages_never_exceed_the_spec(mode: Any) -> None:
    async with client(mode) as (fake, sp):
        pid = (await sp.playlists.create("mine")).id
        sent = spy_requests(sp)
        await sp.playlists.items(pid)
        assert params_of(sent[-1])["limit"] == "50"
        with nothing_sent(fake), pytest.raises(InvalidInput, match="between 1 and 50"):
            sp.playlists.items(pid, limit=51)
        if mode == "extended":
            await sp.playlists.items(pid, limit=100, legacy_tracks_endpoint=True)
            assert params_of(sent[-1])["limit"] == "100"


# ---- path parameters --------------------------------------------------------------------------------------------

_PATH_ROUTES = sorted((r for r in ALL_ROUTES.values() if r.path_parameters), key=lambda r: r.operation_id)
#: values URL normalisation would drop or climb over
_ESCAPING = ("", ".", "..", "...", "....")
#: odd values that must stay inside one segment
_ODD = ("a.b", "a..b", "..a", "a/../b", "%2e%2e", "%2E%2E%2F", "?x=1", "#frag", "a b", "é", "\\..", ";..")
API_BASE = "https://api.spotify.com/v1"
SCHEDULER = Scheduler(Config())


def test_every_route_with_a_path_parameter_is_covered() -> None:
    # the routes that take an id, a playlist id, a user id or a category id: 30 operations today
    assert len(_PATH_ROUTES) >= 30
    assert {p for r in _PATH_ROUTES for p in r.path_parameters} == {"id", "playlist_id", "user_id", "category_id"}


@pytest.mark.parametrize("route", _PATH_ROUTES, ids=lambda r: r.operation_id)
def test_no_path_parameter_can_change_the_endpoint(route: Route) -> None:
    (name,) = route.path_parameters
    for value in _ESCAPING:
        with pytest.raises(InvalidInput, match=name):
            route.compile(**{name: value})
    template = route.path.split("/")
    index = template.index("{" + name + "}")
    for value in _ODD:
        path = route.compile(**{name: value}).path
        # what aiohttp is given (the scheduler's URL, built from the encoded path), and what it would make of the
        # string (yarl parses and normalises it): both keep the value inside its one segment
        built = SCHEDULER._target(API_BASE, path)
        assert built.path == URL(API_BASE + path).path, (value, built)
        url = built
        segments = url.raw_path.split("/")[2:]  # drop "" and "v1"
        assert len(segments) == len(template) - 1, (value, url.raw_path)
        assert url.query_string == "", value
        assert url.fragment == "", value
        assert [s for i, s in enumerate(segments) if i != index - 1] == [
            s for i, s in enumerate(template[1:]) if i != index - 1
        ], (value, url.raw_path)
        assert URL.build(path="/" + segments[index - 1], encoded=True).path == "/" + value


def test_non_string_path_values_are_refused() -> None:
    for route in _PATH_ROUTES:
        (name,) = route.path_parameters
        for value in (None, 7, b"..", ["a"]):
            with pytest.raises(InvalidInput, match=name):
                route.compile(**{name: value})  # type: ignore[arg-type]


def _dot_calls(sp: Spotify) -> list[Callable[[], object]]:
    return [
        lambda: sp.users.get(".."),
        lambda: sp.users.get("."),
        lambda: sp.users.playlists(".."),
        lambda: sp.playlists.create_for_user("..", "x"),
        lambda: sp.users.get("spotify:user:.."),
        lambda: sp.users.get("https://open.spotify.com/user/.."),
    ]


async def test_dot_user_ids_send_nothing() -> None:
    # users.get("..") used to send GET /v1/ with the caller's token, create_for_user("..") POST /v1/playlists
    async with client("extended", validate=False) as (fake, sp):
        with nothing_sent(fake):
            for make in _dot_calls(sp):
                with pytest.raises(InvalidInput, match="user"):
                    make()
        # a real user id with dots still works and reaches its own endpoint
        profile = await sp.users.get(fake.catalog.users[0])
        assert profile.id == fake.catalog.users[0]


# ---- non-string ids ---------------------------------------------------------------------------------------------

_NOT_STRINGS: tuple[Any, ...] = (None, 42, b"4aawyAB9vmqN3uQ7FjRGTy", 4.5)


def _id_calls(sp: Spotify, bad: Any) -> list[tuple[str, Callable[[], object]]]:
    good = "4aawyAB9vmqN3uQ7FjRGTy"
    return [
        ("album_id", lambda: sp.albums.get(bad)),
        ("album_id", lambda: sp.albums.tracks(bad)),
        ("album_ids", lambda: sp.albums.get_several([good, bad])),
        ("track_ids", lambda: sp.tracks.get_several([bad])),
        ("artist_id", lambda: sp.artists.albums(bad)),
        ("playlist_id", lambda: sp.playlists.get(bad)),
        ("playlist_id", lambda: sp.playlists.items(bad)),
        ("playlist_id", lambda: sp.playlists.add_items(bad, ["spotify:track:" + good])),
        ("uris", lambda: sp.playlists.add_items(good, [bad])),
        ("user_id", lambda: sp.users.get(bad)),
        ("user_id", lambda: sp.playlists.create_for_user(bad, "x")),
        ("track_ids", lambda: sp.library.save_tracks([good, bad])),
        ("album_ids", lambda: sp.library.contains_albums([bad])),
        ("uris", lambda: sp.library.save([bad])),
        ("uris", lambda: sp.player.play(uris=[bad])),
        ("seed_tracks", lambda: sp.recommendations(seed_tracks=[bad])),
        ("show_id", lambda: sp.shows.get(bad)),
        ("episode_id", lambda: sp.episodes.get(bad)),
        ("chapter_id", lambda: sp.chapters.get(bad)),
        ("audiobook_id", lambda: sp.audiobooks.get(bad)),
    ]


async def _call(make: Callable[[], object]) -> None:
    result = make()
    if inspect.isawaitable(result):  # get_several validates when awaited, still before sending
        await result


@pytest.mark.parametrize("mode", ["development", "extended"])
async def test_non_string_ids_are_invalid_input_naming_the_argument(mode: Any) -> None:
    async with client(mode, validate=False) as (fake, sp):
        with nothing_sent(fake):
            for bad in _NOT_STRINGS:
                for argument, make in _id_calls(sp, bad):
                    with pytest.raises(InvalidInput) as caught:
                        await _call(make)
                    assert argument in str(caught.value), (argument, bad, str(caught.value))


@pytest.mark.parametrize(
    ("base", "problem"),
    [
        ("api.spotify.com/v1", "absolute"),
        ("ftp://api.spotify.com/v1", "absolute"),
        ("https:///v1", "absolute"),
        ("https://api.spotify.com/v1?market=SE", "no query"),
        ("https://api.spotify.com/v1#top", "no query or fragment"),
        ("https://user:secret@api.spotify.com/v1", "credentials"),
        ("https://api.spotify.com/v1 ", "spaces or control characters"),
        (" https://api.spotify.com/v1", "spaces or control characters"),
        ("https://api.spotify.com/v1\n", "spaces or control characters"),
        ("https://api.spotify.com/v\x001", "spaces or control characters"),
        ("https://api.spotify.com/my secret/v1", "spaces or control characters"),
    ],
)
def test_a_base_url_that_paths_cannot_be_appended_to_is_refused_before_anything_is_sent(
    base: str, problem: str
) -> None:
    for name in ("api_base", "accounts_base"):
        with pytest.raises(InvalidInput, match=problem) as caught:
            Spotify("a-token", **{name: base})
        assert name in str(caught.value)
        assert "secret" not in str(caught.value)


@pytest.mark.parametrize(
    "base",
    [
        "https://api.spotify.com/v1",
        "https://api.spotify.com/v1/",
        "https://api.spotify.com:443/v1",
        "http://127.0.0.1:8080/prefix/v1",
        "http://[::1]:8080/v1",
        "http://localhost:1/a%20b/v1",
    ],
)
def test_the_url_aiohttp_is_given_is_the_one_the_string_would_have_made(base: str) -> None:
    Spotify("a-token", api_base=base, accounts_base=base)  # accepted
    for path in ("/tracks/4aawyAB9vmqN3uQ7FjRGTy", "/users/a%2Fb%3F%23", "/me/player/queue"):
        built = SCHEDULER._target(base.rstrip("/"), path)
        parsed = URL(base.rstrip("/") + path)
        assert (built.scheme, built.host, built.port, built.path) == (
            parsed.scheme,
            parsed.host,
            parsed.port,
            parsed.path,
        )
        assert built.raw_path.endswith(path)  # the path goes out exactly as compiled
        assert built.query_string == ""
        assert built.fragment == ""
