"""Typed attrs models of every object the Spotify Web API returns, and the converter that builds them.

Import models from here (``from spotify_async.models import Track, Page``). :func:`loads` decodes a response body
with orjson and structures it; :func:`structure` does the second half for already-decoded data. Both raise
:class:`~spotify_async.errors.ModelError` naming the JSON path when a body does not fit.

Design choices (measured in ``benchmarks/structuring.py``):

* Classes are ``@attrs.define(slots=True, kw_only=True)`` and mutable: a frozen attrs class sets each field through
  ``object.__setattr__`` in ``__init__``, which made structuring measurably slower; slots keep instances small.
  Treat them as values anyway.
* Dates and times stay Spotify's strings: release dates come in three precisions (``"1981"``, ``"1981-12"``,
  ``"1981-12-15"``), ``added_at``/``played_at`` are ISO-8601 with ``Z``, which ``datetime.fromisoformat`` only reads
  from Python 3.11; parsing them all would cost time on every page for values most callers never read.
* Fields Spotify removed for development-mode apps, or may omit, default to ``None`` (``None`` = "not sent", unlike
  ``[]``); lists Spotify always sends default to empty.
* Playlists accept both ``tracks``/``track`` and ``items``/``item``; the canonical attributes are ``items``/``item``,
  the old names are read-only aliases.
* A kept object costs what its data costs (about 3 KiB for a playlist entry): ``available_markets`` is a
  ``tuple[str, ...]`` shared by every object with the same list, known words (``"track"``, ``"single"``) are shared
  strings, and ``uri``/``href``/``external_urls`` equal to what ``type`` and ``id`` give are built on first read
  (see ``_shared.py``). Another reason to treat the objects as values.
"""

from ._converter import CONVERTER, STRICT_CONVERTER, loads, make_converter, structure, unstructure
from .audio import (
    AudioAnalysis,
    AudioAnalysisMeta,
    AudioAnalysisTrack,
    AudioFeatures,
    Section,
    Segment,
    TimeInterval,
)
from .audiobooks import Audiobook, Chapter, SimplifiedAudiobook, SimplifiedChapter
from .browse import Category, Recommendations, RecommendationSeed
from .common import (
    AlbumRestriction,
    Author,
    ChapterRestriction,
    Copyright,
    EpisodeRestriction,
    ExternalIds,
    ExternalUrls,
    Followers,
    Image,
    Narrator,
    Restrictions,
    ResumePoint,
    TrackRestriction,
    UnknownItem,
    VideoThumbnail,
)
from .envelopes import (
    ArtistTopTracks,
    Categories,
    FeaturedPlaylists,
    FollowedArtists,
    Genres,
    Markets,
    NewReleases,
    RelatedArtists,
    SeveralAlbums,
    SeveralArtists,
    SeveralAudiobooks,
    SeveralAudioFeatures,
    SeveralChapters,
    SeveralEpisodes,
    SeveralShows,
    SeveralTracks,
    SnapshotId,
)
from .library import SavedAlbum, SavedAudiobook, SavedEpisode, SavedShow, SavedTrack
from .music import (
    Album,
    Artist,
    ArtistDiscographyAlbum,
    LinkedTrack,
    SimplifiedAlbum,
    SimplifiedArtist,
    SimplifiedTrack,
    Track,
)
from .paging import CursorPage, Cursors, Page
from .playable import PlayableItem
from .player import (
    Context,
    CurrentlyPlaying,
    Device,
    Devices,
    Disallows,
    PlaybackState,
    PlayHistory,
    Queue,
)
from .playlists import Playlist, PlaylistItem, PlaylistTrack, PlaylistTracksRef, SimplifiedPlaylist
from .podcasts import Episode, Show, SimplifiedEpisode, SimplifiedShow
from .search import SearchResults
from .users import ExplicitContentSettings, PlaylistOwner, PlaylistUser, PrivateUser, PublicUser

__all__ = [
    "CONVERTER",
    "STRICT_CONVERTER",
    "Album",
    "AlbumRestriction",
    "Artist",
    "ArtistDiscographyAlbum",
    "ArtistTopTracks",
    "AudioAnalysis",
    "AudioAnalysisMeta",
    "AudioAnalysisTrack",
    "AudioFeatures",
    "Audiobook",
    "Author",
    "Categories",
    "Category",
    "Chapter",
    "ChapterRestriction",
    "Context",
    "Copyright",
    "CurrentlyPlaying",
    "CursorPage",
    "Cursors",
    "Device",
    "Devices",
    "Disallows",
    "Episode",
    "EpisodeRestriction",
    "ExplicitContentSettings",
    "ExternalIds",
    "ExternalUrls",
    "FeaturedPlaylists",
    "FollowedArtists",
    "Followers",
    "Genres",
    "Image",
    "LinkedTrack",
    "Markets",
    "Narrator",
    "NewReleases",
    "Page",
    "PlayHistory",
    "PlayableItem",
    "PlaybackState",
    "Playlist",
    "PlaylistItem",
    "PlaylistOwner",
    "PlaylistTrack",
    "PlaylistTracksRef",
    "PlaylistUser",
    "PrivateUser",
    "PublicUser",
    "Queue",
    "RecommendationSeed",
    "Recommendations",
    "RelatedArtists",
    "Restrictions",
    "ResumePoint",
    "SavedAlbum",
    "SavedAudiobook",
    "SavedEpisode",
    "SavedShow",
    "SavedTrack",
    "SearchResults",
    "Section",
    "Segment",
    "SeveralAlbums",
    "SeveralArtists",
    "SeveralAudioFeatures",
    "SeveralAudiobooks",
    "SeveralChapters",
    "SeveralEpisodes",
    "SeveralShows",
    "SeveralTracks",
    "Show",
    "SimplifiedAlbum",
    "SimplifiedArtist",
    "SimplifiedAudiobook",
    "SimplifiedChapter",
    "SimplifiedEpisode",
    "SimplifiedPlaylist",
    "SimplifiedShow",
    "SimplifiedTrack",
    "SnapshotId",
    "TimeInterval",
    "Track",
    "TrackRestriction",
    "UnknownItem",
    "VideoThumbnail",
    "loads",
    "make_converter",
    "structure",
    "unstructure",
]
