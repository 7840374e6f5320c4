"""What ``sp.player`` sends and how it reads answers, on the wire (aioresponses): 204 -> None for the state reads,
commands that accept 200/202/204 with empty or non-JSON bodies, Spotify's ``reason`` on the raised error, POST
commands not retried after a 5xx, and argument errors raised before anything is sent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import pytest
from aioresponses import CallbackResult, aioresponses
from user_area_support import MockedApi, ids_of, user_client

from spotify_async.endpoints.player import PlayerEndpoints
from spotify_async.errors import Forbidden, InvalidInput, NotFound, ServerError
from spotify_async.models import CurrentlyPlaying, Device, PlaybackState, Queue

DEVICE = "5fbb3ba6aa454b5534c4ba43a8c7e8e45a63ad0e"
TRACK, EPISODE, ALBUM = ids_of(3)


def _track(ident: str) -> dict[str, object]:
    return {
        "id": ident,
        "name": f"Track {ident[-2:]}",
        "type": "track",
        "uri": f"spotify:track:{ident}",
        "duration_ms": 200_000,
        "explicit": False,
        "artists": [],
        "album": {"id": ALBUM, "name": "Album", "type": "album", "album_type": "album", "artists": [], "images": []},
    }


_DEVICE_JSON = {
    "id": DEVICE,
    "is_active": True,
    "is_private_session": False,
    "is_restricted": False,
    "name": "Kitchen speaker",
    "type": "Speaker",
    "volume_percent": 59,
    "supports_volume": True,
}
_STATE = {
    "device": _DEVICE_JSON,
    "repeat_state": "off",
    "shuffle_state": False,
    "timestamp": 1_700_000_000_000,
    "progress_ms": 44_272,
    "is_playing": True,
    "item": _track(TRACK),
    "currently_playing_type": "track",
    "context": None,
}


@pytest.mark.parametrize("status", [204, 200])
async def test_state_and_currently_playing_are_none_when_nothing_plays(status: int) -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("GET", "/me/player", status=status, body=b"")
        api.on("GET", "/me/player/currently-playing", status=status, body=b"")
        async with user_client() as sp:
            assert await sp.player.state() is None
            assert await sp.player.currently_playing() is None
    # both item types are asked for, so an episode being played does not come back as item=null
    assert [s.query["additional_types"] for s in api.sent] == ["track,episode"] * 2


async def test_state_devices_queue_structure() -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("GET", "/me/player", payload=_STATE)
        api.on("GET", "/me/player/currently-playing", payload={k: v for k, v in _STATE.items() if k != "device"})
        api.on("GET", "/me/player/devices", payload={"devices": [_DEVICE_JSON]})
        api.on("GET", "/me/player/queue", payload={"currently_playing": _track(TRACK), "queue": [_track(EPISODE)]})
        async with user_client() as sp:
            state = await sp.player.state(market="se", additional_types=["track"])
            playing = await sp.player.currently_playing()
            devices = await sp.player.devices()
            queue = await sp.player.queue()
    assert isinstance(state, PlaybackState)
    assert (state.is_playing, state.progress_ms, state.device and state.device.id) == (True, 44_272, DEVICE)
    assert isinstance(playing, CurrentlyPlaying)
    assert playing.item is not None
    assert playing.item.id == TRACK
    assert devices == [Device(**_DEVICE_JSON)]  # type: ignore[arg-type]
    assert isinstance(queue, Queue)
    assert [i.id for i in queue.queue] == [EPISODE]
    assert api.sent[0].query == {"market": "SE", "additional_types": "track"}


COMMANDS: list[tuple[str, Callable[[PlayerEndpoints], object], str, str, dict[str, str], object]] = [
    (
        "transfer",
        lambda p: p.transfer(DEVICE, play=True),
        "PUT",
        "/me/player",
        {},
        {"device_ids": [DEVICE], "play": True},
    ),
    ("pause", lambda p: p.pause(device_id=DEVICE), "PUT", "/me/player/pause", {"device_id": DEVICE}, None),
    ("next", lambda p: p.next(), "POST", "/me/player/next", {}, None),
    ("previous", lambda p: p.previous(device_id=DEVICE), "POST", "/me/player/previous", {"device_id": DEVICE}, None),
    ("seek", lambda p: p.seek(25_000), "PUT", "/me/player/seek", {"position_ms": "25000"}, None),
    ("repeat", lambda p: p.repeat("context"), "PUT", "/me/player/repeat", {"state": "context"}, None),
    (
        "volume",
        lambda p: p.volume(0, device_id=DEVICE),
        "PUT",
        "/me/player/volume",
        {"volume_percent": "0", "device_id": DEVICE},
        None,
    ),
    ("shuffle", lambda p: p.shuffle(False), "PUT", "/me/player/shuffle", {"state": "false"}, None),
    (
        "add_to_queue",
        lambda p: p.add_to_queue(f"https://open.spotify.com/episode/{EPISODE}"),
        "POST",
        "/me/player/queue",
        {"uri": f"spotify:episode:{EPISODE}"},
        None,
    ),
    ("resume", lambda p: p.play(), "PUT", "/me/player/play", {}, None),
    (
        "play context",
        lambda p: p.play(context_uri=f"spotify:album:{ALBUM}", offset=3, position_ms=1000, device_id=DEVICE),
        "PUT",
        "/me/player/play",
        {"device_id": DEVICE},
        {"context_uri": f"spotify:album:{ALBUM}", "offset": {"position": 3}, "position_ms": 1000},
    ),
    (
        "play uris",
        lambda p: p.play(
            uris=[f"spotify:track:{TRACK}", f"spotify:episode:{EPISODE}"], offset=f"spotify:episode:{EPISODE}"
        ),
        "PUT",
        "/me/player/play",
        {},
        {
            "uris": [f"spotify:track:{TRACK}", f"spotify:episode:{EPISODE}"],
            "offset": {"uri": f"spotify:episode:{EPISODE}"},
        },
    ),
]


@pytest.mark.parametrize(("status", "body"), [(204, b""), (200, b""), (202, b""), (200, b"ok, not JSON"), (200, b"{}")])
@pytest.mark.parametrize(("name", "command", "method", "path", "query", "json"), COMMANDS, ids=[c[0] for c in COMMANDS])
async def test_commands_accept_any_success_answer(
    name: str,
    command: Callable[[PlayerEndpoints], object],
    method: str,
    path: str,
    query: dict[str, str],
    json: object,
    status: int,
    body: bytes,
) -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        api.on(method, path, status=status, body=body)
        async with user_client() as sp:
            assert await command(sp.player) is None  # type: ignore[misc]
    assert [(s.method, s.path, s.query, s.json) for s in api.sent] == [(method, path, query, json)]


@pytest.mark.parametrize(
    ("status", "reason", "error"),
    [
        (404, "NO_ACTIVE_DEVICE", NotFound),
        (403, "PREMIUM_REQUIRED", Forbidden),
        (403, "ALREADY_PAUSED", Forbidden),
        (403, "NO_NEXT_TRACK", Forbidden),
        (403, "VOLUME_CONTROL_DISALLOW", Forbidden),
    ],
)
async def test_player_reasons_are_on_the_error(status: int, reason: str, error: type[Exception]) -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        payload = {"error": {"status": status, "message": "Player command failed", "reason": reason}}
        for method, path in (("PUT", "/me/player/pause"), ("POST", "/me/player/next"), ("PUT", "/me/player/volume")):
            api.on(method, path, status=status, payload=payload)
        async with user_client() as sp:
            for call in (sp.player.pause(), sp.player.next(), sp.player.volume(50)):
                with pytest.raises(error) as info:
                    await call
                assert info.value.reason == reason  # type: ignore[attr-defined]
                assert info.value.status == status  # type: ignore[attr-defined]


async def test_post_commands_are_not_retried_after_a_server_error_but_puts_are() -> None:
    with aioresponses() as m:
        api = MockedApi(m)
        api.on("POST", "/me/player/next", status=502, body=b"Bad gateway")
        api.on("PUT", "/me/player/pause", status=503, body=b"")
        async with user_client() as sp:
            with pytest.raises(ServerError):
                await sp.player.next()
            with pytest.raises(ServerError):
                await sp.player.pause()
    assert len(api.of("POST")) == 1  # the skip may have happened: sending it again could skip twice
    assert len(api.of("PUT")) > 1


async def test_recently_played_cursors() -> None:
    page = {
        "href": "x",
        "items": [{"track": _track(TRACK), "played_at": "2026-05-01T10:00:00.000Z", "context": None}],
        "limit": 1,
        "next": "https://api.spotify.com/v1/me/player/recently-played?before=1746093600000&limit=1",
        "cursors": {"after": "1746093600000", "before": "1746093600000"},
    }
    last = {**page, "items": [], "next": None, "cursors": None}
    with aioresponses() as m:
        api = MockedApi(m)
        answers = iter([page, last])
        api.on("GET", "/me/player/recently-played", answer=lambda s: CallbackResult(payload=next(answers)))
        async with user_client() as sp:
            when = datetime(2026, 5, 1, 12, 0, tzinfo=timezone.utc)
            items = await sp.player.recently_played(limit=1, before=when).collect()
    assert [i.track.id for i in items] == [TRACK]
    assert api.sent[0].query == {"limit": "1", "before": str(int(when.timestamp() * 1000))}
    assert api.sent[1].query == {"limit": "1", "before": "1746093600000"}


BAD_CALLS: list[Callable[[PlayerEndpoints], object]] = [
    lambda p: p.recently_played(after=1, before=2),
    lambda p: p.recently_played(limit=51),
    lambda p: p.recently_played(after=-5),
    lambda p: p.volume(101),
    lambda p: p.volume(-1),
    lambda p: p.volume(True),  # type: ignore[arg-type]
    lambda p: p.repeat("all"),  # type: ignore[arg-type]
    lambda p: p.shuffle("true"),  # type: ignore[arg-type]
    lambda p: p.seek(-1),
    lambda p: p.seek(1.5),  # type: ignore[arg-type]
    lambda p: p.transfer(""),
    lambda p: p.transfer("a b"),
    lambda p: p.transfer(DEVICE, play="yes"),  # type: ignore[arg-type]
    lambda p: p.pause(device_id="x,y"),
    lambda p: p.add_to_queue(TRACK),  # a bare id: a track or an episode?
    lambda p: p.add_to_queue(f"spotify:album:{ALBUM}"),
    lambda p: p.play(context_uri=f"spotify:album:{ALBUM}", uris=[f"spotify:track:{TRACK}"]),
    lambda p: p.play(context_uri=f"spotify:track:{TRACK}"),
    lambda p: p.play(uris=[]),
    lambda p: p.play(uris=[f"spotify:album:{ALBUM}"]),
    lambda p: p.play(offset=1),  # an offset needs a context or uris
    lambda p: p.play(context_uri=f"spotify:artist:{ALBUM}", offset=1),  # not for artist contexts
    lambda p: p.play(uris=[f"spotify:track:{TRACK}"], offset=1),  # past the end
    lambda p: p.play(uris=[f"spotify:track:{TRACK}"], offset=f"spotify:track:{EPISODE}"),  # not in uris
    lambda p: p.play(context_uri=f"spotify:album:{ALBUM}", offset={"position": 1, "uri": "x"}),
    lambda p: p.play(context_uri=f"spotify:album:{ALBUM}", position_ms=-1),
    lambda p: p.state(additional_types=["chapter"]),
    lambda p: p.currently_playing(market="Sweden"),
]


@pytest.mark.parametrize("bad", BAD_CALLS)
async def test_argument_errors_are_raised_before_sending(bad: Callable[[PlayerEndpoints], object]) -> None:
    with aioresponses() as m:
        async with user_client() as sp:
            with pytest.raises(InvalidInput):
                bad(sp.player)
        assert not m.requests
