"""Playback: devices, the playback state, what is playing, the queue and the recently-played history.

``item`` and queue entries are :data:`~spotify_async.models.playable.PlayableItem` (track, episode, chapter, or an
:class:`~spotify_async.models.common.UnknownItem`). ``actions`` is Spotify's ``{"disallows": {...}}``; the converter
also accepts the flat form of the spec and of old recordings, so ``actions`` is always a :class:`Disallows`.
``timestamp`` is Unix milliseconds; ``played_at`` stays Spotify's ISO-8601 string.
"""

import attrs

from .common import ExternalUrls
from .music import Track
from .playable import PlayableItem

__all__ = [
    "Context",
    "CurrentlyPlaying",
    "Device",
    "Devices",
    "Disallows",
    "PlayHistory",
    "PlaybackState",
    "Queue",
]


@attrs.define(slots=True, kw_only=True)
class Device:
    """A Spotify Connect device. ``id`` can be ``None`` (restricted devices); ``volume_percent`` can be ``None``."""

    name: str
    type: str
    id: str | None = None
    is_active: bool = False
    is_private_session: bool | None = None
    is_restricted: bool = False
    volume_percent: int | None = None
    supports_volume: bool | None = None


@attrs.define(slots=True, kw_only=True)
class Devices:
    """``GET /me/player/devices``."""

    devices: list[Device | None]


@attrs.define(slots=True, kw_only=True)
class Context:
    """What the playback was started from (album, artist, playlist, show, ``collection``...)."""

    type: str | None = None
    uri: str | None = None
    href: str | None = None
    external_urls: ExternalUrls | None = None


@attrs.define(slots=True, kw_only=True)
class Disallows:
    """Actions that are not allowed now; ``True`` means disallowed, ``None`` means Spotify did not say (allowed)."""

    interrupting_playback: bool | None = None
    pausing: bool | None = None
    resuming: bool | None = None
    seeking: bool | None = None
    skipping_next: bool | None = None
    skipping_prev: bool | None = None
    toggling_repeat_context: bool | None = None
    toggling_shuffle: bool | None = None
    toggling_repeat_track: bool | None = None
    transferring_playback: bool | None = None


@attrs.define(slots=True, kw_only=True)
class CurrentlyPlaying:
    """``GET /me/player/currently-playing``. ``item`` is ``None`` during ads or when Spotify hides it."""

    is_playing: bool
    timestamp: int | None = None
    progress_ms: int | None = None
    context: Context | None = None
    item: PlayableItem | None = None
    currently_playing_type: str | None = None
    actions: Disallows | None = None


@attrs.define(slots=True, kw_only=True)
class PlaybackState(CurrentlyPlaying):
    """``GET /me/player`` (the spec's CurrentlyPlayingContextObject): :class:`CurrentlyPlaying` plus device state."""

    device: Device | None = None
    repeat_state: str | None = None
    shuffle_state: bool | None = None
    smart_shuffle: bool | None = None


@attrs.define(slots=True, kw_only=True)
class Queue:
    """``GET /me/player/queue``."""

    currently_playing: PlayableItem | None = None
    queue: list[PlayableItem | None] = attrs.Factory(list)


@attrs.define(slots=True, kw_only=True)
class PlayHistory:
    """One recently-played entry."""

    track: Track
    played_at: str
    context: Context | None = None
