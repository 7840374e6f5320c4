"""Artists, albums and tracks: the music catalogue objects.

Simplified objects are base classes of the full ones (``isinstance(album, SimplifiedAlbum)`` holds for an
:class:`Album`), as the spec builds them with ``allOf``. Fields Spotify removed for development-mode apps
(``popularity``, ``followers``, ``available_markets``, ``label``, ``album_group``, ``linked_from``) default to ``None``:
``None`` means "not sent", which differs from ``[]`` ("available in no market"). Local files have ``None`` ids, hrefs
and URIs (except the ``spotify:local:`` URI of the track itself) and an empty album.
"""

from typing import Literal

import attrs

from .common import Copyright, ExternalIds, ExternalUrls, Followers, Image, Restrictions
from .paging import Page

__all__ = [
    "Album",
    "Artist",
    "ArtistDiscographyAlbum",
    "LinkedTrack",
    "SimplifiedAlbum",
    "SimplifiedArtist",
    "SimplifiedTrack",
    "Track",
]


@attrs.define(slots=True, kw_only=True)
class SimplifiedArtist:
    """An artist as embedded in albums and tracks."""

    name: str | None
    type: str = "artist"
    id: str | None = None
    uri: str | None = None
    href: str | None = None
    external_urls: ExternalUrls | None = None


@attrs.define(slots=True, kw_only=True)
class Artist(SimplifiedArtist):
    """A full artist. ``genres`` became ``[]`` in 2026; ``followers``/``popularity`` are gone in development mode."""

    #: always sent for an artist fetched by id (only the simplified objects of local files lack them)
    id: str
    uri: str
    name: str
    images: list[Image | None] = attrs.Factory(list)
    genres: list[str] = attrs.Factory(list)
    followers: Followers | None = None
    popularity: int | None = None


@attrs.define(slots=True, kw_only=True)
class SimplifiedAlbum:
    """An album as embedded in tracks, pages and search results.

    ``release_date`` stays Spotify's string (``"1981"``, ``"1981-12"`` or ``"1981-12-15"``, see
    ``release_date_precision``): the precision varies, so a ``date`` would invent days.
    """

    name: str
    album_type: str | None = None
    type: str = "album"
    id: str | None = None
    uri: str | None = None
    href: str | None = None
    external_urls: ExternalUrls | None = None
    artists: list[SimplifiedArtist | None] = attrs.Factory(list)
    images: list[Image | None] = attrs.Factory(list)
    release_date: str | None = None
    release_date_precision: str | None = None
    total_tracks: int | None = None
    # Up to 185 country codes: kept out of repr() so a printed track stays readable.
    available_markets: tuple[str, ...] | None = attrs.field(default=None, repr=False)
    album_group: str | None = None
    restrictions: Restrictions | None = None
    is_playable: bool | None = None


@attrs.define(slots=True, kw_only=True)
class ArtistDiscographyAlbum(SimplifiedAlbum):
    """An album in an artist's discography; ``album_group`` says how the artist relates to it (removed in dev mode)."""


@attrs.define(slots=True, kw_only=True)
class LinkedTrack:
    """The track originally asked for when Spotify relinked to another one; its ``id`` can be ``null``."""

    type: str = "track"
    id: str | None = None
    uri: str | None = None
    href: str | None = None
    external_urls: ExternalUrls | None = None


@attrs.define(slots=True, kw_only=True)
class SimplifiedTrack:
    """A track without its album (album tracks, recommendations in old recordings)."""

    name: str
    #: ``"track"`` live; the spec's SimplifiedTrackObject allows any string, so any string is accepted here
    type: str = "track"
    id: str | None = None
    uri: str | None = None
    href: str | None = None
    external_urls: ExternalUrls | None = None
    artists: list[SimplifiedArtist | None] = attrs.Factory(list)
    duration_ms: int = 0
    explicit: bool = False
    disc_number: int = 1
    track_number: int = 0
    is_local: bool = False
    is_playable: bool | None = None
    preview_url: str | None = None
    # Up to 185 country codes: kept out of repr() so a printed track stays readable.
    available_markets: tuple[str, ...] | None = attrs.field(default=None, repr=False)
    linked_from: LinkedTrack | None = None
    restrictions: Restrictions | None = None


@attrs.define(slots=True, kw_only=True)
class Track(SimplifiedTrack):
    """A full track.

    ``episode``/``track`` are flags Spotify adds to entries of playlists (``track: true`` for music); absent elsewhere.
    """

    album: SimplifiedAlbum
    #: the spec's TrackObject (unlike the simplified one) says ``"track"`` and nothing else
    type: Literal["track"] = "track"
    external_ids: ExternalIds | None = None
    popularity: int | None = None
    episode: bool | None = None
    track: bool | None = None


@attrs.define(slots=True, kw_only=True)
class Album(SimplifiedAlbum):
    """A full album with its first page of tracks. ``label`` and ``popularity`` are gone in development mode."""

    #: always sent for an album fetched by id (only the simplified objects of local files lack them)
    id: str
    uri: str
    album_type: str
    release_date: str
    release_date_precision: str
    tracks: Page[SimplifiedTrack]
    copyrights: list[Copyright | None] = attrs.Factory(list)
    external_ids: ExternalIds | None = None
    genres: list[str] = attrs.Factory(list)
    label: str | None = None
    popularity: int | None = None
