"""What the request path builds once instead of per request (#15): the Authorization header of each token, the
freshness of each Cache-Control value, the path of a one-parameter route. Each memo must give exactly what building
it afresh gives, stay bounded, and never let one token's header reach another's request."""

from __future__ import annotations

import asyncio
from typing import Any

import attrs
import pytest
from aioresponses import CallbackResult, aioresponses
from multidict import CIMultiDictProxy

from spotify_async import ClientCredentials, Config, InvalidInput, Spotify, Token
from spotify_async.http import cache as cache_module
from spotify_async.http import routes, scheduler
from spotify_async.http.cache import _freshness, parse_cache_control
from spotify_async.http.routes import Route, _single_parameter
from spotify_async.http.scheduler import _AuthHeaders

from .helpers import API, TOKEN_URL, TRACK_ID, token_payload, track_json, track_url


@attrs.frozen
class _Tok:
    access_token: str
    token_type: str = "Bearer"


# ---------------------------------------------------------------------------------------------- Authorization


def test_the_authorization_header_is_built_once_per_token_and_read_only() -> None:
    headers = _AuthHeaders()
    one, two = _Tok("one"), _Tok("two")
    first = headers.of(one)
    assert isinstance(first, CIMultiDictProxy)
    assert dict(first) == {"Authorization": "Bearer one"}
    assert headers.of(one) is first  # the same token: the same object, nothing rebuilt
    assert dict(headers.of(two)) == {"Authorization": "Bearer two"}
    assert headers.of(_Tok("one")) is first  # an equal token met again: from the memo
    assert dict(headers.of(_Tok("one", "MAC"))) == {"Authorization": "MAC one"}  # the type is part of the value
    with pytest.raises(TypeError):
        first["Authorization"] = "Bearer other"  # type: ignore[index]


def test_the_authorization_memo_is_bounded_and_its_repr_names_no_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(scheduler, "_AUTH_MEMO", 3)
    headers = _AuthHeaders()
    for i in range(10):
        assert dict(headers.of(_Tok(f"secret-{i}"))) == {"Authorization": f"Bearer secret-{i}"}
        assert len(headers._memo) <= 3
    assert "secret" not in repr(headers)


async def test_each_request_carries_its_own_callers_token() -> None:
    """Two identities of one app share the scheduler (and its memo): each request still carries its own token, and a
    request with headers of its own (a JSON body) carries them next to it."""
    seen: list[tuple[str, str | None]] = []

    def api(url: Any, **kwargs: Any) -> CallbackResult:
        headers = kwargs["headers"]
        seen.append((headers["Authorization"], headers.get("Content-Type")))
        return CallbackResult(status=200, payload=track_json())

    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload("app-token"))
        m.get(track_url(), callback=api, repeat=True)
        m.put(f"{API}/me/library?uris=spotify:track:{TRACK_ID}", callback=api, repeat=True)
        async with Spotify(ClientCredentials("id", "secret"), config=Config(coalesce=False)) as sp:
            alice = sp.for_user(Token("alice-token", scopes="user-library-modify"))
            bob = sp.for_user(Token("bob-token"))
            await asyncio.gather(sp.tracks.get(TRACK_ID), alice.tracks.get(TRACK_ID), bob.tracks.get(TRACK_ID))
            await alice.tracks.get(TRACK_ID)
    assert sorted(seen) == sorted(
        [
            ("Bearer app-token", None),
            ("Bearer alice-token", None),
            ("Bearer bob-token", None),
            ("Bearer alice-token", None),
        ]
    )


async def test_a_conditional_request_sends_its_condition_and_the_token() -> None:
    """A stale entry with an ETag is revalidated: the request's own header (If-None-Match) and the token's go out
    together, and the kept multidict of the token is left as it was."""
    seen: list[dict[str, str]] = []

    def api(url: Any, **kwargs: Any) -> CallbackResult:
        seen.append({k: v for k, v in kwargs["headers"].items() if k != "User-Agent"})
        if len(seen) == 1:
            return CallbackResult(
                status=200, payload=track_json(), headers={"ETag": '"v1"', "Cache-Control": "no-cache"}
            )
        return CallbackResult(status=304, headers={"ETag": '"v1"', "Cache-Control": "no-cache"})

    with aioresponses() as m:
        m.post(TOKEN_URL, payload=token_payload("tok"))
        m.get(track_url(), callback=api, repeat=True)
        async with Spotify(ClientCredentials("id", "secret")) as sp:
            await sp.tracks.get(TRACK_ID)
            track, response = await sp.tracks.get(TRACK_ID).with_response()
            kept = sp.scheduler._authorization._last_headers
    assert track.id == TRACK_ID
    assert response.revalidated
    assert seen == [{"Authorization": "Bearer tok"}, {"Authorization": "Bearer tok", "If-None-Match": '"v1"'}]
    assert dict(kept) == {"Authorization": "Bearer tok"}


# ---------------------------------------------------------------------------------------------- Cache-Control


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, (False, False, None)),
        ("", (False, False, None)),
        ("public, max-age=0", (False, False, 0.0)),
        ("max-age=3600, private", (False, False, 3600.0)),
        ('max-age="60"', (False, False, 60.0)),
        ("No-Store", (True, False, None)),
        ("no-cache, max-age=10", (False, True, 10.0)),
        ("max-age=-5", (False, False, None)),
        ("max-age=soon", (False, False, None)),
    ],
)
def test_the_freshness_of_a_cache_control_value_matches_its_directives(
    value: str | None, expected: tuple[bool, bool, float | None]
) -> None:
    assert _freshness(value) == expected
    assert _freshness(value) == expected  # memoised: the same answer the second time
    directives = parse_cache_control(value)
    assert expected[0] == ("no-store" in directives)
    assert expected[1] == ("no-cache" in directives)


def test_the_freshness_memo_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache_module, "_PARSED_MAX", 4)
    monkeypatch.setattr(cache_module, "_FRESHNESS", {})
    for i in range(20):
        assert _freshness(f"max-age={i}") == (False, False, float(i))
        assert len(cache_module._FRESHNESS) <= 4


# ---------------------------------------------------------------------------------------------- Route.compile


def _one_parameter_routes() -> list[Route]:
    found = [r for r in vars(routes).values() if isinstance(r, Route) and _single_parameter(r) is not None]
    assert len(found) > 20  # the table has many: the fast path is the common one
    return found


def _slow_path(route: Route, name: str, value: str) -> str:
    """The general way: what compile() did for every call before the fast path."""
    from urllib.parse import quote

    segment = value if value.isascii() and value.isalnum() else quote(value, safe="")
    return route.path.format_map({name: segment})


@pytest.mark.parametrize("value", ["4aawyAB9vmqN3uQ7FjRGTy", "abc", "0", "user.name", "a/b", "x?y#z", "é", "100%"])
def test_a_one_parameter_route_compiles_as_the_general_path_would(value: str) -> None:
    for route in _one_parameter_routes():
        single = _single_parameter(route)
        assert single is not None
        name = single[0]
        compiled = route.compile(**{name: value})
        assert compiled.path == _slow_path(route, name, value)
        assert compiled.route is route
        assert compiled.params == {name: value}


@pytest.mark.parametrize("value", ["", ".", "..", "..."])
def test_the_fast_path_does_not_skip_the_segment_checks(value: str) -> None:
    with pytest.raises(InvalidInput):
        routes.GET_TRACK.compile(id=value)


def test_the_fast_path_does_not_skip_the_type_check_nor_take_a_wrong_name() -> None:
    with pytest.raises(InvalidInput):
        routes.GET_TRACK.compile(id=123)  # type: ignore[arg-type]
    with pytest.raises(KeyError):
        routes.GET_TRACK.compile(track_id="abc")


def test_the_split_template_is_no_part_of_a_routes_equality_or_repr() -> None:
    route = routes.GET_TRACK
    twin = Route(route.method, route.path, route.operation_id, catalog=route.catalog)
    assert twin == route
    assert hash(twin) == hash(route)
    assert "_single" not in repr(route)
    assert _single_parameter(routes.GET_TRACK) == ("id", "/tracks/", "")
    assert _single_parameter(Route("GET", "/me/tracks", "x")) is None
    assert _single_parameter(Route("GET", "/users/{user_id}/playlists/{playlist_id}", "y")) is None


def test_the_scheduler_builds_responses_in_the_fields_order() -> None:
    """``Scheduler._response`` passes its values by position (half the cost of keywords): the order is this one."""
    from spotify_async.http.response import Response

    names = [field.name for field in attrs.fields(Response)][:9]
    assert names == ["status", "headers", "body", "method", "url", "operation_id", "attempts", "waited", "elapsed"]


@pytest.mark.parametrize(
    ("value", "fast"),
    [
        ("4aawyAB9vmqN3uQ7FjRGTy", True),
        ("4aawyAB9vmqN3uQ7FjRGT\u00e9", False),  # a letter, but not ASCII: isalnum() alone would take it
        ("4aawyAB9vmqN3uQ7FjRG-y", False),
        ("4aawyAB9vmqN3uQ7FjRG\uff19y", False),  # a full-width digit
    ],
)
def test_the_bare_id_fast_path_takes_exactly_what_the_pattern_takes(value: str, fast: bool) -> None:
    from spotify_async import ids

    assert len(value) == 22
    assert bool(ids._BASE62.match(value)) is fast
    if fast:
        assert ids.to_id(value, "track") == value
    else:
        with pytest.raises(InvalidInput):
            ids.to_id(value, "track")
