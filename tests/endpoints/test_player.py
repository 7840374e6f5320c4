"""``sp.player`` against FakeSpotify in both modes, with every request validated against the spec: nothing playing
(None on 204), devices, transfer, playing a context or URIs from an offset, pause/next/previous/seek/repeat/shuffle/
volume, the queue, recently played with cursors, and Spotify's reason codes reachable as ``err.reason``."""

from __future__ import annotations

import pytest
from user_area_support import fake_user, nothing_sent

from spotify_async.config import Mode
from spotify_async.errors import Forbidden, HTTPError, InvalidInput, NotFound
from spotify_async.models import CurrentlyPlaying, Device, PlaybackState, PlayHistory, Queue

MODES: tuple[Mode, ...] = ("development", "extended")


async def _reason(awaitable: object) -> tuple[int, str | None]:
    with pytest.raises(HTTPError) as info:
        await awaitable  # type: ignore[misc]
    return info.value.status, info.value.reason


@pytest.mark.parametrize("mode", MODES)
async def test_playback_session(mode: Mode) -> None:
    async with fake_user(mode, premium=True) as (fake, sp, _uid):
        p = sp.player
        assert await p.state() is None  # 204: no active device
        assert await p.currently_playing() is None
        devices = await p.devices()
        assert all(isinstance(d, Device) for d in devices)
        assert len(devices) == 3
        assert not any(d.is_active for d in devices)
        speaker = next(d for d in devices if d.supports_volume)
        fixed = next(d for d in devices if not d.supports_volume)
        assert speaker.id is not None
        assert fixed.id is not None

        assert await _reason(p.play(context_uri=f"spotify:album:{fake.catalog.albums[0]}")) == (404, "NO_ACTIVE_DEVICE")

        await p.transfer(speaker.id)
        state = await p.state()
        assert isinstance(state, PlaybackState)
        assert state.device is not None
        assert (state.device.id, state.is_playing, state.item) == (speaker.id, False, None)

        album = next(a for a in fake.catalog.albums if len(fake.catalog.album_by_id[a].track_ids) >= 4)
        tracks = fake.catalog.album_by_id[album].track_ids
        await p.play(context_uri=f"https://open.spotify.com/album/{album}", offset=1, position_ms=1500)
        playing = await p.currently_playing()
        assert isinstance(playing, CurrentlyPlaying)
        assert playing.item is not None
        assert (playing.item.id, playing.is_playing) == (tracks[1], True)
        assert playing.context is not None
        assert playing.context.uri == f"spotify:album:{album}"
        assert (playing.progress_ms or 0) >= 1500

        await p.pause()
        assert await _reason(p.pause()) == (403, "ALREADY_PAUSED")
        await p.play()  # resume
        assert await _reason(p.play()) == (403, "NOT_PAUSED")

        await p.next()
        await p.previous()
        await p.previous()
        assert await _reason(p.previous()) == (403, "NO_PREV_TRACK")
        current = await p.currently_playing()
        assert current is not None
        assert current.item is not None
        assert current.item.id == tracks[0]

        await p.seek(3000)
        await p.repeat("context")
        await p.shuffle(True)
        await p.volume(17, device_id=speaker.id)
        state = await p.state()
        assert state is not None
        assert (state.repeat_state, state.shuffle_state) == ("context", True)
        assert state.device is not None
        assert state.device.volume_percent == 17
        assert (state.progress_ms or 0) >= 3000

        episode = fake.catalog.episodes[0]
        await p.add_to_queue(f"spotify:episode:{episode}")
        queue = await p.queue()
        assert isinstance(queue, Queue)
        assert queue.currently_playing is not None
        assert queue.currently_playing.id == tracks[0]
        assert queue.queue[0].id == episode
        await p.next()
        playing = await p.currently_playing()
        assert playing is not None
        assert playing.item is not None
        assert (playing.item.id, playing.currently_playing_type) == (episode, "episode")

        # a device without volume control
        await p.transfer(fixed.id, play=True)
        assert await _reason(p.volume(50)) == (403, "VOLUME_CONTROL_DISALLOW")

        # play a list of URIs from a URI offset
        uris = [f"spotify:track:{t}" for t in fake.catalog.tracks[:3]]
        await p.play(uris=uris, offset=uris[2], device_id=speaker.id)
        playing = await p.currently_playing()
        assert playing is not None
        assert playing.item is not None
        assert playing.item.uri == uris[2]
        await p.repeat("off")  # with repeat "context" the last item wraps around instead
        assert await _reason(p.next()) == (403, "NO_NEXT_TRACK")

        ops = fake.stats.by_operation
        assert ops["skip-users-playback-to-next-track"] == 3
        assert ops["add-to-queue"] == 1


async def test_free_users_get_premium_required() -> None:
    async with fake_user("development", premium=False) as (_fake, sp, _uid):
        devices = await sp.player.devices()
        assert devices[0].id is not None
        for command in (sp.player.transfer(devices[0].id), sp.player.pause(), sp.player.next(), sp.player.volume(3)):
            with pytest.raises(Forbidden) as info:
                await command
            assert info.value.reason == "PREMIUM_REQUIRED"


async def test_no_active_device_is_a_not_found_with_its_reason() -> None:
    async with fake_user("development", premium=True) as (fake, sp, _uid):
        for command in (
            sp.player.pause(),
            sp.player.seek(10),
            sp.player.repeat("off"),
            sp.player.add_to_queue("spotify:track:" + fake.catalog.tracks[0]),
        ):
            with pytest.raises(NotFound) as info:
                await command
            assert info.value.reason == "NO_ACTIVE_DEVICE"


@pytest.mark.parametrize("mode", MODES)
async def test_recently_played_pages_and_cursors(mode: Mode) -> None:
    async with fake_user(mode) as (fake, sp, uid):
        history = fake.world.user_state(uid).recently_played  # newest first
        everything = await sp.player.recently_played(limit=20).collect()
        assert all(isinstance(h, PlayHistory) for h in everything)
        assert [h.track.id for h in everything] == [t for t, _ms, _ctx in history]
        assert fake.stats.by_operation["get-recently-played"] == -(-len(history) // 20)

        capped = await sp.player.recently_played(limit=7, max_items=10).collect()
        assert [h.track.id for h in capped] == [t for t, _ms, _ctx in history[:10]]

        # before and after are exclusive
        pivot = history[5][1]
        older = await sp.player.recently_played(before=pivot, limit=3)
        assert [h.track.id for h in older.items] == [t for t, _ms, _ctx in history[6:9]]
        newer = await sp.player.recently_played(after=pivot, limit=50)
        assert [h.track.id for h in newer.items] == [t for t, _ms, _ctx in history[:5]]

        with nothing_sent(fake), pytest.raises(InvalidInput):
            sp.player.recently_played(after=pivot, before=pivot)
