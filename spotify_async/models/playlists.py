"""Playlists and their entries, in both shapes Spotify serves.

Since February 2026 Spotify renames a playlist's ``tracks`` to ``items`` and an entry's ``track`` to ``item``; for now
it often sends both keys, and older client IDs still get only the old ones. The models keep one canonical attribute
(``items``, ``item``) and expose the old name as a read-only alias (``tracks``, ``track``). The converter structures
whichever key is present, and only one of them when both are (the old one is then ignored, not parsed twice).
"""

import attrs

from .common import ExternalUrls, Followers, Image, VideoThumbnail
from .paging import Page
from .playable import PlayableItem
from .users import PlaylistOwner, PlaylistUser

__all__ = [
    "Playlist",
    "PlaylistItem",
    "PlaylistTrack",
    "PlaylistTracksRef",
    "SimplifiedPlaylist",
]


@attrs.define(slots=True, kw_only=True)
class PlaylistTracksRef:
    """Where a simplified playlist's entries live, and how many there are."""

    href: str | None = None
    total: int = 0


@attrs.define(slots=True, kw_only=True)
class PlaylistTrack:
    """One playlist entry. ``item`` is ``None`` for entries Spotify can no longer resolve.

    ``added_at`` stays Spotify's ISO-8601 string (``"2024-12-14T13:23:53Z"``), ``None`` on very old playlists.
    """

    item: PlayableItem | None = None
    added_at: str | None = None
    added_by: PlaylistUser | None = None
    is_local: bool = False
    primary_color: str | None = None
    video_thumbnail: VideoThumbnail | None = None

    @property
    def track(self) -> PlayableItem | None:
        """Pre-2026 name of :attr:`item`."""
        return self.item


PlaylistItem = PlaylistTrack


@attrs.define(slots=True, kw_only=True)
class SimplifiedPlaylist:
    """A playlist in pages and search results: ``items`` only says where the entries are and how many."""

    id: str
    name: str
    type: str = "playlist"
    uri: str | None = None
    href: str | None = None
    external_urls: ExternalUrls | None = None
    owner: PlaylistOwner | None = None
    collaborative: bool = False
    description: str | None = None
    images: list[Image | None] | None = None
    public: bool | None = None
    snapshot_id: str | None = None
    primary_color: str | None = None
    items: PlaylistTracksRef | None = None

    @property
    def tracks(self) -> PlaylistTracksRef | None:
        """Pre-2026 name of :attr:`items`."""
        return self.items


@attrs.define(slots=True, kw_only=True)
class Playlist:
    """A full playlist. ``items`` is ``None`` when Spotify withholds the entries (playlists you neither own nor
    collaborate on, since 2026).
    """

    id: str
    name: str
    type: str = "playlist"
    uri: str | None = None
    href: str | None = None
    external_urls: ExternalUrls | None = None
    owner: PlaylistOwner | None = None
    collaborative: bool = False
    description: str | None = None
    images: list[Image | None] | None = None
    public: bool | None = None
    snapshot_id: str | None = None
    primary_color: str | None = None
    followers: Followers | None = None
    items: Page[PlaylistTrack] | None = None

    @property
    def tracks(self) -> Page[PlaylistTrack] | None:
        """Pre-2026 name of :attr:`items`."""
        return self.items
