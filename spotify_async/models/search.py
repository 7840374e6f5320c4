"""Search results: one optional page per requested type.

Spotify puts ``null`` entries in playlist, show, episode and audiobook result pages (items unavailable in the market,
still counted in ``total``); those pages are typed ``Page[X | None]`` so the ``None`` is visible to type checkers.
"""

import attrs

from .audiobooks import SimplifiedAudiobook
from .music import Artist, SimplifiedAlbum, Track
from .paging import Page
from .playlists import SimplifiedPlaylist
from .podcasts import SimplifiedEpisode, SimplifiedShow

__all__ = ["SearchResults"]


@attrs.define(slots=True, kw_only=True)
class SearchResults:
    """``GET /search``: the pages of the types asked for; the others are ``None``."""

    tracks: Page[Track] | None = None
    artists: Page[Artist] | None = None
    albums: Page[SimplifiedAlbum] | None = None
    playlists: Page[SimplifiedPlaylist | None] | None = None
    shows: Page[SimplifiedShow | None] | None = None
    episodes: Page[SimplifiedEpisode | None] | None = None
    audiobooks: Page[SimplifiedAudiobook | None] | None = None
