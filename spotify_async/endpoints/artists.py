"""Artists: ``sp.artists``: one artist, several artists, their albums, top tracks and related artists.

Following artists lives in ``sp.library``; the artists the user follows in ``sp.users.followed_artists``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .. import ids
from ..errors import InvalidInput
from ..http import routes
from ..http.call import Batch, Call, Paged
from ..http.response import Request
from ..models import Artist, ArtistDiscographyAlbum, Track
from ._base import EndpointGroup, check_limit, check_market, check_max_items, check_offset, get_several, query

__all__ = ["ALBUM_GROUPS", "AlbumGroup", "ArtistsEndpoints"]

AlbumGroup = str
#: the values ``include_groups`` accepts
ALBUM_GROUPS: tuple[str, ...] = ("album", "single", "appears_on", "compilation")


def _include_groups(values: Sequence[str] | None) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = values.split(",")
    values = list(values)
    if not values:
        raise InvalidInput(f"include_groups must name at least one of {', '.join(ALBUM_GROUPS)} (or be None for all)")
    unknown = sorted(set(values) - set(ALBUM_GROUPS))
    if unknown:
        raise InvalidInput(f"unknown include_groups {unknown}: choose from {', '.join(ALBUM_GROUPS)}")
    return values


class ArtistsEndpoints(EndpointGroup):
    """Catalog information about artists."""

    __slots__ = ()

    def get(self, artist_id: str) -> Call[Artist]:
        """``GET /artists/{id}``: one artist (an id, URI or URL). No scope; both modes."""
        route = routes.GET_AN_ARTIST.compile(id=ids.to_id(artist_id, "artist", arg="artist_id"))
        return Call(self._client, Request(route), Artist)

    def get_several(self, artist_ids: Iterable[str]) -> Batch[list[Artist | None]]:
        """Any number of artists in input order, ``None`` for unknown ids. No scope; both modes.

        Extended mode: ``GET /artists?ids=`` in concurrent chunks of 50. Development mode (the batch read was removed):
        concurrent ``GET /artists/{id}``.
        """
        return get_several(
            self,
            artist_ids,
            kind="artist",
            single=routes.GET_AN_ARTIST,
            batch=routes.GET_MULTIPLE_ARTISTS,
            model=Artist,
        )

    def albums(
        self,
        artist_id: str,
        *,
        include_groups: Sequence[str] | None = None,
        market: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[ArtistDiscographyAlbum]:
        """``GET /artists/{id}/albums``: an artist's albums, paged (limit up to 10). No scope; both modes.

        ``include_groups`` filters by ``album``, ``single``, ``appears_on``, ``compilation``.
        """
        route = routes.GET_AN_ARTISTS_ALBUMS.compile(id=ids.to_id(artist_id, "artist", arg="artist_id"))
        return Paged(
            self._client,
            Request(route, query(include_groups=_include_groups(include_groups), market=check_market(market))),
            ArtistDiscographyAlbum,
            limit=check_limit(limit, routes.GET_AN_ARTISTS_ALBUMS.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )

    def top_tracks(self, artist_id: str, *, market: str | None = None) -> Call[list[Track | None]]:
        """``GET /artists/{id}/top-tracks``: up to 10 tracks. No scope; extended mode only (removed in 2026)."""
        route = routes.GET_AN_ARTISTS_TOP_TRACKS.compile(id=ids.to_id(artist_id, "artist", arg="artist_id"))
        return Call(self._client, Request(route, query(market=check_market(market))), list[Track | None])

    def related_artists(self, artist_id: str) -> Call[list[Artist | None]]:
        """``GET /artists/{id}/related-artists``: up to 20 artists. No scope; extended mode only (restricted 2024)."""
        route = routes.GET_AN_ARTISTS_RELATED_ARTISTS.compile(id=ids.to_id(artist_id, "artist", arg="artist_id"))
        return Call(self._client, Request(route), list[Artist | None])
