"""Playlists: ``sp.playlists``: a playlist and its items (read side; writes arrive with full coverage)."""

from __future__ import annotations

from collections.abc import Sequence

from .. import ids
from ..errors import InvalidInput
from ..http import routes
from ..http.call import Call, Paged
from ..http.response import Request
from ..models import Playlist, PlaylistTrack
from ._base import EndpointGroup, check_limit, check_max_items, check_offset, query

__all__ = ["PlaylistsEndpoints"]

_ADDITIONAL = frozenset({"track", "episode"})


def _additional_types(values: Sequence[str] | None) -> Sequence[str]:
    if values is None:
        return ("track", "episode")
    if isinstance(values, str):
        values = values.split(",")
    unknown = set(values) - _ADDITIONAL
    if unknown:
        raise InvalidInput(f"unknown additional_types {sorted(unknown)}: choose from track, episode")
    return values


class PlaylistsEndpoints(EndpointGroup):
    """Playlists and their contents."""

    __slots__ = ()

    def get(
        self,
        playlist_id: str,
        *,
        market: str | None = None,
        fields: str | None = None,
        additional_types: Sequence[str] | None = None,
    ) -> Call[Playlist]:
        """``GET /playlists/{playlist_id}``: one playlist (items come only for playlists the user owns or shares)."""
        route = routes.GET_PLAYLIST.compile(playlist_id=ids.to_id(playlist_id, "playlist"))
        params = query(market=market, fields=fields, additional_types=_additional_types(additional_types))
        return Call(self._client, Request(route, params), Playlist)

    def items(
        self,
        playlist_id: str,
        *,
        market: str | None = None,
        fields: str | None = None,
        additional_types: Sequence[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
        max_items: int | None = None,
    ) -> Paged[PlaylistTrack]:
        """``GET /playlists/{playlist_id}/items``: await for the first page, iterate for every entry.

        Entries hold a track, an episode, or (for a type this SDK does not know) an ``UnknownItem``. Page size is at
        most 50 in development mode and 100 in extended mode.
        """
        route = routes.GET_PLAYLISTS_ITEMS.compile(playlist_id=ids.to_id(playlist_id, "playlist"))
        params = query(market=market, fields=fields, additional_types=_additional_types(additional_types))
        maximum = 50 if self._client.mode == "development" else 100
        return Paged(
            self._client,
            Request(route, params),
            PlaylistTrack,
            limit=check_limit(limit, maximum),
            offset=check_offset(offset),
            max_items=check_max_items(max_items),
        )
