"""examples/fastapi_backend.py through ``httpx.ASGITransport``, with its lifespan run explicitly: the login round trip
(state checked against the browser and the flow), the per-user dependency from a cookie or a header, SDK errors as
HTTP statuses (a 429 with Retry-After becomes the app's 429), and the app session closed when the lifespan ends.
Against FakeSpotify, and against :class:`RudeSpotify` for what real servers do that the emulator does not."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from spotify_async import Config, MemoryTokenStore, RetryPolicy, SpotifyError, Timeouts
from spotify_async.testing import FakeSpotify

from .support import RudeSpotify, load

BASE = "http://127.0.0.1:8000"  # the app's own address: the redirect URI names it; nothing listens there


@pytest.fixture(scope="module")
def example() -> ModuleType:
    return load("fastapi_backend")


def settings_for(example: ModuleType, fake: Any, **changes: Any) -> Any:
    config = Config(max_wait=5.0, timeouts=Timeouts(total=5.0), retry=RetryPolicy(max_retries=2, backoff_base=0.01))
    options: dict[str, Any] = {"api_base": fake.api_base, "accounts_base": fake.accounts_base, "config": config}
    options.update(changes)
    return example.Settings(fake.client_id, fake.client_secret, f"{BASE}/callback", **options)


@asynccontextmanager
async def running(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app as a server would run it: lifespan entered first, left last."""
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client,
    ):
        yield client


async def log_in(client: httpx.AsyncClient, fake: FakeSpotify, user_id: str) -> httpx.Response:
    """/login, then what the browser does at Spotify (FakeSpotify approves at once), then /callback."""
    fake.login_user = user_id
    start = await client.get("/login")
    assert start.status_code == 302
    authorize = start.headers["location"]
    assert authorize.startswith(f"{fake.accounts_base}/authorize?")
    async with httpx.AsyncClient() as browser:
        at_spotify = await browser.get(authorize)
    assert at_spotify.status_code in (302, 303)
    back = urlsplit(at_spotify.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == f"{BASE}/callback"
    return await client.get(f"/callback?{back.query}")


async def test_login_round_trip_then_user_and_catalog_routes(example: ModuleType, fake_spotify: FakeSpotify) -> None:
    store = MemoryTokenStore()
    app = example.create_app(settings_for(example, fake_spotify, store=store))
    users = fake_spotify.catalog.users[:2]
    async with running(app) as client:
        backend = app.state.backend
        for user_id in users:
            client.cookies.clear()
            done = await log_in(client, fake_spotify, user_id)
            assert done.status_code == 303
            assert done.headers["location"] == "/me"
            me = await client.get("/me")
            assert me.status_code == 200
            assert me.json()["id"] == user_id
            top = await client.get("/me/top-tracks", params={"limit": 3})
            assert top.status_code == 200
            assert len(top.json()) == 3
        assert sorted(store.keys()) == sorted(users)  # tokens kept under each Spotify user id
        assert sorted(backend.cached()) == sorted(users)
        # every user client shares the app session's scheduler (one pool, one budget)
        for user_id in users:
            assert (await backend.user(user_id)).scheduler is backend.app_sp.scheduler
        # catalog routes use the app client: no session needed
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as anonymous:
            track_id = fake_spotify.catalog.tracks[0]
            got = await anonymous.get(f"/tracks/{track_id}")
            assert got.status_code == 200
            assert got.json()["id"] == track_id
            found = await anonymous.get("/search", params={"q": "island", "limit": 2})
            assert found.status_code == 200
            assert any("Island" in t["name"] for t in found.json())
            assert (await anonymous.get("/me")).status_code == 401


async def test_header_session_and_a_client_rebuilt_from_the_store(
    example: ModuleType, fake_spotify: FakeSpotify
) -> None:
    store = MemoryTokenStore()
    app = example.create_app(settings_for(example, fake_spotify, store=store))
    user_id = fake_spotify.catalog.users[1]
    async with running(app) as client:
        fake_spotify.login_user = user_id
        start = await client.get("/login")
        async with httpx.AsyncClient() as browser:
            back = urlsplit((await browser.get(start.headers["location"])).headers["location"])
        done = await client.get(f"/callback?{back.query}", headers={"Accept": "application/json"})
        assert done.status_code == 200
        session = done.json()["session"]
        assert done.json()["user_id"] == user_id
        backend = app.state.backend
        backend._clients.clear()  # as in another worker, or after eviction: only the store knows the token
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as api_client:
            me = await api_client.get("/me", headers={"X-Session": session})
            assert me.status_code == 200
            assert me.json()["id"] == user_id
            forged = session[:-2] + ("AA" if not session.endswith("AA") else "BB")
            assert (await api_client.get("/me", headers={"X-Session": forged})).status_code == 401
            out = await api_client.post("/logout", headers={"X-Session": session})
            assert out.status_code == 204
            assert await store.load(user_id) is None
            gone = await api_client.get("/me", headers={"X-Session": session})
            assert gone.status_code == 401
            assert "login is gone" in gone.json()["detail"]


async def test_callback_state_is_checked_against_the_browser_and_the_flow(
    example: ModuleType, fake_spotify: FakeSpotify
) -> None:
    app = example.create_app(settings_for(example, fake_spotify))
    async with running(app) as client:
        # no login started in this browser
        refused = await client.get("/callback?code=x&state=abc")
        assert refused.status_code == 400
        assert refused.json()["error"] == "login_failed"
        # a state cookie that does not match the callback (another browser's login)
        await client.get("/login")
        refused = await client.get("/callback?code=x&state=someone-elses")
        assert refused.status_code == 400
        assert "not started in this browser" in refused.json()["message"]
        # the browser's cookie matches, but this app never issued that state (forged on both sides)
        client.cookies.set("spotify_login_state", "forged", domain="127.0.0.1", path="/callback")
        refused = await client.get("/callback?code=x&state=forged")
        assert refused.status_code == 400
        assert "does not match" in refused.json()["message"]
        # the user clicked Cancel at Spotify
        fake_spotify.authorize_approves = False
        client.cookies.clear()
        declined = await log_in(client, fake_spotify, fake_spotify.catalog.users[0])
        assert declined.status_code == 400
        assert "declined" in declined.json()["message"]
        # the same callback twice: the state is used up
        fake_spotify.authorize_approves = True
        client.cookies.clear()
        start = await client.get("/login")
        async with httpx.AsyncClient() as browser:
            back = urlsplit((await browser.get(start.headers["location"])).headers["location"])
        assert (await client.get(f"/callback?{back.query}")).status_code == 303
        client.cookies.set("spotify_login_state", dict(httpx.QueryParams(back.query))["state"], path="/callback")
        assert (await client.get(f"/callback?{back.query}")).status_code == 400


async def test_sessions_expire_and_refuse_tampering(example: ModuleType) -> None:
    now = [1_000_000.0]
    sessions = example.Sessions(b"k" * 32, max_age=60, clock=lambda: now[0])
    value = sessions.issue("üser.with.dots")
    assert sessions.verify(value) == "üser.with.dots"
    now[0] += 60
    assert sessions.verify(value) == "üser.with.dots"
    now[0] += 1
    assert sessions.verify(value) is None  # expired
    other = example.Sessions(b"x" * 32, max_age=60, clock=lambda: now[0])
    assert sessions.verify(other.issue("someone")) is None
    for junk in ("", ".", "a.b.c", "a.12.", value.replace(".", "", 1)):
        assert sessions.verify(junk) is None
    with pytest.raises(ValueError, match="16 bytes"):
        example.Sessions(b"short", max_age=60)


async def test_spotify_429_with_retry_after_becomes_the_apps_429(
    example: ModuleType, fake_spotify: FakeSpotify
) -> None:
    app = example.create_app(settings_for(example, fake_spotify))
    track_id = fake_spotify.catalog.tracks[0]
    async with running(app) as client:
        assert (await client.get(f"/tracks/{track_id}")).status_code == 200  # the token is there
        before = fake_spotify.stats.api_requests
        fake_spotify.inject("status", status=429, headers={"Retry-After": "30"}, path="/tracks", reason=None)
        started = time.monotonic()
        limited = await client.get(f"/tracks/{track_id}")
        elapsed = time.monotonic() - started
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "30"
        assert limited.json()["error"] == "rate_limited"
        assert 0 <= elapsed < 2.0  # 30 s is past max_wait (5 s): answered at once, not slept
        # the gate stays shut: the next request is answered 429 without reaching Spotify
        again = await client.get(f"/tracks/{track_id}")
        assert again.status_code == 429
        assert 1 <= int(again.headers["retry-after"]) <= 30
        assert fake_spotify.stats.api_requests == before + 1


@pytest.mark.parametrize(
    ("fault", "path", "status", "error"),
    [
        ({"kind": "status", "status": 503, "times": None}, "/tracks/{track}", 502, "spotify_error"),
        ({"kind": "reset", "times": None}, "/tracks/{track}", 504, "spotify_unreachable"),
        ({"kind": "status", "status": 403, "reason": "PREMIUM_REQUIRED"}, "/tracks/{track}", 403, "forbidden"),
        ({"kind": "malformed"}, "/tracks/{track}", 502, "spotify_error"),
        (None, "/tracks/0000000000000000000000", 404, "not_found"),
        (None, "/tracks/not a track id!", 422, "invalid_input"),
    ],
)
async def test_other_sdk_errors_map_to_statuses(
    example: ModuleType,
    fake_spotify: FakeSpotify,
    fault: dict[str, Any] | None,
    path: str,
    status: int,
    error: str,
) -> None:
    app = example.create_app(settings_for(example, fake_spotify))
    async with running(app) as client:
        if fault is not None:
            fault = dict(fault)
            fake_spotify.inject(fault.pop("kind"), path="/v1/tracks", **fault)
        started = time.monotonic()
        answer = await client.get(path.format(track=fake_spotify.catalog.tracks[0]))
        assert 0 <= time.monotonic() - started < 4.0  # retries are few and short in these settings
        assert answer.status_code == status, answer.text
        assert answer.json()["error"] == error
        assert fake_spotify.client_secret not in answer.text


async def test_a_dead_login_is_a_401_and_is_forgotten(example: ModuleType, fake_spotify: FakeSpotify) -> None:
    store = MemoryTokenStore()
    app = example.create_app(settings_for(example, fake_spotify, store=store))
    user_id = fake_spotify.catalog.users[0]
    async with running(app) as client:
        assert (await log_in(client, fake_spotify, user_id)).status_code == 303
        token = await store.load(user_id)
        assert token is not None
        fake_spotify.expire_access_tokens()
        fake_spotify.expire_refresh_tokens(token.refresh_token)
        dead = await client.get("/me")
        assert dead.status_code == 401
        assert dead.json()["error"] == "login_required"
        assert await store.load(user_id) is None
        assert user_id not in app.state.backend.cached()
        assert "session" not in client.cookies  # the cookie was deleted with the login
        assert (await client.get("/me")).status_code == 401


async def test_the_app_session_is_opened_in_the_lifespan_and_closed_with_it(
    example: ModuleType, fake_spotify: FakeSpotify
) -> None:
    app = example.create_app(settings_for(example, fake_spotify))
    assert getattr(app.state, "backend", None) is None  # nothing made before the loop runs the lifespan
    async with running(app) as client:
        app_sp = app.state.backend.app_sp
        assert (await client.get(f"/tracks/{fake_spotify.catalog.tracks[0]}")).status_code == 200
    with pytest.raises(SpotifyError, match="closed"):
        await app_sp.tracks.get(fake_spotify.catalog.tracks[0])
    with pytest.raises(SpotifyError, match="closed"):
        app_sp.for_user("a-token")


async def test_against_a_rude_server(example: ModuleType) -> None:
    async with RudeSpotify() as rude:
        retry = RetryPolicy(max_retries=2, backoff_base=0.01, max_rate_limit_retries=3)
        config = Config(max_wait=5.0, timeouts=Timeouts(total=5.0), retry=retry)
        app = example.create_app(settings_for(example, rude, config=config))
        async with running(app) as client:
            # a slow success with a wrong total, labelled text/plain: still a result
            ok = await client.get("/search", params={"q": "x"})
            assert ok.status_code == 200
            assert [t["name"] for t in ok.json()] == ["Song 1"]
            # 429s answered far faster than successes, with a Retry-After RFC 9110 cannot read
            # (another query: the HTTP cache may keep the answer to the first) (stray whitespace
            # and a fraction): each gets the retry policy's backoff (0.01 s, doubling), so the call meets
            # 1 + max_rate_limit_retries of them, then the caller is told the last backoff, rounded up to 1 s
            rude.behaviour = rude.fast_429(" 12.5 ")
            hits, started = rude.hits, time.monotonic()
            limited = await client.get("/search", params={"q": "y"})
            assert 0.03 <= time.monotonic() - started < 2.0  # at least the backoffs' halves: 0.005 + 0.01 + 0.02 s
            assert rude.hits - hits == 4
            assert limited.status_code == 429
            assert limited.headers["retry-after"] == "1"  # not the unreadable 12.5
        # a fresh app (a fresh gate) for the rest
        app = example.create_app(settings_for(example, rude))
        async with running(app) as client:
            rude.behaviour = rude.null_entries  # a null entry (an item Spotify cannot resolve) is skipped
            found = await client.get("/search", params={"q": "x"})
            assert found.status_code == 200
            assert [t["name"] for t in found.json()] == ["Song 1", "Song 2"]
            rude.behaviour = rude.drop
            hits = rude.hits
            started = time.monotonic()
            dropped = await client.get("/search", params={"q": "x"})
            assert 0 <= time.monotonic() - started < 4.0
            assert dropped.status_code == 504
            # the GET was tried 3 times (max_retries=2), then given up; the scheduler owns every retry (aiohttp's
            # own silent resend is off), so the server saw exactly those 3
            assert "after 3 attempt(s)" in dropped.json()["message"]
            assert rude.hits - hits == 3


def test_settings_keep_secrets_out_of_repr(example: ModuleType) -> None:
    settings = example.Settings("cid", "very-secret", session_secret=b"s" * 32)
    assert "very-secret" not in repr(settings)
    assert "sss" not in repr(settings)


async def test_the_readme_command_serves_it_against_fakespotify(
    example: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    # `python examples/fastapi_backend.py --demo`: uvicorn on a real socket, two scripted logins, then shutdown
    assert await example.main(["--demo"]) == 0
    out = capsys.readouterr().out
    assert out.count("top tracks") == 2
    assert "search 'island': " in out
    assert "requests sent through the one app session" in out


def test_settings_from_env_name_what_is_missing(example: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPOTIFY_CLIENT_SECRET", raising=False)
    monkeypatch.setenv("SPOTIFY_CLIENT_ID", "cid")
    with pytest.raises(ValueError, match="SPOTIFY_CLIENT_SECRET"):
        example.Settings.from_env()
    monkeypatch.setenv("SPOTIFY_CLIENT_SECRET", "the-secret")
    monkeypatch.setenv("SESSION_SECRET", "s" * 32)
    settings = example.Settings.from_env()
    assert settings.session_secret == b"s" * 32
    assert settings.redirect_uri == "http://127.0.0.1:8000/callback"
    assert "the-secret" not in repr(settings)
