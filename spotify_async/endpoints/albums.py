"""Albums: ``sp.albums``: one album, several albums, an album's tracks.

Saved albums (``GET /me/albums`` and the save/remove/contains operations) live in ``sp.library``; new releases in
``sp.browse``.
"""

from __future__ import annotations

from collections.abc import Iterable

from .. import ids
from ..http import routes
from ..http.call import Batch, Call, Paged
from ..http.response import Request
from ..models import Album, SimplifiedTrack
from ._base import EndpointGroup, check_limit, check_market, check_max_items, check_offset, get_several, query

__all__ = ["AlbumsEndpoints"]


class AlbumsEndpoints(EndpointGroup):
    """Catalog information about albums."""

    __slots__ = ()

    def get(self, album_id: str, *, market: str | None = None) -> Call[Album]:
        """``GET /albums/{id}``: one album (an id, URI or URL). No scope; both modes."""
        route = routes.GET_AN_ALBUM.compile(id=ids.to_id(album_id, "album", arg="album_id"))
        return Call(self._client, Request(route, query(market=check_market(market))), Album)

    def get_several(self, album_ids: Iterable[str], *, market: str | None = None) -> Batch[list[Album | None]]:
        """Any number of albums in input order, ``None`` for unknown ids. No scope; both modes.

        Extended mode: ``GET /albums?ids=`` in concurrent chunks of 20. Development mode (the batch read was removed):
        concurrent ``GET /albums/{id}``.
        """
        return get_several(
            self,
            album_ids,
            kind="album",
            single=routes.GET_AN_ALBUM,
            batch=routes.GET_MULTIPLE_ALBUMS,
            model=Album,
            params=query(market=check_market(market)),
        )

    def tracks(
        self,
        album_id: str,
        *,
        market: str | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[SimplifiedTrack]:
        """``GET /albums/{id}/tracks``: an album's tracks, paged (limit up to 50). No scope; both modes."""
        route = routes.GET_AN_ALBUMS_TRACKS.compile(id=ids.to_id(album_id, "album", arg="album_id"))
        return Paged(
            self._client,
            Request(route, query(market=check_market(market))),
            SimplifiedTrack,
            limit=check_limit(limit, routes.GET_AN_ALBUMS_TRACKS.page_limit),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )
