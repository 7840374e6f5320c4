"""Artists: ``sp.artists``: one artist, several artists, their albums and top tracks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .. import ids
from ..errors import InvalidInput
from ..http import routes
from ..http.call import Call, Paged
from ..http.response import Request
from ..models import Artist, SimplifiedAlbum, Track
from ._base import EndpointGroup, check_limit, check_max_items, check_offset, get_several, query

__all__ = ["AlbumGroup", "ArtistsEndpoints"]

AlbumGroup = str
_GROUPS = frozenset({"album", "single", "appears_on", "compilation"})


class ArtistsEndpoints(EndpointGroup):
    """Catalog information about artists."""

    __slots__ = ()

    def get(self, artist_id: str) -> Call[Artist]:
        """``GET /artists/{id}``: one artist (an id, URI or URL)."""
        route = routes.GET_AN_ARTIST.compile(id=ids.to_id(artist_id, "artist"))
        return Call(self._client, Request(route), Artist)

    async def get_several(self, artist_ids: Iterable[str]) -> list[Artist | None]:
        """Any number of artists in input order, ``None`` for unknown ids.

        ``GET /artists?ids=`` in chunks of 50 (extended mode); concurrent ``GET /artists/{id}`` in development mode.
        """
        return await get_several(
            self,
            artist_ids,
            kind="artist",
            single=routes.GET_AN_ARTIST,
            batch=routes.GET_MULTIPLE_ARTISTS,
            key="artists",
            model=Artist,
            batch_size=50,
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
    ) -> Paged[SimplifiedAlbum]:
        """``GET /artists/{id}/albums``: await for the first page (limit up to 10), iterate for every album.

        ``include_groups`` filters by ``album``, ``single``, ``appears_on``, ``compilation``.
        """
        if include_groups is not None:
            if isinstance(include_groups, str):
                include_groups = include_groups.split(",")
            unknown = set(include_groups) - _GROUPS
            if unknown:
                raise InvalidInput(f"unknown include_groups {sorted(unknown)}: choose from {sorted(_GROUPS)}")
        route = routes.GET_AN_ARTISTS_ALBUMS.compile(id=ids.to_id(artist_id, "artist"))
        return Paged(
            self._client,
            Request(route, query(include_groups=include_groups, market=market)),
            SimplifiedAlbum,
            limit=check_limit(limit, 10),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )

    def top_tracks(self, artist_id: str, *, market: str | None = None) -> Call[list[Track]]:
        """``GET /artists/{id}/top-tracks``: up to 10 tracks (extended mode only: removed for development mode)."""
        route = routes.GET_AN_ARTISTS_TOP_TRACKS.compile(id=ids.to_id(artist_id, "artist"))
        return Call(self._client, Request(route, query(market=market)), list[Track], key="tracks")
