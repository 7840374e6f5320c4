"""examples/discord_bot.py: its application-command callbacks invoked with a stand-in for the interaction, against
FakeSpotify (and a rude in-test server): /track, linking through the real callback server, /nowplaying, replies that
never hang (deferred when slow, cut off at reply_timeout, RateLimited answered at once), the background sweep on an
injected clock, and the shared client closed with the bot. No Discord connection is made."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from types import ModuleType
from typing import Any

import aiohttp
import pytest

from spotify_async import Config, MemoryTokenStore, RetryPolicy, SpotifyError, Timeouts
from spotify_async.hooks import Hooks, RequestEvent
from spotify_async.testing import FakeSpotify

from .support import RudeSpotify, StandInInteraction, load


@pytest.fixture(scope="module")
def example() -> ModuleType:
    return load("discord_bot")


class Clock:
    """An injected sleep: records each requested delay and lets the loop go on only when the test says."""

    def __init__(self) -> None:
        self.requested: list[float] = []
        self._ticks: asyncio.Queue[None] = asyncio.Queue()

    async def sleep(self, seconds: float) -> None:
        self.requested.append(seconds)
        await self._ticks.get()

    def tick(self) -> None:
        self._ticks.put_nowait(None)


def settings_for(example: ModuleType, server: Any, **changes: Any) -> Any:
    config = Config(max_wait=2.0, timeouts=Timeouts(total=5.0), retry=RetryPolicy(max_retries=2, backoff_base=0.01))
    options: dict[str, Any] = {
        "api_base": server.api_base,
        "accounts_base": server.accounts_base,
        "config": config,
        "callback_port": 0,
        "sync_commands": False,
        "defer_after": 2.5,  # fast answers are not deferred even on a loaded machine
        "reply_timeout": 5.0,
        "check_links_every": 600.0,
        "store": MemoryTokenStore(),
    }
    options.update(changes)
    return example.BotSettings(server.client_id, server.client_secret, "http://127.0.0.1:8080/callback", **options)


@pytest.fixture
async def make_bot(example: ModuleType) -> AsyncIterator[Callable[..., Any]]:
    """Build and set up bots (as discord.py's login would, minus Discord); every one is closed afterwards."""
    bots: list[Any] = []

    async def make(server: Any, clock: Clock | None = None, **changes: Any) -> Any:
        bot = example.SpotifyBot(settings_for(example, server, **changes), sleep=(clock or Clock()).sleep)
        bots.append(bot)
        await bot.setup_hook()
        return bot

    yield make
    for bot in bots:
        await bot.close()


async def run(command: Any, bot: Any, user_id: int = 42, **options: Any) -> StandInInteraction:
    interaction = StandInInteraction(bot, user_id)
    await command.callback(interaction, **options)
    return interaction


async def link_account(example: ModuleType, bot: Any, fake: FakeSpotify, user_id: int, spotify_user: str) -> str:
    """/link, the browser at Spotify (FakeSpotify approves at once), then the bot's own callback server."""
    fake.login_user = spotify_user
    said = (await run(example.link, bot, user_id)).reply
    assert said.ephemeral
    url = said.text.split(": ", 1)[1]
    assert url.startswith(f"{fake.accounts_base}/authorize?")
    async with aiohttp.ClientSession() as browser:
        async with browser.get(url, allow_redirects=False) as at_spotify:
            callback = at_spotify.headers["Location"]
        assert callback.startswith(bot.callback_url)
        async with browser.get(callback) as done:
            assert done.status == 200, await done.text()
            return await done.text()


async def test_track_answers_at_once_with_matches(
    example: ModuleType, make_bot: Callable[..., Any], fake_spotify: FakeSpotify
) -> None:
    bot = await make_bot(fake_spotify)
    interaction = await run(example.track, bot, query="island")
    said = interaction.reply
    assert said.kind == "message"  # not deferred: the answer was ready well within defer_after
    assert not said.ephemeral
    assert "Island" in said.text
    assert 0 <= said.at < 2.5
    assert interaction.said == [said]


async def test_link_then_nowplaying(
    example: ModuleType, make_bot: Callable[..., Any], fake_spotify: FakeSpotify
) -> None:
    store = MemoryTokenStore()
    bot = await make_bot(fake_spotify, store=store)
    assert "/link" in (await run(example.nowplaying, bot, 42)).reply.text  # not linked yet
    spotify_user = fake_spotify.catalog.users[2]
    assert "linked" in await link_account(example, bot, fake_spotify, 42, spotify_user)
    assert store.keys() == ["discord:42"]
    assert "Nothing is playing" in (await run(example.nowplaying, bot, 42)).reply.text
    # the user starts something on one of their devices (a token with the playback scopes, as their app has)
    player = bot.sp.for_user(fake_spotify.issue_user_token(spotify_user)["access_token"]).player
    device = (await player.devices())[0].id
    track_id = fake_spotify.catalog.tracks[5]
    await player.play(device_id=device, uris=[f"spotify:track:{track_id}"])
    name = (await bot.sp.tracks.get(track_id)).name
    said = (await run(example.nowplaying, bot, 42)).reply
    assert said.text.startswith(f"Playing: **{name}** by ")
    # a user client shares the app's scheduler; a restart rebuilds it from the store
    client = await bot.linked(42)
    assert client.scheduler is bot.sp.scheduler
    bot._users.clear()
    assert "Playing" in (await run(example.nowplaying, bot, 42)).reply.text
    # a forged callback is refused by the callback server
    async with aiohttp.ClientSession() as browser, browser.get(f"{bot.callback_url}?code=x&state=7.forged") as resp:
        assert resp.status == 400
        assert "does not match" in await resp.text()
    assert "no longer linked" in (await run(example.unlink, bot, 42)).reply.text
    assert store.keys() == []
    assert "/link" in (await run(example.nowplaying, bot, 42)).reply.text


async def test_a_long_rate_limit_is_answered_politely_at_once(
    example: ModuleType, make_bot: Callable[..., Any], fake_spotify: FakeSpotify
) -> None:
    bot = await make_bot(fake_spotify)
    fake_spotify.inject("status", status=429, headers={"Retry-After": "30"}, path="/search")
    interaction = await run(example.track, bot, query="island")
    said = interaction.reply
    assert said.kind == "message"
    assert said.ephemeral  # only the asker sees it
    assert "try again in about 30 s" in said.text
    assert 0 <= said.at < 2.0  # 30 s is past max_wait (2 s): no waiting at all
    # the gate stays shut for everyone: the next command is answered without a request
    before = fake_spotify.stats.api_requests
    assert "slow down" in (await run(example.track, bot, query="moon")).reply.text
    assert fake_spotify.stats.api_requests == before


async def test_a_slow_call_is_deferred_then_followed_up(
    example: ModuleType, make_bot: Callable[..., Any], fake_spotify: FakeSpotify
) -> None:
    bot = await make_bot(fake_spotify, defer_after=0.1)
    await bot.sp.tracks.get(fake_spotify.catalog.tracks[0])  # the token first, so only the stall is slow
    fake_spotify.inject("stall", seconds=0.6, path="/search")
    interaction = await run(example.track, bot, query="island")
    defer, followup = interaction.said
    assert defer.kind == "defer"
    assert 0.1 <= defer.at < 1.0  # deferred after defer_after, well inside Discord's 3 s
    assert followup.kind == "followup"
    assert "Island" in followup.text
    assert 0.6 <= followup.at < 4.0


async def test_a_reply_never_waits_past_reply_timeout(
    example: ModuleType, make_bot: Callable[..., Any], fake_spotify: FakeSpotify
) -> None:
    bot = await make_bot(fake_spotify, defer_after=0.1, reply_timeout=0.5)
    await bot.sp.tracks.get(fake_spotify.catalog.tracks[0])
    fake_spotify.inject("stall", seconds=5.0, path="/search")
    started = time.monotonic()
    interaction = await run(example.track, bot, query="island")
    assert 0.5 <= time.monotonic() - started < 3.0  # cut off long before the stalled answer
    defer, followup = interaction.said
    assert defer.kind == "defer"
    assert "taking too long" in followup.text
    assert followup.ephemeral


async def test_an_expired_link_says_link_again(
    example: ModuleType, make_bot: Callable[..., Any], fake_spotify: FakeSpotify
) -> None:
    store = MemoryTokenStore()
    bot = await make_bot(fake_spotify, store=store)
    await link_account(example, bot, fake_spotify, 7, fake_spotify.catalog.users[0])
    token = await store.load("discord:7")
    assert token is not None
    fake_spotify.expire_access_tokens()
    fake_spotify.expire_refresh_tokens(token.refresh_token)
    said = (await run(example.nowplaying, bot, 7)).reply
    assert "expired" in said.text
    assert "/link" in said.text
    assert await store.load("discord:7") is None


async def test_background_work_drops_dead_links_on_an_injected_clock(
    example: ModuleType, make_bot: Callable[..., Any], fake_spotify: FakeSpotify
) -> None:
    store = MemoryTokenStore()
    clock = Clock()
    bot = await make_bot(fake_spotify, clock, store=store, check_links_every=3600.0)
    users = fake_spotify.catalog.users
    await link_account(example, bot, fake_spotify, 1, users[0])
    await link_account(example, bot, fake_spotify, 2, users[1])
    dead = await store.load("discord:1")
    assert dead is not None
    fake_spotify.expire_access_tokens()  # both must refresh; only user 1's refresh token is dead
    fake_spotify.expire_refresh_tokens(dead.refresh_token)
    await asyncio.sleep(0)
    assert clock.requested == [3600.0]  # the loop waits one interval before its first sweep
    before = fake_spotify.stats.by_operation["get-current-users-profile"]
    clock.tick()  # the hour passes
    for _ in range(200):  # the sweep runs; wait (at most 2 s) for it to reach the next sleep
        if len(clock.requested) == 2:
            break
        await asyncio.sleep(0.01)
    assert clock.requested == [3600.0, 3600.0]
    assert store.keys() == ["discord:2"]
    assert sorted(bot._users) == [2]
    # one GET /me per link, each answered 401 (expired); user 2's is sent again after its refresh
    assert fake_spotify.stats.by_operation["get-current-users-profile"] - before == 3


class Lanes(Hooks):
    """Hears which lane each request went out in."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def on_request(self, event: RequestEvent) -> None:
        self.sent.append((event.context.operation_id, event.context.lane))


async def test_background_work_runs_in_the_background_lane_and_commands_do_not(
    example: ModuleType, make_bot: Callable[..., Any], fake_spotify: FakeSpotify
) -> None:
    lanes = Lanes()
    config = Config(max_wait=2.0, timeouts=Timeouts(total=5.0), hooks=(lanes,))
    bot = await make_bot(fake_spotify, config=config)
    users = fake_spotify.catalog.users
    await link_account(example, bot, fake_spotify, 1, users[0])
    await link_account(example, bot, fake_spotify, 2, users[1])
    lanes.sent.clear()
    await bot.background_work()
    assert lanes.sent == [("get-current-users-profile", "background")] * 2  # one GET /me per link
    lanes.sent.clear()
    await run(example.nowplaying, bot, 1)
    await run(example.track, bot, query="a")
    assert lanes.sent
    assert {lane for _, lane in lanes.sent} == {"interactive"}


async def test_close_stops_everything_and_closes_the_shared_client(
    example: ModuleType, fake_spotify: FakeSpotify
) -> None:
    bot = example.SpotifyBot(settings_for(example, fake_spotify), sleep=Clock().sleep)
    with pytest.raises(RuntimeError, match="not set up"):
        _ = bot.sp  # nothing is made before setup_hook runs in the loop
    await bot.setup_hook()
    sp, background, callback = bot.sp, bot._background, bot.callback_url
    await sp.tracks.get(fake_spotify.catalog.tracks[0])
    await bot.close()
    assert background.done()
    with pytest.raises(SpotifyError, match="closed"):
        await sp.tracks.get(fake_spotify.catalog.tracks[0])
    with pytest.raises(RuntimeError, match="not set up"):
        _ = bot.sp
    async with aiohttp.ClientSession() as browser:
        with pytest.raises(aiohttp.ClientConnectionError):
            await browser.get(callback)  # the callback server is gone too


async def test_against_a_rude_server(example: ModuleType, make_bot: Callable[..., Any]) -> None:
    async with RudeSpotify() as rude:
        retry = RetryPolicy(max_retries=2, backoff_base=0.01, max_rate_limit_retries=3)
        config = Config(max_wait=2.0, timeouts=Timeouts(total=5.0), retry=retry)
        bot = await make_bot(rude, defer_after=0.1, config=config)
        # a slow success (0.2 s) with a wrong total, labelled text/plain: deferred, then the result
        interaction = await run(example.track, bot, query="x")
        assert [s.kind for s in interaction.said] == ["defer", "followup"]
        assert "Song 1" in interaction.said[1].text
        # each case asks a query of its own: the HTTP cache keeps what an earlier one was answered
        rude.behaviour = rude.null_entries  # a null entry (an item Spotify cannot resolve) is skipped, not a crash
        said = (await run(example.track, bot, query="y")).reply
        assert said.text == "**Song 1** by Someone\n**Song 2** by Someone"
        rude.behaviour = rude.drop
        started = time.monotonic()
        said = (await run(example.track, bot, query="z")).reply
        assert 0 <= time.monotonic() - started < 4.0
        assert "TransportError" in said.text
        # a fraction is not a Retry-After RFC 9110 can read: each 429 gets the retry policy's backoff (0.01 s,
        # doubling), so the call meets 1 + max_rate_limit_retries of them, then answers with the last backoff
        rude.behaviour = rude.fast_429(" 12.5 ")
        hits, started = rude.hits, time.monotonic()
        said = (await run(example.track, bot, query="w")).reply
        assert 0.03 <= time.monotonic() - started < 2.0  # at least the backoffs' halves: 0.005 + 0.01 + 0.02 s
        assert rude.hits - hits == 4
        assert said.text == "Spotify asks me to slow down: try again in about 1 s."  # not the unreadable 12.5


def test_main_names_what_is_missing(
    example: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("DISCORD_TOKEN", "SPOTIFY_CLIENT_ID", "SPOTIFY_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    assert example.main() == 2
    err = capsys.readouterr().err
    assert "SPOTIFY_CLIENT_ID" in err
    assert "not-a-real-token" not in err
