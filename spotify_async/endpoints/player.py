"""Player: ``sp.player``: playback state, devices, the queue, recently played, and playback commands.

Reads answer ``204 No Content`` when nothing is playing: :meth:`PlayerEndpoints.state` and
:meth:`~PlayerEndpoints.currently_playing` then return ``None``. Commands answer 200, 202 or 204 with an empty or
non-JSON body and return ``None``. A refused command raises the mapped HTTP error with Spotify's ``reason`` on it
(``err.reason == "NO_ACTIVE_DEVICE"``, ``"PREMIUM_REQUIRED"``...).

``next``, ``previous`` and ``add_to_queue`` are POSTs: not idempotent, so the scheduler retries them only when the
server surely did not act (a 429, a refused connection), never after a timeout.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

from .. import ids
from ..errors import InvalidInput
from ..http import routes
from ..http.call import Call, CursorPaged
from ..http.response import Request, Response
from ..models import CurrentlyPlaying, Device, PlaybackState, PlayHistory, Queue
from ._base import EndpointGroup, check_limit, check_market, check_max_items, query

__all__ = ["REPEAT_STATES", "PlayerEndpoints", "RepeatState"]

T = TypeVar("T")

RepeatState = Literal["track", "context", "off"]
REPEAT_STATES: tuple[str, ...] = ("track", "context", "off")

_PLAYABLE = frozenset({"track", "episode"})
#: what ``context_uri`` may name; ``offset`` works only with albums and playlists (and with ``uris``)
_CONTEXTS = frozenset({"album", "artist", "playlist", "show"})
_OFFSET_CONTEXTS = frozenset({"album", "playlist"})
_ADDITIONAL = frozenset({"track", "episode"})
# device ids are opaque (40 hex characters today); refuse only what cannot be one
_DEVICE_ID = re.compile(r"[^\s,/?#&]{1,256}\Z")


class _NoneOnEmpty(Call[T]):
    """A call whose answer may be ``204 No Content`` (nothing playing): ``None`` then, else the model."""

    __slots__ = ()

    def _parse(self, response: Response) -> T:
        if response.status == 204 or not response.body.strip():
            return None  # type: ignore[return-value]
        return super()._parse(response)


def _device(device_id: str | None) -> str | None:
    if device_id is None:
        return None
    if not isinstance(device_id, str) or not _DEVICE_ID.match(device_id):
        raise InvalidInput(f"invalid device id {device_id!r}: take one from sp.player.devices()")
    return device_id


def _additional_types(values: Sequence[str] | None) -> str:
    # both by default: with Spotify's default (tracks only) an episode being played comes back as item=null
    if values is None:
        return "track,episode"
    if isinstance(values, str):
        values = values.split(",")
    unknown = set(values) - _ADDITIONAL
    if unknown:
        raise InvalidInput(f"unknown additional_types {sorted(unknown)}: choose from track, episode")
    return ",".join(values)


def _non_negative(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{name} must be a non-negative integer, got {value!r}")
    return value


def _playable_uri(value: str, what: str = "uri") -> str:
    try:
        return ids.to_uris([value], allowed=_PLAYABLE)[0]
    except InvalidInput as exc:
        raise InvalidInput(f"{what}: {str(exc).removeprefix('item 0: ')}") from None


def _timestamp_ms(name: str, value: int | datetime | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        # a naive datetime is local time, as datetime.timestamp() reads it
        return int(value.timestamp() * 1000)
    return _non_negative(name, value)


def _offset(offset: int | str | Mapping[str, Any], context: str | None, uris: list[str] | None) -> dict[str, Any]:
    """The ``offset`` object of ``PUT /me/player/play``: ``{"position": n}`` or ``{"uri": ...}``."""
    if uris is None and (context is None or context not in _OFFSET_CONTEXTS):
        raise InvalidInput("offset works with uris or with an album or playlist context_uri")
    if isinstance(offset, Mapping):
        if len(offset) != 1 or not set(offset) <= {"position", "uri"}:
            raise InvalidInput("offset must be {'position': n} or {'uri': ...}")
        key, value = next(iter(offset.items()))
        offset = value if key == "position" else str(value)
        if key == "uri" and not isinstance(value, str):
            raise InvalidInput("offset uri must be a string")
    if isinstance(offset, str):
        uri = _playable_uri(offset, "offset")
        if uris is not None and uri not in uris:
            raise InvalidInput(f"offset {offset!r} is not one of the uris to play")
        return {"uri": uri}
    position = _non_negative("offset", offset)
    if uris is not None and position >= len(uris):
        raise InvalidInput(f"offset {position} is past the end of the {len(uris)} uris to play")
    return {"position": position}


class PlayerEndpoints(EndpointGroup):
    """Playback state and control of the user's devices (most commands need Spotify Premium)."""

    __slots__ = ()

    def _command(self, route: routes.Route, params: dict[str, str] | None = None, body: Any = None) -> Call[None]:
        return Call(self._client, Request(route.compile(), params or None, json=body), None)

    # ---- reading ------------------------------------------------------------------------------------------------

    def state(
        self, *, market: str | None = None, additional_types: Sequence[str] | None = None
    ) -> Call[PlaybackState | None]:
        """``GET /me/player`` (scope ``user-read-playback-state``): device, item, progress, shuffle and repeat;
        ``None`` when nothing is playing (204)."""
        params = query(market=check_market(market), additional_types=_additional_types(additional_types))
        request = Request(routes.GET_INFORMATION_ABOUT_THE_USERS_CURRENT_PLAYBACK.compile(), params)
        return _NoneOnEmpty(self._client, request, PlaybackState)

    def currently_playing(
        self, *, market: str | None = None, additional_types: Sequence[str] | None = None
    ) -> Call[CurrentlyPlaying | None]:
        """``GET /me/player/currently-playing`` (scope ``user-read-currently-playing``): the item playing and its
        progress; ``None`` when nothing is playing (204)."""
        params = query(market=check_market(market), additional_types=_additional_types(additional_types))
        request = Request(routes.GET_THE_USERS_CURRENTLY_PLAYING_TRACK.compile(), params)
        return _NoneOnEmpty(self._client, request, CurrentlyPlaying)

    def devices(self) -> Call[list[Device | None]]:
        """``GET /me/player/devices`` (scope ``user-read-playback-state``): the user's available devices."""
        return Call(self._client, Request(routes.GET_A_USERS_AVAILABLE_DEVICES.compile()), list[Device | None])

    def queue(self) -> Call[Queue]:
        """``GET /me/player/queue`` (scopes ``user-read-currently-playing``, ``user-read-playback-state``): the item
        playing and the ones queued after it."""
        return Call(self._client, Request(routes.GET_QUEUE.compile()), Queue)

    def recently_played(
        self,
        *,
        limit: int | None = None,
        after: int | datetime | None = None,
        before: int | datetime | None = None,
        max_items: int | None = None,
    ) -> CursorPaged[PlayHistory]:
        """``GET /me/player/recently-played`` (scope ``user-read-recently-played``): recently played tracks, newest
        first, limit up to 50; ``after`` or ``before`` (not both) is a Unix time in ms or a datetime, exclusive."""
        if after is not None and before is not None:
            raise InvalidInput("pass after or before, not both (Spotify takes one cursor)")
        params = query(
            limit=check_limit(limit, routes.GET_RECENTLY_PLAYED.page_limit),
            after=_timestamp_ms("after", after),
            before=_timestamp_ms("before", before),
        )
        return CursorPaged(
            self._client,
            Request(routes.GET_RECENTLY_PLAYED.compile(), params),
            PlayHistory,
            max_items=check_max_items(max_items),
        )

    # ---- commands -----------------------------------------------------------------------------------------------

    def transfer(self, device_id: str, *, play: bool | None = None) -> Call[None]:
        """``PUT /me/player`` (scope ``user-modify-playback-state``): move playback to ``device_id``; ``play=True``
        starts playing there, otherwise the current play/pause state is kept."""
        if device_id is None:
            raise InvalidInput("transfer needs a device id")
        body: dict[str, Any] = {"device_ids": [_device(device_id)]}
        if play is not None:
            if not isinstance(play, bool):
                raise InvalidInput(f"play must be a bool or None, got {play!r}")
            body["play"] = play
        return self._command(routes.TRANSFER_A_USERS_PLAYBACK, body=body)

    def play(
        self,
        *,
        device_id: str | None = None,
        context_uri: str | None = None,
        uris: Iterable[str] | None = None,
        offset: int | str | Mapping[str, Any] | None = None,
        position_ms: int | None = None,
    ) -> Call[None]:
        """``PUT /me/player/play`` (scope ``user-modify-playback-state``): resume, or play a context (album, artist,
        playlist, show) or a list of track/episode URIs, from ``offset`` (a position, an item URI) and
        ``position_ms``."""
        if context_uri is not None and uris is not None:
            raise InvalidInput("pass context_uri or uris, not both")
        body: dict[str, Any] = {}
        context_type: str | None = None
        if context_uri is not None:
            ref = ids.to_ref(context_uri, arg="context_uri")
            if ref.type not in _CONTEXTS:
                raise InvalidInput(f"context_uri must be an album, artist, playlist or show, not a {ref.type}")
            context_type = ref.type
            body["context_uri"] = ref.uri
        wanted: list[str] | None = None
        if uris is not None:
            wanted = ids.to_uris(uris, allowed=_PLAYABLE, arg="uris")
            if not wanted:
                raise InvalidInput("uris is empty: pass at least one track or episode URI, or leave it out to resume")
            body["uris"] = wanted
        if offset is not None:
            body["offset"] = _offset(offset, context_type, wanted)
        if position_ms is not None:
            body["position_ms"] = _non_negative("position_ms", position_ms)
        params = query(device_id=_device(device_id))
        return self._command(routes.START_A_USERS_PLAYBACK, params, body or None)

    def pause(self, *, device_id: str | None = None) -> Call[None]:
        """``PUT /me/player/pause`` (scope ``user-modify-playback-state``): pause playback."""
        return self._command(routes.PAUSE_A_USERS_PLAYBACK, query(device_id=_device(device_id)))

    def next(self, *, device_id: str | None = None) -> Call[None]:
        """``POST /me/player/next`` (scope ``user-modify-playback-state``): skip to the next item."""
        return self._command(routes.SKIP_USERS_PLAYBACK_TO_NEXT_TRACK, query(device_id=_device(device_id)))

    def previous(self, *, device_id: str | None = None) -> Call[None]:
        """``POST /me/player/previous`` (scope ``user-modify-playback-state``): skip to the previous item."""
        return self._command(routes.SKIP_USERS_PLAYBACK_TO_PREVIOUS_TRACK, query(device_id=_device(device_id)))

    def seek(self, position_ms: int, *, device_id: str | None = None) -> Call[None]:
        """``PUT /me/player/seek`` (scope ``user-modify-playback-state``): jump to ``position_ms`` in the current
        item (past its end starts the next one)."""
        params = query(position_ms=_non_negative("position_ms", position_ms), device_id=_device(device_id))
        return self._command(routes.SEEK_TO_POSITION_IN_CURRENTLY_PLAYING_TRACK, params)

    def repeat(self, state: RepeatState, *, device_id: str | None = None) -> Call[None]:
        """``PUT /me/player/repeat`` (scope ``user-modify-playback-state``): repeat ``"track"``, ``"context"`` or
        ``"off"``."""
        if state not in REPEAT_STATES:
            raise InvalidInput(f"repeat state must be one of {', '.join(REPEAT_STATES)}, got {state!r}")
        return self._command(routes.SET_REPEAT_MODE_ON_USERS_PLAYBACK, query(state=state, device_id=_device(device_id)))

    def volume(self, volume_percent: int, *, device_id: str | None = None) -> Call[None]:
        """``PUT /me/player/volume`` (scope ``user-modify-playback-state``): set the volume, 0 to 100."""
        if isinstance(volume_percent, bool) or not isinstance(volume_percent, int) or not 0 <= volume_percent <= 100:
            raise InvalidInput(f"volume_percent must be an integer from 0 to 100, got {volume_percent!r}")
        params = query(volume_percent=volume_percent, device_id=_device(device_id))
        return self._command(routes.SET_VOLUME_FOR_USERS_PLAYBACK, params)

    def shuffle(self, state: bool, *, device_id: str | None = None) -> Call[None]:
        """``PUT /me/player/shuffle`` (scope ``user-modify-playback-state``): shuffle on (``True``) or off."""
        if not isinstance(state, bool):
            raise InvalidInput(f"shuffle state must be True or False, got {state!r}")
        params = query(state=state, device_id=_device(device_id))
        return self._command(routes.TOGGLE_SHUFFLE_FOR_USERS_PLAYBACK, params)

    def add_to_queue(self, uri: str, *, device_id: str | None = None) -> Call[None]:
        """``POST /me/player/queue`` (scope ``user-modify-playback-state``): queue a track or episode (a URI or
        URL) after the current item."""
        params = query(uri=_playable_uri(uri), device_id=_device(device_id))
        return self._command(routes.ADD_TO_QUEUE, params)
