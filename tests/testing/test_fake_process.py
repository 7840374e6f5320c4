"""FakeSpotify in its own process: the announce line, serving, stats and control, clean shutdown."""

from __future__ import annotations

import time

import aiohttp
import pytest
from fakehelpers import basic, bearer, get_json

from spotify_async.testing import FakeSpotifyProcess


async def test_process_serves_and_reports_stats() -> None:
    async with FakeSpotifyProcess(seed=1, big_playlist_size=200, rate_limit=(1000, 30.0)) as proc:
        assert proc.api_base.startswith("http://127.0.0.1:")
        assert proc.api_base.endswith("/v1")
        assert len(proc.catalog.tracks) > 1000
        assert proc.catalog.big_playlist_id in proc.catalog.playlists
        async with aiohttp.ClientSession() as http:
            async with http.post(
                proc.accounts_base + "/api/token",
                data={"grant_type": "client_credentials"},
                headers={"Authorization": basic(proc.client_id, proc.client_secret)},
            ) as r:
                token = (await r.json())["access_token"]
            for tid in proc.catalog.tracks[:5]:
                await get_json(http, f"{proc.api_base}/tracks/{tid}", bearer(token))
            items = await get_json(
                http, f"{proc.api_base}/playlists/{proc.catalog.big_playlist_id}/items", bearer(token), limit="1"
            )
            assert items["total"] == 200
            user = (await proc.control_async("issue_user_token"))["result"]
            me = await get_json(http, f"{proc.api_base}/me", bearer(user["access_token"]))
            assert me["id"] == proc.catalog.login_user
        stats = await proc.stats_async()
        assert stats.by_operation["get-track"] == 5
        assert stats.token_requests == 1
        assert stats.max_in_window(30.0) == 7
        pid_proc = proc
    assert pid_proc.returncode is None  # handle released after a clean stop


def test_process_sync_context_manager() -> None:
    with FakeSpotifyProcess(big_playlist_size=10) as proc:
        proc.control("inject", kind="status", status=503)
        assert proc.stats().requests == 0
        popen = proc._proc
        assert popen is not None
    assert popen.returncode == 0


async def _refusal_seconds(http: aiohttp.ClientSession, url: str, h: dict[str, str]) -> float:
    t0 = time.perf_counter()
    await get_json(http, url, h, 429)
    return time.perf_counter() - t0


@pytest.mark.parametrize("option", [0.0, None])
async def test_process_answers_429s_at_once_unless_told_otherwise(option: float | None) -> None:
    async with (
        FakeSpotifyProcess(
            big_playlist_size=10, latency=0.25, rate_limit=(1, 30.0), rate_limited_latency=option
        ) as proc,
        aiohttp.ClientSession() as http,
    ):
        async with http.post(
            proc.accounts_base + "/api/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": basic(proc.client_id, proc.client_secret)},
        ) as r:
            h = bearer((await r.json())["access_token"])
        url = f"{proc.api_base}/tracks/{proc.catalog.tracks[0]}"
        await get_json(http, url, h)
        took = await _refusal_seconds(http, url, h)
        if option is None:  # the old behaviour: a refusal takes the latency too
            assert 0.25 <= took < 1.0
            await proc.control_async("set_rate_limited_latency", seconds=0)
            assert await _refusal_seconds(http, url, h) < 0.2
        else:
            assert took < 0.2
            await proc.control_async("set_rate_limited_latency", seconds=None)
            assert 0.25 <= await _refusal_seconds(http, url, h) < 1.0
