"""FakeSpotify's control operations (``POST /_fake/control``, what :class:`FakeSpotifyProcess` sends): each row of
the table does what it says, and a bad request is a 400 naming the problem."""

from __future__ import annotations

import re
from typing import Any

import aiohttp
import pytest
from fakehelpers import basic, bearer, get_json

from spotify_async.errors import InvalidInput
from spotify_async.testing import FakeSpotify, FakeSpotifyProcess
from spotify_async.testing._control import CONTROL_OPERATIONS


async def control(http: aiohttp.ClientSession, fake: FakeSpotify, payload: Any, status: int = 200) -> Any:
    async with http.post(f"{fake.accounts_base}/_fake/control", json=payload) as r:
        body = await r.json()
        assert r.status == status, body
        return body


async def test_every_control_operation_does_what_it_says(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    done: set[str] = set()

    async def run(op: str, **args: Any) -> Any:
        done.add(op)
        answer = await control(http, fake, {"op": op, "args": args})
        assert answer["ok"] is True
        return answer["result"]

    user = await run("issue_user_token", user_id=fake.catalog.users[1], scopes=["user-read-private"])
    me = await get_json(http, f"{fake.api_base}/me", bearer(user["access_token"]))
    assert me["id"] == fake.catalog.users[1]
    assert user["scope"] == "user-read-private"
    assert fake.stats.api_requests == 1
    assert await run("reset_stats") is None
    assert fake.stats.api_requests == 0

    await run("set_latency", seconds=0.25)
    assert fake.latency == 0.25
    await run("set_latency", seconds=0)

    await run("set_rate_limited_latency", seconds=0.5)
    assert fake.rate_limited_latency == 0.5
    await run("set_rate_limited_latency")  # None: a refusal takes the latency of every other request
    assert fake.rate_limited_latency == fake.latency
    await run("set_rate_limited_latency", seconds=0)

    await run("set_rate_limit", limit=1, window=60)
    await get_json(http, f"{fake.api_base}/me", bearer(user["access_token"]))
    await get_json(http, f"{fake.api_base}/me", bearer(user["access_token"]), status=429)
    await run("set_rate_limit")  # no limit: off
    await get_json(http, f"{fake.api_base}/me", bearer(user["access_token"]))

    await run("inject", kind="status", status=502, times=None, path="/v1/me")
    await get_json(http, f"{fake.api_base}/me", bearer(user["access_token"]), status=502)
    await run("clear_faults")
    await get_json(http, f"{fake.api_base}/me", bearer(user["access_token"]))

    await run("expire_access_tokens")
    await get_json(http, f"{fake.api_base}/me", bearer(user["access_token"]), status=401)

    refresh = {"grant_type": "refresh_token", "refresh_token": user["refresh_token"]}
    app = {"Authorization": basic(fake.client_id, fake.client_secret)}
    async with http.post(f"{fake.accounts_base}/api/token", data=refresh, headers=app) as r:
        assert r.status == 200
    await run("expire_refresh_tokens", refresh_token=user["refresh_token"])
    async with http.post(f"{fake.accounts_base}/api/token", data=refresh, headers=app) as r:
        assert (r.status, (await r.json())["error"]) == (400, "invalid_grant")

    assert done == set(CONTROL_OPERATIONS), "a control operation without a test of its effect"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"op": "reboot"}, "unknown control op 'reboot'; the operations are reset_stats, set_latency"),
        ({"args": {}}, "unknown control op None"),
        ({"op": "set_latency"}, "bad control request: .*missing 1 required keyword-only argument: 'seconds'"),
        ({"op": "set_latency", "args": {"seconds": 1, "jitter": 2}}, "unexpected keyword argument 'jitter'"),
        ({"op": "inject", "args": {"kind": "teapot"}}, "fault kind must be one of 'status', 'reset'"),
        ({"op": "reset_stats", "args": ["x"]}, "args must be an object, got list"),
        (["reset_stats"], "a control request is a JSON object"),
    ],
)
async def test_a_bad_control_request_is_refused_naming_the_problem(
    fake: FakeSpotify, http: aiohttp.ClientSession, payload: Any, message: str
) -> None:
    body = await control(http, fake, payload, status=400)
    assert body["error"]["status"] == 400
    assert fake.latency == 0
    assert not fake._faults
    assert re.search(message, body["error"]["message"]), body


async def test_a_body_that_is_not_json_is_refused(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{fake.accounts_base}/_fake/control", data=b"{op") as r:
        assert r.status == 400
        assert (await r.json())["error"]["message"].startswith("bad control request:")


def test_the_process_refuses_an_unknown_operation_before_sending() -> None:
    process = FakeSpotifyProcess()  # never started: nothing could answer a request
    with pytest.raises(InvalidInput, match="unknown control op 'reboot'"):
        process.control("reboot")
    assert set(process.operations()) == set(CONTROL_OPERATIONS)
    assert all(summary for summary in process.operations().values())


def test_the_process_refuses_bad_options_before_starting() -> None:
    with pytest.raises(InvalidInput, match="mode must be one of 'extended', 'development'; got 'prod'"):
        FakeSpotifyProcess(mode="prod")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="refresh_rotation must be one of 'none', 'rotate', 'single-use'"):
        FakeSpotifyProcess(refresh_rotation="always")  # type: ignore[arg-type]
