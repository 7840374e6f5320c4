"""Response envelopes: the one-key wrappers Spotify puts around lists and pages.

Several-items responses (``GET /albums?ids=``...) keep ``None`` at the position of an unknown or unavailable id, so
the list lines up with the ids asked for. The top-tracks and related-artists answers never hold ``None``.
"""

import attrs

from .audio import AudioFeatures
from .audiobooks import Audiobook, Chapter
from .browse import Category
from .music import Album, Artist, SimplifiedAlbum, Track
from .paging import CursorPage, Page
from .playlists import SimplifiedPlaylist
from .podcasts import Episode, SimplifiedShow

__all__ = [
    "ArtistTopTracks",
    "Categories",
    "FeaturedPlaylists",
    "FollowedArtists",
    "Genres",
    "Markets",
    "NewReleases",
    "RelatedArtists",
    "SeveralAlbums",
    "SeveralArtists",
    "SeveralAudioFeatures",
    "SeveralAudiobooks",
    "SeveralChapters",
    "SeveralEpisodes",
    "SeveralShows",
    "SeveralTracks",
    "SnapshotId",
]


@attrs.define(slots=True, kw_only=True)
class SeveralAlbums:
    """``GET /albums?ids=``."""

    albums: list[Album | None]


@attrs.define(slots=True, kw_only=True)
class SeveralArtists:
    """``GET /artists?ids=``."""

    artists: list[Artist | None]


@attrs.define(slots=True, kw_only=True)
class SeveralTracks:
    """``GET /tracks?ids=``."""

    tracks: list[Track | None]


@attrs.define(slots=True, kw_only=True)
class SeveralShows:
    """``GET /shows?ids=`` (simplified shows)."""

    shows: list[SimplifiedShow | None]


@attrs.define(slots=True, kw_only=True)
class SeveralEpisodes:
    """``GET /episodes?ids=``."""

    episodes: list[Episode | None]


@attrs.define(slots=True, kw_only=True)
class SeveralAudiobooks:
    """``GET /audiobooks?ids=``."""

    audiobooks: list[Audiobook | None]


@attrs.define(slots=True, kw_only=True)
class SeveralChapters:
    """``GET /chapters?ids=``."""

    chapters: list[Chapter | None]


@attrs.define(slots=True, kw_only=True)
class SeveralAudioFeatures:
    """``GET /audio-features?ids=``."""

    audio_features: list[AudioFeatures | None]


@attrs.define(slots=True, kw_only=True)
class ArtistTopTracks:
    """``GET /artists/{id}/top-tracks``."""

    tracks: list[Track | None]


@attrs.define(slots=True, kw_only=True)
class RelatedArtists:
    """``GET /artists/{id}/related-artists``."""

    artists: list[Artist | None]


@attrs.define(slots=True, kw_only=True)
class Categories:
    """``GET /browse/categories``."""

    categories: Page[Category]


@attrs.define(slots=True, kw_only=True)
class NewReleases:
    """``GET /browse/new-releases``."""

    albums: Page[SimplifiedAlbum]


@attrs.define(slots=True, kw_only=True)
class FeaturedPlaylists:
    """``GET /browse/featured-playlists`` and ``GET /browse/categories/{id}/playlists``."""

    playlists: Page[SimplifiedPlaylist | None]
    message: str | None = None


@attrs.define(slots=True, kw_only=True)
class FollowedArtists:
    """``GET /me/following?type=artist``."""

    artists: CursorPage[Artist]


@attrs.define(slots=True, kw_only=True)
class Genres:
    """``GET /recommendations/available-genre-seeds``."""

    genres: list[str]


@attrs.define(slots=True, kw_only=True)
class Markets:
    """``GET /markets``."""

    markets: list[str]


@attrs.define(slots=True, kw_only=True)
class SnapshotId:
    """Answer of playlist item writes: the playlist's new version."""

    snapshot_id: str
