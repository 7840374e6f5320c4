"""Saved items of the user's library: ``{"added_at": ..., "<kind>": {...}}``.

``added_at`` stays Spotify's ISO-8601 string. Note that ``GET /me/audiobooks`` really answers a page of plain
:class:`~spotify_async.models.audiobooks.SimplifiedAudiobook` (no wrapper), unlike the spec's SavedAudiobookObject,
which :class:`SavedAudiobook` still models for completeness.
"""

import attrs

from .audiobooks import Audiobook
from .music import Album, Track
from .podcasts import Episode, SimplifiedShow

__all__ = ["SavedAlbum", "SavedAudiobook", "SavedEpisode", "SavedShow", "SavedTrack"]


@attrs.define(slots=True, kw_only=True)
class SavedAlbum:
    """An album in the user's library."""

    album: Album
    added_at: str | None = None


@attrs.define(slots=True, kw_only=True)
class SavedTrack:
    """A track in the user's library."""

    track: Track
    added_at: str | None = None


@attrs.define(slots=True, kw_only=True)
class SavedShow:
    """A show the user follows."""

    show: SimplifiedShow
    added_at: str | None = None


@attrs.define(slots=True, kw_only=True)
class SavedEpisode:
    """An episode in the user's library; ``episode`` is ``None`` when Spotify can no longer resolve it (it then sends
    an object whose id, name and nearly every other field are ``null``; seen in 2026).
    """

    episode: Episode | None
    added_at: str | None = None


@attrs.define(slots=True, kw_only=True)
class SavedAudiobook:
    """An audiobook in the user's library, as the spec describes it (see the module docstring)."""

    audiobook: Audiobook
    added_at: str | None = None
