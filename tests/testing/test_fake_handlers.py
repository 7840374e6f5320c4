"""FakeSpotify's handlers by operationId: the built-in set covers the route table, and one instance's handlers can
be replaced or added without touching another's (the edge still runs first, the caching headers after)."""

from __future__ import annotations

import re
from collections import UserList
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from fakehelpers import bearer, get_json, user_headers

from spotify_async import Spotify
from spotify_async.errors import InvalidInput, NotFound
from spotify_async.http.routes import ALL_ROUTES
from spotify_async.testing import ApiError, FakeSpotify, RequestContext
from spotify_async.testing._routes import DEFAULT_HANDLERS, UNSERVED, Router, handles

# ---- the built-in set against the route table ---------------------------------------------------------------------


def test_every_route_has_a_handler_or_is_listed_as_unserved() -> None:
    unknown = sorted(set(DEFAULT_HANDLERS) - set(ALL_ROUTES))
    assert not unknown, f"handlers of operationIds the route table lacks: {unknown}"
    missing = sorted(set(ALL_ROUTES) - set(DEFAULT_HANDLERS) - UNSERVED)
    assert not missing, f"routes with neither a handler nor a place in UNSERVED: {missing}"
    assert not UNSERVED & set(DEFAULT_HANDLERS), "an operation both served and listed as unserved"
    assert set(ALL_ROUTES) >= UNSERVED


def test_a_handler_cannot_name_an_unknown_operation_or_take_a_served_one() -> None:
    async def handler(ctx: RequestContext) -> web.StreamResponse:
        raise AssertionError("never registered")

    with pytest.raises(LookupError, match="get-an-albun"):
        handles("get-an-albun")
    with pytest.raises(LookupError, match="already served by a built-in handler: 'get-an-album', 'get-track'"):
        handles("get-an-album", "get-track")(handler)
    assert handler not in DEFAULT_HANDLERS.values()


def _sample_path(template: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: f"x{m.group(1)}", template)


def test_the_router_finds_every_route_of_the_table_by_its_own_method_and_path() -> None:
    router = Router(ALL_ROUTES.values())
    for route in ALL_ROUTES.values():
        found, params, _ = router.find(route.method, _sample_path(route.path))
        assert found is route, (route.operation_id, found)
        assert set(params) == set(re.findall(r"\{(\w+)\}", route.path))
    assert router.find("GET", "/albums/a/b/c") == (None, {}, False)
    assert router.find("PATCH", "/albums/x") == (None, {}, True)  # the path exists, for another method


# ---- one instance's handlers ------------------------------------------------------------------------------------


async def test_a_replaced_handler_answers_on_its_instance_only(http: aiohttp.ClientSession) -> None:
    seen: list[str] = []

    def renamed(ctx: RequestContext) -> dict[str, Any]:
        seen.append(ctx.params["id"])
        return {"id": ctx.params["id"], "name": "replaced"}

    async with FakeSpotify(seed=0) as changed, FakeSpotify(seed=0) as other:
        album = changed.catalog.albums[0]
        assert changed.handle("get-an-album", renamed) is renamed
        token = changed.issue_user_token()["access_token"]
        body = await get_json(http, f"{changed.api_base}/albums/{album}", bearer(token))
        assert body == {"id": album, "name": "replaced"}
        assert seen == [album]
        # the same operation on another instance, and other operations on this one, keep the built-in answer
        real = await get_json(
            http, f"{other.api_base}/albums/{album}", bearer(other.issue_user_token()["access_token"])
        )
        assert real["name"] == other.catalog.album_by_id[album].name != "replaced"
        track = await get_json(http, f"{changed.api_base}/tracks/{changed.catalog.tracks[0]}", bearer(token))
        assert track["id"] == changed.catalog.tracks[0]
        # the caching headers of a GET still apply, and the stats count the operation as answered
        async with http.get(f"{changed.api_base}/albums/{album}", headers=bearer(token)) as r:
            assert r.status == 200
            assert r.headers["Cache-Control"] == "public, max-age=0"
        assert changed.stats.answered["get-an-album"] == 2
        changed.restore_handler("get-an-album")
        again = await get_json(http, f"{changed.api_base}/albums/{album}", bearer(token))
        assert again["name"] == real["name"]
        assert seen == [album, album]


async def test_a_handler_returns_a_response_an_error_body_nothing_or_a_bad_value(
    fake: FakeSpotify, http: aiohttp.ClientSession
) -> None:
    @fake.handle("get-track")
    async def teapot(ctx: RequestContext) -> web.Response:
        return web.json_response({"brewing": True}, status=418, headers={"X-Odd": "yes"})

    @fake.handle("get-an-artist")
    async def gone(ctx: RequestContext) -> None:
        raise ApiError(404, "Non existing id", reason="made up")

    @fake.handle("get-a-show")
    def nothing(ctx: RequestContext) -> None:
        return None

    @fake.handle("get-an-episode")
    def not_json(ctx: RequestContext) -> Any:
        return {"when": object()}

    @fake.handle("get-an-audiobook")
    def read_only(ctx: RequestContext) -> Mapping[str, Any]:
        return MappingProxyType({"names": UserList(["a", "b"]), "pair": ("c", 1)})

    headers = user_headers(fake)
    some_id = fake.catalog.tracks[0]
    async with http.get(f"{fake.api_base}/tracks/{some_id}", headers=headers) as r:
        assert (r.status, r.headers["X-Odd"], await r.json()) == (418, "yes", {"brewing": True})
    body = await get_json(http, f"{fake.api_base}/artists/{some_id}", headers, status=404)
    assert body == {"error": {"status": 404, "message": "Non existing id", "reason": "made up"}}
    async with http.get(f"{fake.api_base}/shows/{some_id}", headers=headers) as r:
        assert (r.status, await r.read()) == (204, b"")
    body = await get_json(http, f"{fake.api_base}/episodes/{some_id}", headers, status=500)
    assert "the handler of get-an-episode returned something that is not JSON" in body["error"]["message"]
    body = await get_json(http, f"{fake.api_base}/audiobooks/{some_id}", headers)
    assert body == {"names": ["a", "b"], "pair": ["c", 1]}


async def test_the_edge_runs_before_a_replaced_handler(http: aiohttp.ClientSession) -> None:
    calls: list[str] = []

    def counted(ctx: RequestContext) -> list[str]:
        calls.append(ctx.operation_id)
        return ["answered"]

    async with FakeSpotify(mode="development", rate_limit=(2, 30.0)) as fake:
        fake.handle("get-an-album", counted)
        fake.handle("get-recommendations", counted)
        album = fake.catalog.albums[0]
        url = f"{fake.api_base}/albums/{album}"
        await get_json(http, url, {}, status=401)  # no token: refused before the handler
        headers = user_headers(fake)
        fake.inject("status", status=503)
        await get_json(http, url, headers, status=503)  # the fault answers first
        await get_json(http, f"{fake.api_base}/recommendations", headers, status=404)  # gone in development mode
        assert await get_json(http, url, headers) == ["answered"]
        await get_json(http, url, headers, status=429)  # the hidden rate limit still counts
        assert calls == ["get-an-album"]


async def test_the_built_in_answer_is_a_starting_point(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    @fake.handle("get-an-album")
    async def renamed(ctx: RequestContext) -> Any:
        album = await ctx.default_json()
        album["name"] = "Another name"
        return album

    album_id = fake.catalog.albums[0]
    body = await get_json(http, f"{fake.api_base}/albums/{album_id}", user_headers(fake))
    assert body["name"] == "Another name"
    assert body["tracks"]["items"]
    assert body["id"] == album_id
    # the built-in handler's errors come through as they are
    await get_json(http, f"{fake.api_base}/albums/{'0' * 22}", user_headers(fake), status=404)


async def test_an_operation_the_table_lacks_can_be_added_and_removed(http: aiohttp.ClientSession) -> None:
    async with FakeSpotify() as fake, FakeSpotify() as other:

        @fake.handle("get-album-credits", method="get", path="/albums/{id}/credits")
        def credits(ctx: RequestContext) -> dict[str, Any]:
            return {"album": ctx.path_id(), "credits": [], "user": ctx.user_id}

        album = fake.catalog.albums[0]
        user = fake.catalog.users[0]
        body = await get_json(http, f"{fake.api_base}/albums/{album}/credits", user_headers(fake, user))
        assert body == {"album": album, "credits": [], "user": user}
        await get_json(http, f"{fake.api_base}/albums/nope/credits", user_headers(fake), status=400)
        assert fake.stats.by_operation["get-album-credits"] == 2
        # the table's own routes still win where they match
        plain = await get_json(http, f"{fake.api_base}/albums/{album}", user_headers(fake))
        assert plain["id"] == album
        await get_json(http, f"{other.api_base}/albums/{album}/credits", user_headers(other), status=404)
        fake.handle("get-album-credits", lambda ctx: {"second": True})  # replacing it keeps its route
        assert await get_json(http, f"{fake.api_base}/albums/{album}/credits", user_headers(fake)) == {"second": True}
        fake.restore_handler("get-album-credits")
        await get_json(http, f"{fake.api_base}/albums/{album}/credits", user_headers(fake), status=404)


def test_bad_handler_registrations_are_refused_naming_the_problem() -> None:
    fake = FakeSpotify()

    def handler(ctx: RequestContext) -> None:
        return None

    cases: list[tuple[dict[str, Any], str]] = [
        (
            {"operation_id": "get-an-albun"},
            r"not in the route table \(did you mean 'get-an-album'\?\).*method= and path=",
        ),
        ({"operation_id": "get-an-album", "method": "POST"}, r"GET /albums/\{id\} in the route table, not POST"),
        ({"operation_id": "get-an-album", "path": "/albums/{album_id}"}, r"not GET /albums/\{album_id\}"),
        ({"operation_id": "mine", "method": "GET", "path": "/albums/{id}"}, r"already 'get-an-album'"),
        ({"operation_id": "mine", "method": "GET", "path": "/v1/mine"}, "a template below /v1"),
        ({"operation_id": "mine", "method": "GET", "path": "mine"}, "a template below /v1"),
        ({"operation_id": "mine", "method": "GE T", "path": "/mine"}, "an HTTP method"),
        ({"operation_id": "", "method": "GET", "path": "/mine"}, "non-empty string"),
        ({"operation_id": ["get-an-album"]}, "non-empty string"),
        ({"operation_id": "get-an-album", "method": 1}, "an HTTP method"),
        ({"operation_id": "mine", "method": "GET", "path": b"/mine"}, "a template below /v1"),
    ]
    for kwargs, message in cases:
        with pytest.raises(InvalidInput, match=message):
            fake.handle(handler=handler, **kwargs)
    with pytest.raises(InvalidInput, match="must be callable, got dict"):
        fake.handle("get-an-album", {"name": "x"})  # type: ignore[call-overload]
    with pytest.raises(InvalidInput, match="neither in the route table nor added"):
        fake.restore_handler("mine")
    fake.handle("mine", handler, method="GET", path="/mine")
    with pytest.raises(InvalidInput, match="was added as GET /mine"):
        fake.handle("mine", handler, method="PUT")
    assert fake._handlers["get-an-album"] is DEFAULT_HANDLERS["get-an-album"]  # nothing refused was registered


async def test_handlers_given_to_the_constructor_and_through_the_sdk(fake_spotify: FakeSpotify) -> None:
    def missing(ctx: RequestContext) -> None:
        raise ApiError(404, "Non existing id")

    async with FakeSpotify(handlers={"get-an-album": missing}) as fake:
        album = fake.catalog.albums[0]
        async with Spotify(fake.issue_user_token()["access_token"], api_base=fake.api_base) as sp:
            with pytest.raises(NotFound):
                await sp.albums.get(album)
            assert (await sp.tracks.get(fake.catalog.tracks[0])).id == fake.catalog.tracks[0]
    # the fixture's fake, made in the same process, answers as ever
    async with Spotify(fake_spotify.issue_user_token()["access_token"], api_base=fake_spotify.api_base) as sp:
        assert (await sp.albums.get(fake_spotify.catalog.albums[0])).id == fake_spotify.catalog.albums[0]


@pytest.mark.fake_spotify(handlers={"get-current-users-profile": lambda ctx: {"id": "marked", "type": "user"}})
async def test_the_marker_passes_handlers_to_the_fixture(
    fake_spotify: FakeSpotify, http: aiohttp.ClientSession
) -> None:
    me = await get_json(http, f"{fake_spotify.api_base}/me", user_headers(fake_spotify))
    assert me == {"id": "marked", "type": "user"}


async def test_an_operation_without_a_handler_answers_501_naming_it(
    fake: FakeSpotify, http: aiohttp.ClientSession
) -> None:
    # what an operation listed in UNSERVED answers (none is today, so one is taken away here)
    del fake._handlers["get-an-album"]
    body = await get_json(http, f"{fake.api_base}/albums/{fake.catalog.albums[0]}", user_headers(fake), status=501)
    assert body["error"]["message"] == "FakeSpotify does not serve get-an-album"
