"""The fake's edge behaviour: hidden rate limit, fault injection, latency, stats, the pytest fixture."""

from __future__ import annotations

import asyncio
import math
import time

import aiohttp
import pytest
from fakehelpers import app_token, bearer, get_json

from spotify_async.testing import FakeSpotify


async def test_rate_limit_429_and_retry_after(http: aiohttp.ClientSession) -> None:
    async with FakeSpotify(rate_limit=(5, 1.0)) as fake:
        h = bearer(await app_token(fake, http))
        url = f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}"
        for _ in range(5):
            await get_json(http, url, h)
        async with http.get(url, headers=h) as r:
            assert r.status == 429
            assert r.headers["Retry-After"] == "1"
            assert await r.json() == {"error": {"status": 429, "message": "API rate limit exceeded"}}
        assert fake.stats.rate_limited == 1
        assert len(fake.stats.arrivals) == 6  # 429s are arrivals too
        assert fake.stats.max_in_window(1.0) == 6
        await asyncio.sleep(1.05)
        await get_json(http, url, h)
        # a second app has its own budget
        cid, _secret = fake.add_app()
        other = fake.issue_user_token(client_id=cid)
        for _ in range(4):
            await get_json(http, url, bearer(other["access_token"]))
        fake.set_rate_limit(None)
        for _ in range(10):
            await get_json(http, url, h)


async def test_retry_after_counts_down(http: aiohttp.ClientSession) -> None:
    async with FakeSpotify(rate_limit=(2, 5.0)) as fake:
        h = bearer(await app_token(fake, http))
        url = f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}"
        await get_json(http, url, h)
        await get_json(http, url, h)
        async with http.get(url, headers=h) as r:
            assert r.status == 429
            assert 4 <= int(r.headers["Retry-After"]) <= 5


async def _timed_get(http: aiohttp.ClientSession, url: str, h: dict[str, str]) -> tuple[int, float, float]:
    """(status, seconds from the send to the answer, perf_counter at the answer)."""
    t0 = time.perf_counter()
    async with http.get(url, headers=h) as r:
        await r.read()
        done = time.perf_counter()
        return r.status, done - t0, done


async def test_429s_are_answered_at_once_and_come_back_first(http: aiohttp.ClientSession) -> None:
    # a refusal has no work behind it: in one burst, the 429s come back before the requests that were accepted
    async with FakeSpotify(latency=0.3, rate_limit=(3, 5.0)) as fake:
        assert fake.rate_limited_latency == 0.0
        h = bearer(await app_token(fake, http))
        url = f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}"
        results = await asyncio.gather(*(_timed_get(http, url, h) for _ in range(8)))
        accepted = [r for r in results if r[0] == 200]
        refused = [r for r in results if r[0] == 429]
        assert len(accepted) == 3
        assert len(refused) == 5
        assert all(0.3 <= took < 1.0 for _, took, _ in accepted)
        assert all(took < 0.2 for _, took, _ in refused)
        assert max(done for *_, done in refused) < min(done for *_, done in accepted)
        assert fake.stats.rate_limited == 5
        assert len(fake.stats.arrivals) == 8  # refusals are arrivals too


async def test_rate_limited_latency_option(http: aiohttp.ClientSession) -> None:
    # None: a 429 takes the full latency, as every response did before (kept to reproduce old figures)
    async with FakeSpotify(latency=0.2, rate_limit=(1, 5.0), rate_limited_latency=None) as fake:
        assert fake.rate_limited_latency == 0.2
        h = bearer(await app_token(fake, http))
        url = f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}"
        assert (await _timed_get(http, url, h))[0] == 200
        status, took, _ = await _timed_get(http, url, h)
        assert status == 429
        assert 0.2 <= took < 0.6
        fake.set_rate_limited_latency(0.1)
        status, took, _ = await _timed_get(http, url, h)
        assert status == 429
        assert 0.1 <= took < 0.2 + 0.15
        fake.set_rate_limited_latency(0)
        status, took, _ = await _timed_get(http, url, h)
        assert (status, took < 0.15) == (429, True)
        # an unauthenticated request is not refused by the limit: it gets its 401 after the latency
        status, took, _ = await _timed_get(http, url, bearer("nonsense"))
        assert status == 401
        assert 0.2 <= took < 0.6


@pytest.mark.parametrize("bad", [-0.1, math.inf, math.nan])
def test_latencies_must_be_finite_and_non_negative(bad: float) -> None:
    with pytest.raises(ValueError, match="rate_limited_latency"):
        FakeSpotify(rate_limited_latency=bad)
    with pytest.raises(ValueError, match="latency"):
        FakeSpotify(latency=bad)
    fake = FakeSpotify()
    with pytest.raises(ValueError, match="rate_limited_latency"):
        fake.set_rate_limited_latency(bad)


async def test_status_faults_in_order(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    url = f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}"
    fake.inject("status", status=503)
    fake.inject("status", status=502)
    fake.inject("status", status=429, headers={"Retry-After": "7"})
    fake.inject("status", status=429, reason="QUOTA_EXCEEDED")
    assert (await get_json(http, url, h, 503))["error"] == {"status": 503, "message": "Service unavailable"}
    assert (await get_json(http, url, h, 502))["error"]["status"] == 502
    async with http.get(url, headers=h) as r:
        assert r.status == 429
        assert r.headers["Retry-After"] == "7"
    async with http.get(url, headers=h) as r:
        assert r.status == 429
        assert "Retry-After" not in r.headers
        assert (await r.json())["error"]["reason"] == "QUOTA_EXCEEDED"
    await get_json(http, url, h)
    assert fake.stats.rate_limited == 2
    assert fake.stats.faults_applied == 4


async def test_fault_matching_by_method_and_path(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    fake.inject("status", status=500, path="/albums", times=2, body={"custom": True})
    track_url = f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}"
    album_url = f"{fake.api_base}/albums/{fake.catalog.albums[0]}"
    await get_json(http, track_url, h)
    assert await get_json(http, album_url, h, 500) == {"custom": True}
    assert await get_json(http, album_url, h, 500) == {"custom": True}
    await get_json(http, album_url, h)
    fake.inject("status", status=500, method="POST", path="/api/token")
    async with http.post(fake.accounts_base + "/api/token", data={"grant_type": "client_credentials"}) as r:
        assert r.status == 500
    fake.inject("status", status=500, times=None, path="/tracks")
    for _ in range(3):
        await get_json(http, track_url, h, 500)
    fake.clear_faults()
    await get_json(http, track_url, h)


async def test_reset_fault_drops_the_connection(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    url = f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}"
    # aiohttp silently resends an idempotent request once after a disconnect, so one reset is invisible to it
    fake.inject("reset", times=2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        async with http.get(url, headers=h) as r:
            await r.read()
    assert fake.stats.faults_applied == 2
    await get_json(http, url, h)
    fake.inject("reset", method="POST")
    with pytest.raises(aiohttp.ServerDisconnectedError):
        async with http.post(fake.accounts_base + "/api/token", data={"grant_type": "client_credentials"}) as r:
            await r.read()


async def test_stall_fault_triggers_client_timeouts(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    url = f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}"
    fake.inject("stall", seconds=2.0)
    with pytest.raises(asyncio.TimeoutError):
        async with http.get(url, headers=h, timeout=aiohttp.ClientTimeout(total=0.2)) as r:
            await r.read()
    fake.inject("stall", seconds=0.1, status=503)
    await get_json(http, url, h, 503)


async def test_malformed_fault(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    fake.inject("malformed")
    async with http.get(f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}", headers=h) as r:
        assert r.status == 200
        text = await r.text()
    with pytest.raises(ValueError):
        __import__("json").loads(text)
    assert text.startswith('{"album"')


async def test_latency(http: aiohttp.ClientSession) -> None:
    async with FakeSpotify(latency=0.1) as fake:
        h = bearer(await app_token(fake, http))
        url = f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}"
        t0 = time.perf_counter()
        await asyncio.gather(*(get_json(http, url, h) for _ in range(20)))
        elapsed = time.perf_counter() - t0
        # concurrent requests overlap: the loop is not blocked by the simulated latency
        assert 0.1 <= elapsed < 0.6
        fake.set_latency(0)
        t0 = time.perf_counter()
        await get_json(http, url, h)
        assert time.perf_counter() - t0 < 0.1


async def test_stats(fake: FakeSpotify, http: aiohttp.ClientSession) -> None:
    h = bearer(await app_token(fake, http))
    await get_json(http, f"{fake.api_base}/tracks/{fake.catalog.tracks[0]}", h)
    await get_json(http, f"{fake.api_base}/albums/{fake.catalog.albums[0]}", h)
    await get_json(http, f"{fake.api_base}/albums/bad", h, 400)
    s = fake.stats
    assert s.token_requests == 1
    assert s.api_requests == 3
    assert s.requests == 4
    assert s.by_operation["get-track"] == 1
    assert s.by_operation["get-an-album"] == 2
    assert s.by_status[400] == 1
    async with http.get(fake.accounts_base + "/_fake/stats") as r:
        remote = await r.json()
    assert remote["api_requests"] == 3
    assert remote["by_operation"]["get-an-album"] == 2
    s.reset()
    assert s.requests == 0
    assert not s.arrivals


@pytest.mark.fake_spotify(seed=3, mode="development")
async def test_plugin_fixture(fake_spotify: FakeSpotify, http: aiohttp.ClientSession) -> None:
    assert fake_spotify.seed == 3
    assert fake_spotify.mode == "development"
    h = bearer(await app_token(fake_spotify, http))
    await get_json(http, f"{fake_spotify.api_base}/tracks/{fake_spotify.catalog.tracks[0]}", h)
    # removed for development-mode apps in February 2026
    await get_json(http, f"{fake_spotify.api_base}/tracks", h, 403, ids=fake_spotify.catalog.tracks[0])
